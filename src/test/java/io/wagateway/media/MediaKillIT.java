package io.wagateway.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import io.wagateway.support.PackagedGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The packaged gateway killed with SIGKILL in the middle of a download (WireMock dribbles the bytes over 30 s) and
 * started again: the job its dead worker claimed is taken over once its lease expires (media-recovery), and the message
 * ends with {@code media.stored} - the pending mark written with the message is never lost.
 */
class MediaKillIT extends GatewayIntegrationTest {

    private static final String FILE = "/api/files/default/kill.jpeg";
    private static final Path DIR = Path.of("target/media-kill");

    private Process startGateway(int httpPort, Path log) throws Exception {
        return PackagedGateway.start(httpPort, log, Map.of(
                "ELASTICSEARCH_URL", store().getUrl(),
                "WAHA_WEBHOOK_HMAC_KEY", Fixtures.SECRET,
                "WAHA_BASE_URL", PEERS.baseUrl(),
                "WAHA_API_KEY", "test-waha-key",
                "MEDIA_DIR", DIR.toString(),
                "MEDIA_LEASE_MS", "3000",
                "MEDIA_RECOVERY_INTERVAL_MS", "1000",
                "MEDIA_RECOVERY_GRACE_MS", "1000",
                "DEAD_LETTER_JOURNAL_DIR", "target/media-kill-dead-letters"), List.of(), Duration.ofSeconds(90));
    }

    @Test
    void aDownloadCutBySigkillIsResumedAfterTheRestart() throws Exception {
        es("DELETE", "/whatsapp-media-000001?ignore_unavailable=true", null);
        byte[] bytes = new byte[200_000];
        new Random(7).nextBytes(bytes);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.deleteIfExists(DIR.resolve(sha256.substring(0, 2)).resolve(sha256));
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes).withChunkedDribbleDelay(30, 30_000)));

        ObjectNode hook = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
        hook.put("timestamp", System.currentTimeMillis());   // a fresh delivery (the jar runs with the replay bound on)
        ((ObjectNode) hook.get("payload").get("media")).put("url", PEERS.baseUrl() + FILE);
        byte[] body = JSON.writeValueAsBytes(hook);
        String docId = "waha:default:" + hook.path("payload").path("id").asText();

        int port = PackagedGateway.freePort();
        Path log = Path.of("target/media-kill-gateway.log");
        Files.deleteIfExists(log);
        Process gateway = startGateway(port, log);
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/webhooks/waha")).header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            // the download is under way: WireMock is dribbling the bytes, the job is claimed, the message pending
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> PEERS.findAll(getRequestedFor(urlPathEqualTo(FILE))).size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> document("whatsapp-media", MediaItem.jobId(docId, 0)),
                    job -> job != null && "claimed".equals(job.path("state").asText()));
            assertThat(message(docId).path("media_download").asText()).isEqualTo("pending");

            gateway.destroyForcibly().waitFor(); // SIGKILL mid-download: no shutdown hook, no flush
            assertThat(DIR.resolve(sha256.substring(0, 2)).resolve(sha256)).doesNotExist();
            PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "image/jpeg").withBody(bytes)));

            gateway = startGateway(port, log);
            JsonNode stored = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> message(docId), m -> m != null && "stored".equals(m.path("media_download").asText()));
            assertThat(stored.path("media").path("stored").path("sha256").asText()).isEqualTo(sha256);
            assertThat(Files.readAllBytes(DIR.resolve(sha256.substring(0, 2)).resolve(sha256))).isEqualTo(bytes);
            assertThat(PEERS.findAll(getRequestedFor(urlPathEqualTo(FILE)))).hasSize(2);
        } finally {
            gateway.destroy();
            gateway.waitFor();
        }
    }
}
