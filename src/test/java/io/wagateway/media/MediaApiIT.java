package io.wagateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code GET /api/media/{sha256}} (route media-api-get) and the retention route, the whole gateway against real
 * Elasticsearch and the filesystem store ({@link MediaApiS3IT}: the same against a real S3-compatible server). The
 * download jobs of the {@code whatsapp-media} index are written here as the download pipeline writes them (M2).
 */
@TestPropertySource(properties = {"gateway.media.enabled=true", "gateway.media.dir=target/media-it",
        "gateway.media.retention-days=30"})
class MediaApiIT extends GatewayIntegrationTest {

    static final String TOKEN = "test-admin-token"; // gateway.page.token defaults to the admin token
    static final String MEDIA_INDEX = "whatsapp-media";
    private static final Random RANDOM = new Random();

    protected byte[] bytes;
    protected String sha;

    @BeforeEach
    void storeOneImage() throws Exception {
        ensureMediaIndex();
        bytes = random(150_000);
        sha = stored(bytes, "image/jpeg", Instant.now());
    }

    @Test
    void theWholeObjectStreamsWithItsHeaders() throws Exception {
        HttpResponse<byte[]> r = request("GET", sha, Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sha256(r.body())).isEqualTo(sha);
        assertThat(header(r, "Content-Type")).isEqualTo("image/jpeg");
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(bytes.length));
        assertThat(header(r, "ETag")).isEqualTo("\"" + sha + "\"");
        assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
        assertThat(header(r, "Cache-Control")).isEqualTo("private");
        assertThat(header(r, "X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(header(r, "Content-Disposition")).isEqualTo("inline");
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("camel")
                || h.equalsIgnoreCase("Authorization") || h.equalsIgnoreCase("sha256"));
    }

    @Test
    void headAnswersTheHeadersWithoutTheBytes() throws Exception {
        HttpResponse<byte[]> r = request("HEAD", sha, Map.of("Authorization", "Bearer " + TOKEN));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(bytes.length));
        assertThat(header(r, "ETag")).isEqualTo("\"" + sha + "\"");
    }

    @Test
    void documentsHtmlAndSvgAreAttachmentsNeverInline() throws Exception {
        for (String mime : new String[] {"image/svg+xml", "text/html", "application/pdf"}) {
            String h = stored(random(100), mime, Instant.now());
            HttpResponse<byte[]> r = request("GET", h, Map.of("Authorization", "Bearer " + TOKEN));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "Content-Type")).startsWith(mime);
            assertThat(header(r, "Content-Disposition")).as(mime).isEqualTo("attachment");
            assertThat(header(r, "X-Content-Type-Options")).isEqualTo("nosniff");
        }
    }

    @Test
    void ifNoneMatchWithItsEtagAnswers304WithoutBytes() throws Exception {
        HttpResponse<byte[]> r = request("GET", sha, Map.of("Authorization", "Bearer " + TOKEN,
                "If-None-Match", "\"" + sha + "\""));

        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "ETag")).isEqualTo("\"" + sha + "\"");

        HttpResponse<byte[]> other = request("GET", sha, Map.of("Authorization", "Bearer " + TOKEN,
                "If-None-Match", "\"" + "0".repeat(64) + "\""));
        assertThat(other.statusCode()).isEqualTo(200);
    }

    @Test
    void rangesAnswer206WithTheirBytes() throws Exception {
        int size = bytes.length;
        assertRange("bytes=0-99", 0, 99);
        assertRange("bytes=70000-70499", 70_000, 70_499);
        assertRange("bytes=-1000", size - 1000, size - 1);
        assertRange("bytes=149990-", 149_990, size - 1);
    }

    private void assertRange(String range, int first, int last) throws Exception {
        HttpResponse<byte[]> r = request("GET", sha, Map.of("Authorization", "Bearer " + TOKEN, "Range", range));
        assertThat(r.statusCode()).as(range).isEqualTo(206);
        assertThat(header(r, "Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + bytes.length);
        assertThat(header(r, "Content-Length")).isEqualTo(String.valueOf(last - first + 1));
        assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, first, last + 1));
    }

    @Test
    void aRangeBeyondTheEndIs416() throws Exception {
        HttpResponse<byte[]> r = request("GET", sha, Map.of("Authorization", "Bearer " + TOKEN,
                "Range", "bytes=" + bytes.length + "-"));

        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(header(r, "Content-Range")).isEqualTo("bytes */" + bytes.length);
    }

    @Test
    void withoutATokenOrSignatureIs401() throws Exception {
        assertThat(request("GET", sha, Map.of()).statusCode()).isEqualTo(401);
        assertThat(request("GET", sha, Map.of("Authorization", "Bearer wrong")).statusCode()).isEqualTo(401);
        // a token in the query string is never taken for the header
        assertThat(requestPath("GET", "/api/media/" + sha + "?Authorization=Bearer%20" + TOKEN, Map.of())
                .statusCode()).isEqualTo(401);
    }

    @Test
    void aSignedUrlOpensItsObject() throws Exception {
        String signed = mediaUrls().sign(sha);

        HttpResponse<byte[]> r = requestPath("GET", signed, Map.of());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sha256(r.body())).isEqualTo(sha);
    }

    @Test
    void anExpiredSignatureIsRefused() throws Exception {
        // the gateway's key is derived from the page token (no url-secret in the tests): a signer of the tests with
        // that token signs as the gateway does, which the first request proves
        MediaUrls signer = new MediaUrls();
        signer.setPageToken(TOKEN);
        signer.setTtlSeconds(300);
        assertThat(requestPath("GET", signer.sign(sha), Map.of()).statusCode()).isEqualTo(200);
        signer.setClock(Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC));

        String expired = signer.sign(sha); // valid until 55 minutes ago

        assertThat(requestPath("GET", expired, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void aSignatureForAnotherHashIsRefused() throws Exception {
        String other = stored(random(100), "image/png", Instant.now());
        String signedForOther = mediaUrls().sign(other);
        String query = signedForOther.substring(signedForOther.indexOf('?'));

        assertThat(requestPath("GET", "/api/media/" + other + query, Map.of()).statusCode()).isEqualTo(200);
        assertThat(requestPath("GET", "/api/media/" + sha + query, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void aHashNoStoredJobNamesIs404() throws Exception {
        assertThat(request("GET", sha256(random(10)), Map.of("Authorization", "Bearer " + TOKEN)).statusCode())
                .isEqualTo(404);
        // bytes in the store without a stored job (e.g. a download whose record failed) are not served either
        byte[] orphan = random(10);
        String orphanSha = sha256(orphan);
        Path spool = Files.createTempFile("orphan", ".part");
        Files.write(spool, orphan);
        mediaStore().put(spool, orphanSha, orphan.length, "image/png");
        assertThat(request("GET", orphanSha, Map.of("Authorization", "Bearer " + TOKEN)).statusCode())
                .isEqualTo(404);
        assertThat(requestPath("GET", "/api/media/not-a-hash", Map.of("Authorization", "Bearer " + TOKEN))
                .statusCode()).isEqualTo(404);
    }

    @Test
    void retentionDeletesOnlyBlobsNoRecentMessageRefersTo() throws Exception {
        Instant old = Instant.now().minus(Duration.ofDays(40));
        String expired = stored(random(1000), "image/jpeg", old);
        byte[] sharedBytes = random(1000);
        String shared = stored(sharedBytes, "image/jpeg", old);
        job(shared, "image/jpeg", Instant.now().minus(Duration.ofDays(2)), sharedBytes.length); // forwarded lately
        String recent = sha; // stored just now

        camelContext.createProducerTemplate().sendBody("direct:media-retention-sweep", null);

        assertThat(mediaStore().head(expired)).isNull();
        assertThat(jobsOf(expired)).allSatisfy(j -> assertThat(j.path("deleted_at").asText()).isNotEmpty());
        assertThat(request("GET", expired, Map.of("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(404);
        assertThat(mediaStore().head(shared)).isNotNull();
        assertThat(jobsOf(shared)).hasSize(2).allSatisfy(j -> assertThat(j.has("deleted_at")).isFalse());
        assertThat(mediaStore().head(recent)).isNotNull();
        assertThat(request("GET", recent, Map.of("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(200);
    }

    @Test
    void aDownloadedMediaIsServedThenRetentionProjectsItsDeletionOntoTheMessage() throws Exception {
        byte[] content = random(50_000);
        String h = sha256(content);
        String path = "/api/files/default/retention-" + h.substring(0, 8) + ".jpeg";
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(path))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withHeader("Content-Type", "image/jpeg").withBody(content)));
        com.fasterxml.jackson.databind.node.ObjectNode hook = (com.fasterxml.jackson.databind.node.ObjectNode) JSON
                .readTree(io.wagateway.support.Fixtures.bytes("webhooks/waha/message_media_image.json"));
        String id = "retention-" + h.substring(0, 12);
        ((com.fasterxml.jackson.databind.node.ObjectNode) hook.get("payload")).put("id", id);
        ((com.fasterxml.jackson.databind.node.ObjectNode) hook.get("payload").get("media"))
                .put("url", PEERS.baseUrl() + path);
        String docId = "waha:default:" + id;

        assertThat(postWaha(JSON.writeValueAsBytes(hook)).statusCode()).isEqualTo(200);
        JsonNode stored = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> message(docId), m -> m != null && "stored".equals(m.path("media_download").asText()));
        assertThat(stored.path("media").path("stored").path("sha256").asText()).isEqualTo(h);
        // the pipeline projects media.stored onto the message before it marks the job stored (visible to searches
        // within Elasticsearch's refresh interval, 1 s)
        HttpResponse<byte[]> served = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> request("GET", h, Map.of("Authorization", "Bearer " + TOKEN)), r -> r.statusCode() == 200);
        assertThat(served.body()).isEqualTo(content);

        // the download is 40 days old now
        HttpResponse<String> aged = es("POST", "/" + MEDIA_INDEX + "/_update/" + encode(MediaItem.jobId(docId, 0))
                + "?refresh=true", "{\"doc\":{\"created_at\":\"" + Instant.now().minus(Duration.ofDays(40)) + "\"}}");
        assertThat(aged.statusCode()).as(aged.body()).isEqualTo(200);
        camelContext.createProducerTemplate().sendBody("direct:media-retention-sweep", null);

        assertThat(mediaStore().head(h)).isNull();
        JsonNode after = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> message(docId),
                m -> m.path("media").path("stored").hasNonNull("deleted_at"));
        assertThat(after.path("media").path("stored").path("sha256").asText()).as("metadata kept").isEqualTo(h);
        assertThat(request("GET", h, Map.of("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(404);
    }

    // ---- support -------------------------------------------------------------------------------------------

    protected MediaStore mediaStore() {
        return camelContext.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class);
    }

    private MediaUrls mediaUrls() {
        return camelContext.getRegistry().lookupByNameAndType("mediaUrls", MediaUrls.class);
    }

    /** Stores the bytes in the media store and writes a stored download job for them, as the pipeline does. */
    private String stored(byte[] content, String mime, Instant createdAt) throws Exception {
        String h = sha256(content);
        Path spool = Files.createTempFile("media-it", ".part");
        Files.write(spool, content);
        mediaStore().put(spool, h, content.length, mime);
        job(h, mime, createdAt, content.length);
        return h;
    }

    private void job(String h, String mime, Instant createdAt, long size) throws Exception {
        String messageDocId = "waha:default:" + h.substring(0, 12) + "-" + RANDOM.nextInt(1_000_000);
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("key", h.substring(0, 2) + "/" + h);
        stored.put("sha256", h);
        stored.put("size_bytes", size);
        stored.put("mime", mime);
        stored.put("stored_at", createdAt.toString());
        stored.put("store", mediaStore().name());
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("message_doc_id", messageDocId);
        job.put("provider", "waha");
        job.put("n", 0);
        job.put("type", mime.startsWith("image/") ? "image" : "document");
        job.put("mime", mime);
        job.put("state", "stored");
        job.put("attempts", 1);
        job.put("created_at", createdAt.toString());
        job.put("updated_at", createdAt.toString());
        job.put("stored", stored);
        job.put("sha256", h);
        HttpResponse<String> r = es("PUT", "/" + MEDIA_INDEX + "/_doc/" + encode(MediaItem.jobId(messageDocId, 0))
                + "?refresh=true", JSON.writeValueAsString(job));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    private java.util.List<JsonNode> jobsOf(String h) throws Exception {
        es("POST", "/" + MEDIA_INDEX + "/_refresh", null);
        HttpResponse<String> r = es("POST", "/" + MEDIA_INDEX + "/_search",
                "{\"query\":{\"term\":{\"sha256\":\"" + h + "\"}}}");
        java.util.List<JsonNode> jobs = new java.util.ArrayList<>();
        JSON.readTree(r.body()).path("hits").path("hits").forEach(hit -> jobs.add(hit.path("_source")));
        return jobs;
    }

    /**
     * The download jobs' index, as M2 describes it, when the pipeline's bean has not created it: the concrete
     * {@code whatsapp-media-000001} behind the alias, with the fields these tests query mapped as the pipeline maps them.
     */
    private void ensureMediaIndex() throws Exception {
        if (es("HEAD", "/_alias/" + MEDIA_INDEX, null).statusCode() == 200) {
            return;
        }
        HttpResponse<String> r = es("PUT", "/" + MEDIA_INDEX + "-000001", """
                {"aliases":{"%s":{"is_write_index":true}},
                 "mappings":{"properties":{
                   "message_doc_id":{"type":"keyword"},"provider":{"type":"keyword"},"state":{"type":"keyword"},
                   "sha256":{"type":"keyword"},"mime":{"type":"keyword"},"created_at":{"type":"date"},
                   "updated_at":{"type":"date"},"deleted_at":{"type":"date"},
                   "stored":{"properties":{"sha256":{"type":"keyword"},"mime":{"type":"keyword"},
                     "key":{"type":"keyword"},"store":{"type":"keyword"},"size_bytes":{"type":"long"},
                     "stored_at":{"type":"date"}}}}}}""".formatted(MEDIA_INDEX));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 400); // 400: created meanwhile
    }

    HttpResponse<byte[]> request(String method, String hash, Map<String, String> headers) throws Exception {
        return requestPath(method, "/api/media/" + hash, headers);
    }

    HttpResponse<byte[]> requestPath(String method, String pathAndQuery, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
