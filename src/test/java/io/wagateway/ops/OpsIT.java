package io.wagateway.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * Operating the gateway: readiness follows Elasticsearch, {@code /stats} counts every outcome, Prometheus shows the
 * gateway's and Camel's meters, and logs carry no phone number or message text. Auto-reply is on here (an LLM and send
 * APIs on WireMock) so the AI-reply counters move too.
 */
@TestPropertySource(properties = {
        "gateway.auto-reply.enabled=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.llm.retries=0",
        "gateway.auto-reply.llm.retry-delay-ms=50",
        "gateway.auto-reply.llm.circuit-minimum-calls=1000",
        "gateway.meta.access-token=test-meta-token"})
@ExtendWith(OutputCaptureExtension.class)
class OpsIT extends GatewayIntegrationTest {

    @org.springframework.test.context.DynamicPropertySource
    static void llmAndGraph(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    private static String completion(String text) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1767611000,\"model\":\"test/model\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
    }

    private void stubLlmAndSends() {
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/chat/completions")).atPriority(5)
                .willReturn(okJson(completion("Your order is ready."))));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/chat/completions")).atPriority(1)
                .withRequestBody(WireMock.containing("PLEASE-FAIL")).willReturn(serverError()));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/100000000000002/messages"))
                .willReturn(okJson("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.REPLY1\"}]}")));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v1/message/send"))
                .willReturn(okJson("{\"message_id\":\"true_15550100001@c.us_3EB0REPLY1\",\"queue_id\":\"q1\"}")));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText"))
                .willReturn(okJson("{\"id\":\"true_15550100001@c.us_3EB0REPLY2\"}").withStatus(201)));
        PEERS.stubFor(WireMock.post(WireMock.urlPathMatching("/api/v1/chats/.*/messages"))
                .willReturn(okJson("{\"object\":\"MessageSent\",\"message_id\":\"unipile-reply-1\"}").withStatus(201)));
    }

    private JsonNode stats() throws Exception {
        HttpResponse<String> r = get("/stats");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/json");
        return JSON.readTree(r.body());
    }

    private static long n(JsonNode stats, String provider, String key) {
        JsonNode scope = provider == null ? stats.path("total") : stats.path("providers").path(provider);
        return scope.path(key).asLong(0);
    }

    /** A Meta text message with its own id and text (signed by the caller). */
    private static byte[] metaText(String messageId, String text) {
        String body = new String(Fixtures.bytes("webhooks/meta/inbound_text.json"), StandardCharsets.UTF_8)
                .replace("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=", messageId)
                .replace("Hi, is my order #4821 ready for pickup?", text);
        return body.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyStatsCounterMoves() throws Exception {
        stubLlmAndSends();
        JsonNode before = stats();
        assertThat(before.path("since").asText()).isNotBlank();

        // received + stored (meta), then the same again: duplicate
        assertThat(postMeta(metaText("wamid.OPS1", "hello there")).statusCode()).isEqualTo(200);
        assertThat(postMeta(metaText("wamid.OPS1", "hello there")).body()).contains("\"duplicate\":1");
        // ignored, by reason
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/session_status_working.json")).body()).contains("ignored");
        // signature rejection
        byte[] forged = metaText("wamid.OPS2", "forged");
        assertThat(post("/webhooks/meta", forged, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", "sha256=00")).statusCode()).isEqualTo(401);
        // dead letter (malformed JSON)
        byte[] bad = "{not json".getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(bad).statusCode()).isEqualTo(400);
        // failed: an id too long for an Elasticsearch _id, refused by the store and dead-lettered
        assertThat(postMeta(metaText("wamid." + "X".repeat(600), "too long")).statusCode()).isEqualTo(200);
        // provider API call + cache miss (Periskope chat name), then a cache hit for the same chat
        assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/message_created_group.json")).statusCode())
                .isEqualTo(200);
        String second = new String(Fixtures.bytes("webhooks/periskope/message_created_group.json"),
                StandardCharsets.UTF_8).replaceAll("3EB0FAKE0000000000030(\\d)", "3EB0FAKE0000000000039$1");
        assertThat(postPeriskope(second.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        // an AI reply that fails (LLM 500)
        assertThat(postMeta(metaText("wamid.OPS3", "PLEASE-FAIL now")).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode after = stats();
            // OPS1 twice, the over-long id, OPS3 (the forged one never gets past its signature)
            assertThat(n(after, "meta", "received") - n(before, "meta", "received")).as("meta received in " + after).isEqualTo(4);
            assertThat(n(after, "meta", "stored") - n(before, "meta", "stored")).as("meta stored in " + after).isEqualTo(2);
            assertThat(n(after, "meta", "duplicates") - n(before, "meta", "duplicates")).as("meta duplicates in " + after).isEqualTo(1);
            assertThat(n(after, "waha", "ignored") - n(before, "waha", "ignored")).as("waha ignored in " + after).isEqualTo(1);
            assertThat(after.path("providers").path("waha").path("ignored_by_reason").size()).isPositive();
            assertThat(n(after, "meta", "signature_rejections") - n(before, "meta", "signature_rejections")).as("meta signature_rejections in " + after)
                    .isEqualTo(1);
            assertThat(n(after, "meta", "failed") - n(before, "meta", "failed")).as("meta failed in " + after).isEqualTo(1);
            assertThat(n(after, "meta", "dead_letters") - n(before, "meta", "dead_letters")).as("meta dead_letters in " + after).isGreaterThanOrEqualTo(2);
            assertThat(n(after, "periskope", "provider_api_calls") - n(before, "periskope", "provider_api_calls")).as("periskope provider_api_calls in " + after)
                    .isGreaterThanOrEqualTo(1);
            assertThat(n(after, "periskope", "cache_misses") - n(before, "periskope", "cache_misses")).as("periskope cache_misses in " + after)
                    .isGreaterThanOrEqualTo(1);
            assertThat(n(after, "periskope", "cache_hits") - n(before, "periskope", "cache_hits")).as("periskope cache_hits in " + after)
                    .isGreaterThanOrEqualTo(1);
            assertThat(n(after, "meta", "ai_replies_sent") - n(before, "meta", "ai_replies_sent")).as("meta ai_replies_sent in " + after).isEqualTo(1);
            assertThat(n(after, "meta", "ai_replies_failed") - n(before, "meta", "ai_replies_failed")).as("meta ai_replies_failed in " + after).isEqualTo(1);
            assertThat(n(after, null, "stored") - n(before, null, "stored"))
                    .isEqualTo(n(after, "meta", "stored") + n(after, "periskope", "stored")
                            - n(before, "meta", "stored") - n(before, "periskope", "stored"));
        });

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode h = JSON.readTree(health.body());
        assertThat(h.path("status").asText()).isEqualTo("UP");
        assertThat(h.path("version").asText()).isNotBlank();
        assertThat(h.path("uptime_seconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(h.path("stats").path("total").path("stored").asLong()).isPositive();
    }

    @Test
    void prometheusShowsGatewayAndCamelMetersByTheirNamesAndTheGrafanaDashboardUsesOnlyThose() throws Exception {
        stubLlmAndSends();
        assertThat(postMeta(metaText("wamid.PROM1", "hello prometheus")).statusCode()).isEqualTo(200);
        assertThat(postMeta(metaText("wamid.PROM1", "hello prometheus")).body()).contains("duplicate");
        assertThat(postMeta("{bad".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/session_status_working.json")).statusCode()).isEqualTo(200);
        assertThat(post("/webhooks/meta", new byte[] {'{', '}'}, Map.of("X-Hub-Signature-256", "sha256=00"))
                .statusCode()).isEqualTo(401);
        assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/message_created_group.json")).statusCode())
                .isEqualTo(200);
        String dashboard = java.nio.file.Files.readString(Path.of(System.getProperty("gateway.project-dir", "."))
                .resolve("deploy/grafana/whatsapp-gateway.json"));
        java.util.Set<String> used = new java.util.TreeSet<>();
        Matcher names = Pattern.compile("\\b((?:gateway|camel)_[a-z_]+)\\b").matcher(dashboard);
        while (names.find()) {
            used.add(names.group(1));
        }
        assertThat(used).hasSizeGreaterThan(10);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpResponse<String> r = get("/actuator/prometheus");
            assertThat(r.statusCode()).isEqualTo(200);
            String text = r.body();
            assertThat(text)
                    .contains("gateway_webhooks_seconds_bucket{")
                    .containsPattern("gateway_webhooks_seconds_count\\{[^}]*outcome=\"ok\"[^}]*provider=\"meta\"")
                    .containsPattern("gateway_messages_stored_total\\{[^}]*provider=\"meta\"")
                    .contains("gateway_elasticsearch_bulk_seconds_bucket{")
                    .contains("gateway_elasticsearch_bulk_took_seconds_count{")
                    .contains("gateway_elasticsearch_mget_seconds_bucket{")
                    .containsPattern("camel_exchanges_total\\{[^}]*routeId=\"meta-inbound\"");
            for (String name : used) {
                assertThat(text).as("dashboard metric " + name).containsPattern("(?m)^" + name + "[{ ]");
            }
        });
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.core.env.Environment env;

    /** Sends a signal to the local Elasticsearch node (its pid file is beside its data, under logs/). */
    private void signalElasticsearch(String signal) throws Exception {
        Path data = Path.of(env.getRequiredProperty("gateway.elasticsearch.local.data-path"));
        Path pidFile = data.getParent().getParent().resolve("logs").resolve(data.getFileName()).resolve("elasticsearch.pid");
        String pid = java.nio.file.Files.readString(pidFile).trim();
        assertThat(new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start().waitFor()).isZero();
    }

    /**
     * Elasticsearch frozen (SIGSTOP: it accepts connections and never answers, as behind a network partition) makes
     * readiness DOWN within the check's timeout; resumed, readiness is UP again. A refused connection is covered by
     * {@code StoreUnavailableIT}. Liveness never follows Elasticsearch: a restart would not bring it back.
     */
    @Test
    void readinessIsDownWhileElasticsearchIsUnreachableAndUpWhenItReturns() throws Exception {
        assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        boolean frozen = false;
        try {
            signalElasticsearch("STOP");
            frozen = true;
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 503);
            assertThat(get("/actuator/health/readiness").body()).contains("DOWN");
            assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
            HttpResponse<String> health = get("/health");
            assertThat(health.statusCode()).isEqualTo(503);
            JsonNode h = JSON.readTree(health.body());
            assertThat(h.path("status").asText()).isEqualTo("DOWN");
            assertThat(h.path("elasticsearch").path("status").asText()).isEqualTo("unreachable");
            signalElasticsearch("CONT");
            frozen = false;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 200);
            assertThat(get("/actuator/health/readiness").body()).contains("UP");
        } finally {
            if (frozen) {
                signalElasticsearch("CONT"); // later tests in this JVM need it
            }
        }
    }

    @Test
    void logsCarryNoPhoneNumberNorMessageTextAndOneOutcomeLinePerWebhook(CapturedOutput output) throws Exception {
        stubLlmAndSends();
        StringBuilder secrets = new StringBuilder();
        int webhooks = 0;
        for (String provider : List.of("meta", "waha", "periskope", "unipile")) {
            for (Path file : Fixtures.all("webhooks/" + provider)) {
                byte[] body = Fixtures.bytes(file);
                secrets.append(new String(body, StandardCharsets.UTF_8)).append('\n');
                HttpResponse<String> r = switch (provider) {
                    case "meta" -> postMeta(body);
                    case "waha" -> postWaha(body);
                    case "periskope" -> postPeriskope(body);
                    default -> postUnipile(body);
                };
                assertThat(r.statusCode()).as(file.toString()).isEqualTo(200);
                webhooks++;
            }
        }
        // also the failure paths: a forged signature and a malformed body
        assertThat(post("/webhooks/waha", Fixtures.bytes("webhooks/waha/message_inbound_text.json"),
                Map.of("Content-Type", "application/json", "X-Webhook-Hmac", "00")).statusCode()).isEqualTo(401);
        webhooks++;
        Thread.sleep(1500); // let auto-replies and name lookups log what they log (nothing to wait on otherwise)
        String logs = output.getAll();

        // every phone number in the fixtures (digit runs of 10+, our test numbers start with 1555)
        Matcher phones = Pattern.compile("\\b1555\\d{7}\\b").matcher(secrets);
        int checked = 0;
        while (phones.find()) {
            assertThat(logs).as("phone number in logs").doesNotContain(phones.group());
            checked++;
        }
        assertThat(checked).isPositive();
        // every message text of the fixtures
        Matcher texts = Pattern.compile("\"(?:body|text|message)\"\\s*:\\s*\"([^\"]{12,})\"").matcher(secrets);
        int textsChecked = 0;
        while (texts.find()) {
            String text = texts.group(1);
            if (text.contains("\\")) {
                continue; // escaped in JSON: never printed like that anyway
            }
            assertThat(logs).as("message text in logs").doesNotContain(text);
            textsChecked++;
        }
        assertThat(textsChecked).isGreaterThan(5);
        // secrets never
        assertThat(logs).doesNotContain("test-periskope-key").doesNotContain("test-openrouter-key")
                .doesNotContain("test-meta-token").doesNotContain("test-admin-token");
        // one structured line per webhook outcome, ids masked
        long lines = logs.lines().filter(l -> l.contains("{\"log\":\"webhook\"")).count();
        assertThat(lines).isGreaterThanOrEqualTo(webhooks);
        assertThat(logs).containsPattern("\\{\"log\":\"webhook\",\"provider\":\"waha\",\"event\":\"message\","
                + "\"message_ids\":\\[\"false_15\\*\\*\\*\\*01@c.us_[^\"]+\"\\],\"outcome\":\"ok\",\"status\":200,"
                + "\"items\":\\{[^}]*\\},\"latency_ms\":[0-9.]+\\}");
        assertThat(logs).containsPattern("\\{\"log\":\"webhook\",\"provider\":\"waha\"[^\\n]*\"outcome\":\"rejected\","
                + "\"status\":401");
    }
}
