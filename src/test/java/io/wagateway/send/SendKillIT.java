package io.wagateway.send;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.GatewayIntegrationTest;
import io.wagateway.support.PackagedGateway;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The send API's exactly-once promise across a crash: the packaged gateway, killed with SIGKILL while the provider
 * call is in flight (WireMock holds its answer), and started again. The send is never repeated: one provider call in
 * total, and the state {@code unknown} (the default {@code gateway.auto-reply.unknown-policy}, mark-unknown).
 */
class SendKillIT extends GatewayIntegrationTest {

    /** The killed gateway's outbox, apart from this test JVM's own gateway (whose recovery would claim it too). */
    private static final String REPLIES_INDEX = "send-kill-test-replies";

    private Process startGateway(int httpPort, Path log) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("ELASTICSEARCH_URL", store().getUrl());
        env.put("WAHA_BASE_URL", PEERS.baseUrl());
        env.put("WAHA_API_KEY", "test-waha-key");
        env.put("API_SEND_TOKEN", "test-send-token");
        env.put("AUTO_REPLY_LEASE_MS", "3000");
        env.put("SEND_RECOVERY_INTERVAL_MS", "1000");
        env.put("DEAD_LETTER_JOURNAL_DIR", "target/send-kill-test-dead-letters");
        return PackagedGateway.start(httpPort, log, env,
                List.of("--gateway.elasticsearch.index.replies=" + REPLIES_INDEX), Duration.ofSeconds(120));
    }

    private static HttpResponse<String> call(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer test-send-token").header("Content-Type", "application/json")
                .header("Idempotency-Key", "kill-test-1")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int sendTexts() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText"))).size();
    }

    @Test
    void aGatewayKilledMidSendNeverSendsAgainAndSaysUnknown() throws Exception {
        es("DELETE", "/" + REPLIES_INDEX + "-000001?ignore_unavailable=true", null);
        // the provider takes the message and answers only after the kill
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText"))
                .willReturn(okJson("{\"id\":\"true_15550100001@c.us_3EB0KILL00000001\"}").withFixedDelay(60_000)));
        int gatewayPort = PackagedGateway.freePort();
        Path log = Path.of("target/send-kill-test-gateway.log");
        Files.deleteIfExists(log);
        Process gateway = startGateway(gatewayPort, log);
        String id;
        try {
            HttpResponse<String> r = call(gatewayPort, "POST", "/api/messages", SendApiIT.WAHA_TEXT);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            id = JSON.readTree(r.body()).path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> sendTexts() == 1);
        } finally {
            gateway.destroyForcibly().waitFor(); // SIGKILL mid-send: no shutdown hook, the answer never read
        }
        gateway = startGateway(gatewayPort, log);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                HttpResponse<String> s = call(gatewayPort, "GET", "/api/messages/" + id, null);
                return s.statusCode() == 200 && "unknown".equals(JSON.readTree(s.body()).path("state").asText());
            });
            JsonNode state = JSON.readTree(call(gatewayPort, "GET", "/api/messages/" + id, null).body());
            assertThat(state.path("error").asText()).contains("not resent");
            // the client's retry with the same key: the same id, its state, nothing sent
            HttpResponse<String> again = call(gatewayPort, "POST", "/api/messages", SendApiIT.WAHA_TEXT);
            assertThat(JSON.readTree(again.body())).isEqualTo(JSON.readTree(
                    "{\"id\":\"" + id + "\",\"state\":\"unknown\"}"));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> sendTexts() == 1);
            assertThat(message(id).path("from_me").asBoolean()).isTrue();
        } finally {
            gateway.destroy();
            gateway.waitFor();
            es("DELETE", "/" + REPLIES_INDEX + "-000001?ignore_unavailable=true", null);
        }
    }
}
