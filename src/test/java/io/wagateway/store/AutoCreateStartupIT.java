package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import io.wagateway.support.TcpProxy;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 1: the packaged gateway starts against an Elasticsearch that allows index auto-creation (a cluster's
 * default; the tests' node forbids it, so it is allowed here by a cluster setting) and has none of the gateway's
 * indices (fresh alias names), while a client is already posting to every provider from before the gateway's port
 * opens and redelivers every non-2xx answer, as providers do. Elasticsearch comes up only once the gateway's webhook
 * routes answer (as when both start together in a deployment), so the gateway's start-up cannot create the indices
 * first. Every message is eventually stored, no concrete index squats an alias name, and names are written back.
 * Then every index is deleted while webhooks keep coming: the same holds.
 *
 * <p>Before the fix a name write-back reached {@code whatsapp-names} before its alias existed, Elasticsearch
 * auto-created a concrete index of that name, and every webhook was answered 503 from then on.
 */
class AutoCreateStartupIT extends GatewayIntegrationTest {

    private static final String PREFIX = "autocreate-";
    private static final Duration DEADLINE = Duration.ofSeconds(150);
    /** provider → fixtures posted (each holds one message). */
    private static final Map<String, List<String>> FIXTURES = new LinkedHashMap<>();

    static {
        FIXTURES.put("meta", List.of("webhooks/meta/inbound_text.json", "webhooks/meta/group_text.json",
                "webhooks/meta/inbound_image.json"));
        FIXTURES.put("waha", List.of("webhooks/waha/message_inbound_text.json", "webhooks/waha/message_group.json",
                "webhooks/waha/message_media_image.json"));
        FIXTURES.put("periskope", List.of("webhooks/periskope/message_created_inbound_text.json",
                "webhooks/periskope/message_created_group.json",
                "webhooks/periskope/message_created_media_image.json"));
        FIXTURES.put("unipile", List.of("webhooks/unipile/message_received_inbound_text.json",
                "webhooks/unipile/message_received_group.json",
                "webhooks/unipile/message_received_with_attachments.json"));
        FIXTURES.put("evolution", List.of("webhooks/evolution/messages_upsert_inbound_text.json",
                "webhooks/evolution/messages_upsert_group_reply.json",
                "webhooks/evolution/messages_upsert_image.json"));
    }

    private static final int BACKLOG = 40;

    private static final List<String> ALIASES = List.of("whatsapp-messages", "whatsapp-message-updates",
            "whatsapp-dead-letters", "whatsapp-names", "whatsapp-replies", "whatsapp-message-lifecycle",
            "whatsapp-chats", "whatsapp-events");

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path packagedJar() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("whatsapp-gateway-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("run the package phase first: no jar in target/"));
        }
    }

    /**
     * Posts one webhook as a provider does until it is acknowledged: a refused connection or any non-200 is retried
     * after 100 ms (a provider's short redelivery back-off), until {@code deadline}. Every answer is counted in
     * {@code statuses} (-1 = connection refused); the first 503 or 200 lets Elasticsearch come up behind its proxy
     * (the webhook routes run by then).
     *
     * @return 200, or -2 when the deadline passed first
     */
    private static int redeliverUntil200(HttpRequest request, long deadline, Map<Integer, AtomicInteger> statuses,
            TcpProxy elasticsearch) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            int status;
            try {
                status = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException refused) {
                status = -1;
            }
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            if (status == 503 || status == 200) {
                elasticsearch.mode(TcpProxy.Mode.FORWARD);
            }
            if (status == 200) {
                return status;
            }
            Thread.sleep(100);
        }
        return -2;
    }

    private Process startGateway(int httpPort, Path log, String elasticsearchUrl) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-jar", packagedJar().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("PORT", Integer.toString(httpPort));
        env.put("ELASTICSEARCH_URL", elasticsearchUrl);
        env.put("ES_INDEX_MESSAGES", PREFIX + "whatsapp-messages");
        env.put("ES_INDEX_UPDATES", PREFIX + "whatsapp-message-updates");
        env.put("ES_INDEX_DEAD_LETTERS", PREFIX + "whatsapp-dead-letters");
        env.put("ES_INDEX_NAMES", PREFIX + "whatsapp-names");
        env.put("ES_INDEX_REPLIES", PREFIX + "whatsapp-replies");
        env.put("ES_INDEX_LIFECYCLE", PREFIX + "whatsapp-message-lifecycle");
        env.put("ES_INDEX_CHAT_SETTINGS", PREFIX + "whatsapp-chat-settings");
        env.put("ES_INDEX_CHATS", PREFIX + "whatsapp-chats");
        env.put("ES_INDEX_EVENTS", PREFIX + "whatsapp-events");
        env.put("WHATSAPP_APP_SECRET", Fixtures.SECRET);
        env.put("WAHA_WEBHOOK_HMAC_KEY", Fixtures.SECRET);
        env.put("PERISKOPE_SIGNING_SECRET", Fixtures.SECRET);
        env.put("UNIPILE_WEBHOOK_SECRET", Fixtures.SECRET);
        env.put("EVOLUTION_WEBHOOK_SECRET", Fixtures.SECRET);
        env.put("WAHA_BASE_URL", PEERS.baseUrl());
        env.put("WAHA_API_KEY", "test-waha-key");
        env.put("PERISKOPE_BASE_URL", PEERS.baseUrl() + "/v1");
        env.put("PERISKOPE_API_KEY", "test-periskope-key");
        env.put("UNIPILE_DSN", PEERS.baseUrl());
        env.put("UNIPILE_API_KEY", "test-unipile-key");
        env.put("DEAD_LETTER_JOURNAL_DIR", "target/autocreate-dead-letters");
        // the WAHA fixtures carry their January 2026 delivery timestamps: replay bounds are HttpEntryIT's subject
        env.put("WEBHOOK_MAX_DELIVERY_AGE_SECONDS", "0");
        return pb.start();
    }

    private HttpRequest request(int gatewayPort, String provider, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + gatewayPort + "/webhooks/"
                + provider)).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        switch (provider) {
            case "meta" -> b.header("Content-Type", "application/json")
                    .header("X-Hub-Signature-256", Fixtures.metaSignature(body));
            case "waha" -> b.header("Content-Type", "application/json")
                    .header("X-Webhook-Hmac", Fixtures.wahaSignature(body)).header("X-Webhook-Hmac-Algorithm", "sha512");
            case "periskope" -> b.header("Content-Type", "application/json")
                    .header("x-periskope-signature", Fixtures.hmacHex("HmacSHA256", body));
            case "unipile" -> b.header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Unipile-Auth", Fixtures.SECRET);
            case "evolution" -> b.header("Content-Type", "application/json").header("X-Evolution-Secret", Fixtures.SECRET);
            default -> throw new IllegalArgumentException(provider);
        }
        return b.build();
    }

    private void assertNoSquatter() throws Exception {
        JsonNode indices = JSON.readTree(es("GET", "/_cat/indices/" + PREFIX + "*?format=json&h=index", null).body());
        List<String> names = new ArrayList<>();
        indices.forEach(i -> names.add(i.path("index").asText()));
        for (String alias : ALIASES) {
            assertThat(names).as("no concrete index squats the alias %s", PREFIX + alias).doesNotContain(PREFIX + alias);
        }
    }

    private void assertNamesWrittenBack() {
        String namesAlias = PREFIX + "whatsapp-names";
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            es("POST", "/" + namesAlias + "/_refresh", null);
            JsonNode count = JSON.readTree(es("GET", "/" + namesAlias + "/_count", null).body());
            assertThat(count.path("count").asInt()).as("names written back").isPositive();
        });
    }

    /** A WAHA message with a fresh id, chat and push name (the name is learned from the payload). */
    private static byte[] wahaMessage(String tag, int i) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode) JSON
                .readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        body.put("id", "evt_" + tag + "_" + i);
        com.fasterxml.jackson.databind.node.ObjectNode payload = (com.fasterxml.jackson.databind.node.ObjectNode) body
                .get("payload");
        String chat = ("deleted".equals(tag) ? "1555040" : "1555041") + String.format("%04d", i) + "@c.us";
        payload.put("id", "false_" + chat + "_" + tag.toUpperCase(java.util.Locale.ROOT) + i);
        payload.put("from", chat);
        payload.put("body", tag + " indices message " + i);
        com.fasterxml.jackson.databind.node.ObjectNode info = (com.fasterxml.jackson.databind.node.ObjectNode) payload
                .get("_data").get("Info");
        info.put("Chat", chat.replace("@c.us", "@s.whatsapp.net")).put("Sender", chat.replace("@c.us", "@s.whatsapp.net"))
                .put("ID", tag + i).put("PushName", "Sender " + tag + " " + i); // a new name: learned and written back
        return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void webhooksArrivingWhileTheGatewayStartsAreAllStoredAndNoIndexIsAutoCreated() throws Exception {
        HttpResponse<String> allow = es("PUT", "/_cluster/settings",
                "{\"persistent\":{\"action.auto_create_index\":\"true\"}}");
        assertThat(allow.statusCode()).as(allow.body()).isEqualTo(200);
        int gatewayPort = freePort();
        Path log = Path.of("target/autocreate-gateway.log");
        Files.deleteIfExists(log);
        Process gateway = null;
        TcpProxy elasticsearch = new TcpProxy(store().getUrl(), TcpProxy.Mode.REFUSE); // not up yet
        ExecutorService pool = Executors.newFixedThreadPool(FIXTURES.size() * 3 + 1);
        ExecutorService backlogPool = Executors.newFixedThreadPool(BACKLOG);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        try {
            // the client starts first: connection refused until the port opens, then every non-2xx is redelivered
            List<Future<Integer>> deliveries = new ArrayList<>();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            for (Map.Entry<String, List<String>> e : FIXTURES.entrySet()) {
                for (String fixture : e.getValue()) {
                    byte[] body = Fixtures.bytes(fixture);
                    HttpRequest request = request(gatewayPort, e.getKey(), body);
                    deliveries.add(pool.submit(() -> redeliverUntil200(request, deadline, statuses, elasticsearch)));
                }
            }
            // a provider's backlog: once the gateway's port answers, fresh WAHA messages (new chats, new push names)
            // arrive every 250 ms whatever happened to the earlier ones, each redelivered until acknowledged
            deliveries.add(pool.submit(() -> {
                while (statuses.keySet().stream().allMatch(s -> s == -1)) {
                    Thread.sleep(50); // the port is not open yet
                }
                List<Future<Integer>> backlog = new ArrayList<>();
                for (int i = 0; i < BACKLOG; i++) {
                    HttpRequest request = request(gatewayPort, "waha", wahaMessage("backlog", i));
                    backlog.add(backlogPool.submit(() -> redeliverUntil200(request, deadline, statuses, elasticsearch)));
                    Thread.sleep(250);
                }
                for (Future<Integer> f : backlog) {
                    if (f.get() != 200) {
                        return -2;
                    }
                }
                return 200;
            }));
            gateway = startGateway(gatewayPort, log, elasticsearch.url());
            int acknowledged = 0;
            for (Future<Integer> d : deliveries) {
                if (d.get() == 200) {
                    acknowledged++;
                }
            }
            System.out.printf("AUTOCREATE start-up: %d of %d deliveries acknowledged (%d fixtures and the backlog of"
                    + " %d messages); answers %s%n", acknowledged, deliveries.size(), deliveries.size() - 1, BACKLOG,
                    statuses);
            assertThat(acknowledged).as("webhooks acknowledged within %s; answers %s; see %s", DEADLINE, statuses, log)
                    .isEqualTo(deliveries.size());

            String messages = PREFIX + "whatsapp-messages";
            es("POST", "/" + messages + "/_refresh", null);
            for (String provider : FIXTURES.keySet()) {
                JsonNode count = JSON.readTree(es("GET", "/" + messages + "/_count?q=provider:" + provider, null).body());
                assertThat(count.path("count").asInt()).as("%s messages stored", provider)
                        .isEqualTo(FIXTURES.get(provider).size() + ("waha".equals(provider) ? BACKLOG : 0));
            }
            assertNoSquatter();
            assertNamesWrittenBack();

            // every index deleted under the running gateway (an operator, a restore): writes must not re-create them
            for (String alias : ALIASES) {
                es("DELETE", "/" + PREFIX + alias + "-000001", null);
            }
            List<Future<Integer>> after = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] body = wahaMessage("deleted", i);
                HttpRequest request = request(gatewayPort, "waha", body);
                after.add(pool.submit(() -> {
                    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (System.nanoTime() < until) {
                        int status = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
                        if (status == 200) {
                            return status;
                        }
                        Thread.sleep(100);
                    }
                    return -2;
                }));
            }
            int acknowledgedAfter = 0;
            for (Future<Integer> d : after) {
                if (d.get() == 200) {
                    acknowledgedAfter++;
                }
            }
            System.out.printf("AUTOCREATE indices deleted: %d of 10 webhooks acknowledged%n", acknowledgedAfter);
            assertThat(acknowledgedAfter).as("acknowledged after the indices were deleted; see %s", log).isEqualTo(10);
            es("POST", "/" + messages + "/_refresh", null);
            assertThat(JSON.readTree(es("GET", "/" + messages + "/_count?q=text:deleted", null).body())
                    .path("count").asInt()).as("messages stored after the indices were deleted").isEqualTo(10);
            assertNoSquatter();
            assertNamesWrittenBack();
        } finally {
            pool.shutdownNow();
            backlogPool.shutdownNow();
            elasticsearch.close();
            if (gateway != null) {
                gateway.destroy();
                gateway.waitFor();
            }
            es("PUT", "/_cluster/settings", "{\"persistent\":{\"action.auto_create_index\":null}}");
            for (String alias : ALIASES) {
                es("DELETE", "/" + PREFIX + alias, null);
                es("DELETE", "/" + PREFIX + alias + "-000001", null);
                es("DELETE", "/_index_template/" + PREFIX + alias, null);
            }
        }
    }
}
