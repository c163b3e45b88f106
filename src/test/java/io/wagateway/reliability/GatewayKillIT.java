package io.wagateway.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import io.wagateway.support.PackagedGateway;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The packaged gateway as a real process, killed with SIGKILL in the middle of a load and started again: every
 * webhook that got a 200 is in Elasticsearch, and AI replies left pending by the dead process are resumed (each
 * inbound message answered at most once).
 */
class GatewayKillIT extends GatewayIntegrationTest {

    private static final int MESSAGES = 600;

    private Process startGateway(int httpPort, Path log) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("ELASTICSEARCH_URL", store().getUrl());
        env.put("WAHA_WEBHOOK_HMAC_KEY", Fixtures.SECRET);
        env.put("WAHA_BASE_URL", PEERS.baseUrl());
        env.put("WAHA_API_KEY", "test-waha-key");
        env.put("AUTO_REPLY_ENABLED", "true");
        env.put("OPENROUTER_API_KEY", "test-openrouter-key");
        env.put("OPENROUTER_BASE_URL", PEERS.baseUrl() + "/api/v1");
        env.put("AUTO_REPLY_LEASE_MS", "3000");
        env.put("AUTO_REPLY_RECOVERY_INTERVAL_MS", "1000");
        env.put("AUTO_REPLY_WORKERS", "8");
        env.put("DEAD_LETTER_JOURNAL_DIR", "target/kill-test-dead-letters");
        return PackagedGateway.start(httpPort, log, env, List.of(), Duration.ofSeconds(90));
    }

    private static byte[] message(int i) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        body.put("id", "evt_kill_" + i);
        body.put("timestamp", System.currentTimeMillis());   // a fresh delivery (the jar runs with the replay bound on)
        ObjectNode payload = (ObjectNode) body.get("payload");
        String chat = "1555030" + String.format("%04d", i % 50) + "@c.us";
        payload.put("id", "false_" + chat + "_KILL" + i);
        payload.put("from", chat);
        payload.put("body", "kill test message " + i);
        payload.put("timestamp", java.time.Instant.now().getEpochSecond());   // live traffic: within the reply age gate
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyAcknowledgedMessageSurvivesSigkillAndPendingRepliesResume() throws Exception {
        AutoReplyIT.stubSendApis();
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/api/v1/chat/completions"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson(
                        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}")
                        .withFixedDelay(50)));
        int gatewayPort = PackagedGateway.freePort();
        Path log = Path.of("target/kill-test-gateway.log");
        Files.deleteIfExists(log);
        Process gateway = startGateway(gatewayPort, log);

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> senders = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < 8; t++) {
            int first = t;
            senders.add(pool.submit(() -> {
                for (int i = first; i < MESSAGES; i += 8) {
                    byte[] body = message(i);
                    for (int attempt = 0; attempt < 600; attempt++) { // a provider retrying non-2xx, up to ~2 min
                        sent.incrementAndGet();
                        try {
                            HttpResponse<String> r = HTTP.send(HttpRequest
                                    .newBuilder(URI.create("http://localhost:" + gatewayPort + "/webhooks/waha"))
                                    .header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                                    .timeout(Duration.ofSeconds(10))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                acknowledged.add(i);
                                break;
                            }
                        } catch (Exception e) {
                            refused.incrementAndGet(); // the process is dead or restarting
                        }
                        Thread.sleep(200);
                    }
                }
                return null;
            }));
        }
        await().atMost(Duration.ofMinutes(2)).until(() -> acknowledged.size() >= MESSAGES / 3);
        gateway.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
        int acknowledgedBeforeKill = acknowledged.size();
        gateway = startGateway(gatewayPort, log);
        try {
            for (Future<?> s : senders) {
                s.get();
            }
            pool.shutdown();
            long seconds = (System.nanoTime() - start) / 1_000_000_000;

            es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);
            JsonNode count = JSON.readTree(es("GET", "/" + store().getMessagesIndex() + "/_count?q=text:kill", null).body());
            assertThat(acknowledged).hasSize(MESSAGES);
            assertThat(count.path("count").asInt()).as("messages stored exactly once").isEqualTo(MESSAGES);
            for (int i = 0; i < MESSAGES; i += 97) { // spot-check acknowledged ids
                assertThat(message("waha:default:false_1555030" + String.format("%04d", i % 50) + "@c.us_KILL" + i)
                        .path("text").asText()).isEqualTo("kill test message " + i);
            }

            // replies: every outbox entry ends sent or unknown (a send cut by the kill is never repeated), none stuck
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                es("POST", "/whatsapp-replies/_refresh", null);
                JsonNode open = JSON.readTree(es("GET",
                        "/whatsapp-replies/_count?q=state:(pending%20OR%20claimed%20OR%20sending)", null).body());
                return open.path("count").asInt() == 0;
            });
            JsonNode outbox = JSON.readTree(es("GET", "/whatsapp-replies/_count", null).body());
            JsonNode sentReplies = JSON.readTree(es("GET", "/whatsapp-replies/_count?q=state:sent", null).body());
            int sends = PEERS.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/api/sendText"))).size();
            System.out.printf("RELIABILITY sigkill: %d messages, %d requests sent (%d refused while down), "
                    + "%d acknowledged before the kill, %d stored, 0 lost; replies: %d outbox entries, %d sent, "
                    + "%d send requests; %d s%n", MESSAGES, sent.get(), refused.get(), acknowledgedBeforeKill,
                    count.path("count").asInt(), outbox.path("count").asInt(), sentReplies.path("count").asInt(),
                    sends, seconds);
            assertThat(outbox.path("count").asInt()).isEqualTo(MESSAGES);
            List<String> repliedTo = new ArrayList<>();
            for (var request : PEERS.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                    com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/api/sendText")))) {
                repliedTo.add(JSON.readTree(request.getBodyAsString()).path("reply_to").asText());
            }
            assertThat(repliedTo).as("no inbound message answered twice").doesNotHaveDuplicates();
            assertThat(sends).isGreaterThanOrEqualTo(sentReplies.path("count").asInt());
            assertThat(refused.get()).as("the kill was real").isPositive();
        } finally {
            gateway.destroy();
            gateway.waitFor();
        }
    }
}
