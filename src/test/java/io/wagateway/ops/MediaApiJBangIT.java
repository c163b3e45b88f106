package io.wagateway.ops;

import static io.wagateway.ops.JBangRunIT.HTTP;
import static io.wagateway.ops.JBangRunIT.freePort;
import static io.wagateway.ops.JBangRunIT.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wagateway.media.FileMediaStore;
import io.wagateway.media.MediaItem;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/media/{sha256}} (route media-api-get) under Camel JBang (Vert.x platform-http), as under Spring Boot
 * (MediaApiIT): the filesystem store's bytes streamed with their headers, a byte range, 401 without the token.
 */
class MediaApiJBangIT {

    @Test
    void mediaIsServedUnderJBangAsUnderSpringBoot() throws Exception {
        String admin = "adm-media-4c1e";
        Path dir = Files.createTempDirectory(JBangRunIT.PROJECT.resolve("target"), "jbang-media");
        byte[] bytes = new byte[70_000];
        new Random().nextBytes(bytes);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        FileMediaStore files = new FileMediaStore();
        files.setDir(dir.toString());
        Path spool = Files.createTempFile(dir, "spool", ".part");
        Files.write(spool, bytes);
        files.put(spool, sha, bytes.length, "image/png");

        try (JBangRunIT.JBangRun run = start("media", Map.of("ADMIN_TOKEN", admin, "MEDIA_DIR", dir.toString()),
                freePort(), true)) {
            storedJob(run.esUrl(), sha, bytes.length);
            String url = run.url("/api/media/" + sha);
            await().atMost(Duration.ofSeconds(30)).until(() -> send(url, admin, null).statusCode() == 200);

            HttpResponse<byte[]> whole = send(url, admin, null);
            assertThat(whole.body()).isEqualTo(bytes);
            assertThat(whole.headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(whole.headers().firstValue("Content-Length")).hasValue(String.valueOf(bytes.length));
            assertThat(whole.headers().firstValue("ETag")).hasValue("\"" + sha + "\"");
            assertThat(whole.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(whole.headers().firstValue("Cache-Control")).hasValue("private");

            HttpResponse<byte[]> range = send(url, admin, "bytes=-10");
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, bytes.length - 10, bytes.length));
            assertThat(range.headers().firstValue("Content-Range"))
                    .hasValue("bytes " + (bytes.length - 10) + "-" + (bytes.length - 1) + "/" + bytes.length);

            assertThat(send(url, null, null).statusCode()).isEqualTo(401);
            assertThat(send(url + "?Authorization=Bearer%20" + admin, null, null).statusCode()).isEqualTo(401);
        }
    }

    private static HttpResponse<byte[]> send(String url, String token, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (range != null) {
            b.header("Range", range);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A stored download job as the pipeline writes it (M2); the alias is made here when no gateway made it yet. */
    private static void storedJob(String esUrl, String sha, long size) throws Exception {
        if (es(esUrl, "HEAD", "/_alias/whatsapp-media", null).statusCode() != 200) {
            es(esUrl, "PUT", "/whatsapp-media-000001", """
                    {"aliases":{"whatsapp-media":{"is_write_index":true}},
                     "mappings":{"properties":{"sha256":{"type":"keyword"},"state":{"type":"keyword"},
                       "created_at":{"type":"date"},"deleted_at":{"type":"date"},"message_doc_id":{"type":"keyword"},
                       "stored":{"properties":{"mime":{"type":"keyword"}}}}}}""");
        }
        String id = MediaItem.jobId("waha:default:jbang-" + sha.substring(0, 8), 0);
        HttpResponse<String> r = es(esUrl, "PUT", "/whatsapp-media/_doc/" + id.replace(":", "%3A") + "?refresh=true",
                "{\"message_doc_id\":\"waha:default:jbang\",\"state\":\"stored\",\"sha256\":\"" + sha
                        + "\",\"created_at\":\"" + Instant.now() + "\",\"stored\":{\"sha256\":\"" + sha
                        + "\",\"mime\":\"image/png\",\"size_bytes\":" + size + "}}");
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    private static HttpResponse<String> es(String esUrl, String method, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(esUrl + path)).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
