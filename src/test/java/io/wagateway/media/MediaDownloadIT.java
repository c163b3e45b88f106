package io.wagateway.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import com.github.tomakehurst.wiremock.client.WireMock;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The download pipeline end to end (docs/media.md): a WAHA webhook with media is acknowledged, its bytes are
 * downloaded from WireMock into the store under their sha256 and projected onto the message; same bytes are stored
 * once; a 404 is final, dead-lettered and replayable; a failing download is retried; a burst of slow downloads never
 * holds the acknowledgements.
 */
@TestPropertySource(properties = {
        "gateway.media.enabled=true",
        "gateway.media.dir=target/media-it",
        "gateway.media.retries=2",
        "gateway.media.retry-delay-ms=100",
        "gateway.media.workers=2"})
class MediaDownloadIT extends GatewayIntegrationTest {

    private static final Path DIR = Path.of("target/media-it");
    private static final String FILE = "/api/files/default/photo.jpeg";

    @BeforeEach
    void emptyMedia() throws Exception {
        es("DELETE", "/whatsapp-media-000001?ignore_unavailable=true", null);
        MediaDownloads downloads = downloads();
        downloads.resetIndex();
        downloads.start();
        if (Files.isDirectory(DIR)) {
            try (Stream<Path> files = Files.walk(DIR)) {
                files.filter(Files::isRegularFile).forEach(f -> f.toFile().delete());
            }
        }
    }

    private MediaDownloads downloads() {
        return camelContext.getRegistry().lookupByNameAndType("mediaDownloads", MediaDownloads.class);
    }

    /** The WAHA image fixture, with its media at WireMock's {@code path} and the message id {@code id}. */
    private byte[] wahaImage(String id, String path) throws Exception {
        ObjectNode hook = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
        ObjectNode payload = (ObjectNode) hook.get("payload");
        payload.put("id", id);
        ((ObjectNode) payload.get("media")).put("url", PEERS.baseUrl() + path);
        return JSON.writeValueAsBytes(hook);
    }

    private static String docId(String id) {
        return "waha:default:" + id;
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private JsonNode awaitMediaDownload(String id, String state) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> message(docId(id)),
                m -> m != null && state.equals(m.path("media_download").asText()));
    }

    @org.springframework.beans.factory.annotation.Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    /**
     * @return gateway.media.downloads{provider=waha, outcome} so far, from this context's registry (the global
     *         composite's first child may be the closed registry of an earlier test context, whose meters are no-ops)
     */
    private double downloads(String outcome) {
        io.micrometer.core.instrument.Counter c = meters.find("gateway.media.downloads")
                .tags("provider", "waha", "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /** The filesystem store's objects: {@code {dir}/{h[0:2]}/{h}} (not their {@code .mime} files, not the spool). */
    private List<Path> blobs() throws Exception {
        try (Stream<Path> files = Files.walk(DIR)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        }
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer test-admin-token").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBytesLandInTheStoreOnceAndBothMessagesPointToThem() throws Exception {
        byte[] bytes = randomBytes(300_000, 1);
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));

        assertThat(postWaha(wahaImage("first", FILE)).statusCode()).isEqualTo(200);
        JsonNode first = awaitMediaDownload("first", "stored");
        JsonNode stored = first.path("media").path("stored");
        assertThat(stored.path("sha256").asText()).isEqualTo(sha256(bytes));
        assertThat(stored.path("size_bytes").asLong()).isEqualTo(bytes.length);
        assertThat(stored.path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(stored.path("store").asText()).isEqualTo("filesystem");
        assertThat(Files.readAllBytes(DIR.resolve(sha256(bytes).substring(0, 2)).resolve(sha256(bytes))))
                .isEqualTo(bytes);
        // WAHA's key went with the download (the URL is on gateway.waha.base-url)
        PEERS.verify(getRequestedFor(urlPathEqualTo(FILE))
                .withHeader("X-Api-Key", com.github.tomakehurst.wiremock.client.WireMock.equalTo("test-waha-key")));

        assertThat(postWaha(wahaImage("second", FILE)).statusCode()).isEqualTo(200);
        JsonNode second = awaitMediaDownload("second", "stored");
        assertThat(second.path("media").path("stored").path("sha256").asText()).isEqualTo(sha256(bytes));
        assertThat(blobs()).hasSize(1);  // one blob, two messages pointing to it
        // counted when the job is marked stored, just after the message shows media.stored
        await().atMost(Duration.ofSeconds(10)).until(() -> downloads("duplicate") >= 1);
        JsonNode job = await().atMost(Duration.ofSeconds(10)).until(() -> document("whatsapp-media",
                MediaItem.jobId(docId("second"), 0)), j -> "stored".equals(j.path("state").asText()));
        assertThat(job.path("sha256").asText()).isEqualTo(sha256(bytes));
        assertThat(job.path("attempts").asInt()).isEqualTo(1);
    }

    @Test
    void a404IsFinalDeadLetteredAndReplayedOnceTheFileIsThere() throws Exception {
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(404).withBody("gone")));

        assertThat(postWaha(wahaImage("missing", FILE)).statusCode()).isEqualTo(200);
        JsonNode failed = awaitMediaDownload("missing", "failed");
        JsonNode error = failed.path("media").path("download_error");
        assertThat(error.path("reason").asText()).isEqualTo("not_found");
        assertThat(error.path("status").asInt()).isEqualTo(404);
        assertThat(error.path("final").asBoolean()).isTrue();
        assertThat(PEERS.findAll(getRequestedFor(urlPathEqualTo(FILE)))).hasSize(1); // final: never retried
        String jobId = MediaItem.jobId(docId("missing"), 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> document("whatsapp-media", jobId).path("state").asText(),
                "failed"::equals);

        JsonNode letter = await().atMost(Duration.ofSeconds(10)).until(
                () -> all(store().getDeadLettersIndex()), l -> l.size() == 1).get(0);
        assertThat(letter.path("reason").asText()).isEqualTo("media-download-failed");
        assertThat(letter.path("ref").asText()).isEqualTo(jobId);
        assertThat(letter.path("provider").asText()).isEqualTo("waha");

        byte[] bytes = randomBytes(1000, 2);
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));
        JsonNode replay = JSON.readTree(admin("POST", "/admin/dead-letters/" + letter.path("_id").asText()
                + "/replay").body());
        assertThat(replay.path("outcome").asText()).as(replay.toString()).isEqualTo("requeued");
        JsonNode stored = awaitMediaDownload("missing", "stored");
        assertThat(stored.path("media").path("stored").path("sha256").asText()).isEqualTo(sha256(bytes));
        assertThat(stored.path("media").has("download_error")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> document("whatsapp-media", jobId).path("state").asText(),
                "stored"::equals);
    }

    @Test
    void aFailingDownloadIsRetriedThenStored() throws Exception {
        byte[] bytes = randomBytes(2000, 3);
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("up")); // 503 is re-sent by the HTTP client itself
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "image/jpeg").withBody(bytes)));

        assertThat(postWaha(wahaImage("flaky", FILE)).statusCode()).isEqualTo(200);
        JsonNode stored = awaitMediaDownload("flaky", "stored");
        assertThat(stored.path("media").path("stored").path("sha256").asText()).isEqualTo(sha256(bytes));
        assertThat(PEERS.findAll(getRequestedFor(urlPathEqualTo(FILE)))).hasSize(2);
        assertThat(downloads("retried")).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> document("whatsapp-media",
                MediaItem.jobId(docId("flaky"), 0)).path("attempts").asInt(), n -> n == 2);
        assertThat(all(store().getDeadLettersIndex())).isEmpty();
    }

    @Test
    void aBurstOfSlowDownloadsDoesNotHoldTheAcknowledgements() throws Exception {
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200).withFixedDelay(3000)
                .withHeader("Content-Type", "image/jpeg").withBody(randomBytes(10_000, 4))));
        int n = 10;
        for (int i = 0; i < n; i++) {
            assertThat(postWaha(wahaImage("burst-" + i, FILE)).statusCode()).isEqualTo(200);
        }
        // every webhook was answered while the downloads were still waiting for WireMock's answer: 2 workers, 3 s each
        assertThat(all(store().getMessagesIndex())).hasSize(n)
                .allSatisfy(m -> assertThat(m.path("media_download").asText()).isEqualTo("pending"));
        await().atMost(Duration.ofSeconds(60)).until(() -> all(store().getMessagesIndex()).stream()
                .allMatch(m -> "stored".equals(m.path("media_download").asText())));
        assertThat(blobs()).hasSize(1);
    }

    @Test
    void aWrongSha256IsRefusedRecordedAndNothingIsStored() throws Exception {
        byte[] bytes = randomBytes(5000, 5);
        PEERS.stubFor(WireMock.get(urlPathEqualTo(FILE)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));
        // a stored message the provider states a hash for (Meta states it in base64): the empty file's sha256
        String docId = docId("wrong-hash");
        String doc = JSON.createObjectNode().put("provider", "waha").put("account_id", "default")
                .put("message_id", "wrong-hash").put("chat_id", "15550100003@c.us").put("type", "image")
                .put("media_download", "pending").put("received_at", java.time.Instant.now().toString())
                .set("media", JSON.createObjectNode().put("url", PEERS.baseUrl() + FILE)).toString();
        assertThat(es("PUT", "/" + store().getMessagesIndex() + "/_doc/" + encode(docId) + "?refresh=true", doc)
                .statusCode()).isEqualTo(201);
        MediaItem item = new MediaItem(MediaItem.jobId(docId, 0), docId, "waha", "default", "wrong-hash",
                "15550100003@c.us", 0, "image", "image/jpeg", PEERS.baseUrl() + FILE, null, null, null,
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        camelContext.createProducerTemplate().sendBody(
                camelContext.getRoute("media-download").getEndpoint(), item);

        JsonNode failed = awaitMediaDownload("wrong-hash", "failed");
        assertThat(failed.path("media").path("download_error").path("reason").asText()).isEqualTo("sha256_mismatch");
        assertThat(failed.path("media").path("download_error").path("final").asBoolean()).isTrue();
        assertThat(failed.path("media").has("stored")).isFalse();
        assertThat(PEERS.findAll(getRequestedFor(urlPathEqualTo(FILE)))).hasSize(1); // final: not retried
        assertThat(DIR.resolve(sha256(bytes))).doesNotExist();
        await().atMost(Duration.ofSeconds(10)).until(() -> all(store().getDeadLettersIndex()),
                l -> l.size() == 1 && "media-download-failed".equals(l.get(0).path("reason").asText()));
    }
}
