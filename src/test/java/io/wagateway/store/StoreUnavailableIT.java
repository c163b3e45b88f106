package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.GatewayApplication;
import io.wagateway.support.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/** With Elasticsearch unreachable nothing is acknowledged: the webhook gets 503 so the provider redelivers. */
@CamelSpringBootTest
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"gateway.elasticsearch.url=http://127.0.0.1:1", "gateway.elasticsearch.write-timeout-ms=2000",
                "gateway.dead-letter.journal-dir=target/dead-letters-unavailable"})
@TestPropertySource(locations = "classpath:gateway-test.properties")
class StoreUnavailableIT {

    @LocalServerPort
    int port;

    @Test
    void webhookIsAnswered503WhenElasticsearchCannotBeReached() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://localhost:" + port + "/webhooks/meta"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    /**
     * Issue 16 item 8: an event that is not a message (WAHA {@code session.status}) is kept in the events index, so it
     * too is acknowledged only once durable: 503 while Elasticsearch is down (it was 200 and only logged before).
     */
    @Test
    void anEventThatIsNotAMessageIsAnswered503WhenElasticsearchCannotBeReached() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/waha/session_status_working.json");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://localhost:" + port + "/webhooks/waha"))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                .header("X-Webhook-Hmac-Algorithm", "sha512")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    /** Issue 7: Kubernetes stops routing webhooks here (readiness 503) but does not restart the pod (liveness 200). */
    @Test
    void readinessIsDownButLivenessUpWhenElasticsearchRefusesConnections() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(readiness.body()).contains("DOWN");
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/liveness"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    /**
     * Issue 15 item 14: an outage once wrote a WARN line (and an outcome line) per refused webhook: 52,000 in two
     * minutes. Now a burst of refused webhooks writes one line per cause per interval.
     */
    @Test
    void anOutageBurstOfRefusedWebhooksLogsAHandfulOfLines() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        root.addAppender(lines);
        int refused = 0;
        try {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 60; i++) {
                byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
                HttpResponse<String> r = http.send(HttpRequest
                        .newBuilder(URI.create("http://localhost:" + port + "/webhooks/meta"))
                        .header("Content-Type", "application/json")
                        .header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503) {
                    refused++;
                }
            }
        } finally {
            root.detachAppender(lines);
        }
        java.util.List<String> logged = lines.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
                .map(e -> e.getLoggerName() + " " + e.getFormattedMessage()).toList();
        System.out.printf("OUTAGE burst: %d webhooks answered 503, %d log lines at INFO or above:%n%s%n", refused,
                logged.size(), String.join("\n", logged));
        assertThat(refused).isEqualTo(60);
        // the refusals' own lines (the 503 warning and the outcome line), whatever start-up logs meanwhile: one per
        // cause per 10 s, at most two per cause if the burst straddles an interval
        assertThat(logged.stream().filter(l -> l.startsWith("io.wagateway.ops.GatewayMetrics ")
                || l.startsWith("io.wagateway.webhook-outcome ")))
                .as("log lines for 60 refused webhooks").hasSizeBetween(1, 4);
    }

    @Test
    void aMalformedBodyIsJournaledLocallyWhenElasticsearchIsDown() throws Exception {
        byte[] body = "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.file.Path dir = java.nio.file.Path.of("target/dead-letters-unavailable");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://localhost:" + port + "/webhooks/meta"))
                .header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        try (var files = java.nio.file.Files.list(dir)) {
            String journal = java.nio.file.Files.readString(files.filter(f -> f.toString().endsWith(".jsonl"))
                    .findFirst().orElseThrow());
            assertThat(journal).contains(java.util.Base64.getEncoder().encodeToString(body)).contains("malformed-payload");
        }
    }
}
