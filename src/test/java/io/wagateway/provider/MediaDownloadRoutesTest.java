package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.media.MediaSpool;
import io.wagateway.provider.meta.MetaMedia;
import io.wagateway.provider.periskope.PeriskopeMedia;
import io.wagateway.provider.unipile.UnipileMedia;
import io.wagateway.provider.waha.WahaMedia;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The providers' media download routes of issue 20 (contract M3), loaded alone from the provider files with
 * {@code media-fetch} (routes/media.camel.yaml), against two WireMock servers: {@code api} stands in for the
 * provider's configured API (reached as {@code localhost}) and {@code cdn} for another host (reached as
 * {@code 127.0.0.1}, or {@code 127.0.0.2} for a host nobody configured). Each test checks the bytes spooled (their
 * sha256 is the served bytes'), which host got which auth header and that no other host got anything, and which
 * failures are final. Answer shapes are the providers' documented ones, cited per test. No Elasticsearch, no Spring.
 */
class MediaDownloadRoutesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final WireMockServer API = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final WireMockServer CDN = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final byte[] BYTES = "\u00ff\u00d8 not really a JPEG, but bytes all the same \u0000\u0001"
            .getBytes(StandardCharsets.ISO_8859_1);

    private static CamelContext context;
    private static Path spoolDir;

    @BeforeAll
    static void start() throws Exception {
        API.start();
        CDN.start();
        spoolDir = Files.createTempDirectory("media-download-test");
        String api = "http://localhost:" + API.port();
        Properties props = new Properties();
        props.setProperty("gateway.meta.graph-base-url", api);
        props.setProperty("gateway.meta.graph-version", "v23.0");
        props.setProperty("gateway.meta.access-token", "meta-token");
        props.setProperty("gateway.waha.api-key", "waha-key");
        props.setProperty("gateway.periskope.api-key", "periskope-key");
        props.setProperty("gateway.unipile.api-key", "unipile-key");
        props.setProperty("gateway.evolution.base-url", api);
        props.setProperty("gateway.evolution.api-key", "evolution-key");
        // the default tenant's base URLs (the tenants bean: since issue 22 the key goes to the account's entry's URL)
        props.setProperty("gateway.waha.base-url", api);
        props.setProperty("gateway.periskope.base-url", api + "/v1");
        props.setProperty("gateway.unipile.dsn", api);
        MediaSpool spool = new MediaSpool();
        spool.setSpoolDir(spoolDir.toString());
        MetaMedia meta = new MetaMedia();
        meta.setGraphBaseUrl(api);
        meta.setGraphVersion("v23.0");
        meta.setMediaHosts("lookaside.fbsbx.com, 127.0.0.1");
        WahaMedia waha = new WahaMedia();
        waha.setBaseUrl(api);
        PeriskopeMedia periskope = new PeriskopeMedia();
        periskope.setBaseUrl(api + "/v1");
        UnipileMedia unipile = new UnipileMedia();
        unipile.setDsn(api);
        Base64MediaAnswer base64 = new Base64MediaAnswer();
        context = ProviderRoutes.load(
                Stream.of("media", "meta-cloud-api", "waha", "periskope", "unipile", "evolution-api")
                        .map(f -> Path.of("routes", f + ".camel.yaml")).toList(),
                Set.of("media-fetch", "media-download-meta", "media-download-waha", "media-download-periskope",
                        "media-download-unipile", "media-download-evolution"),
                props,
                Map.of("mediaSpool", spool, "metaMedia", meta, "wahaMedia", waha, "periskopeMedia", periskope,
                        "unipileMedia", unipile, "base64MediaAnswer", base64));
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
        API.stop();
        CDN.stop();
    }

    @BeforeEach
    void reset() {
        API.resetAll();
        CDN.resetAll();
    }

    // ---------------------------------------------------------------- kit

    private static MediaItem item(String provider, String type, String mime, String url, String id, String sha256) {
        String doc = provider + ":acct-1:msg-1";
        return new MediaItem(MediaItem.jobId(doc, 0), doc, provider, "acct-1", "msg-1", "chat-1", 0, type, mime, url,
                id, null, null, sha256);
    }

    private static Exchange download(String provider, MediaItem media) {
        return context.createProducerTemplate().send("direct:media-download-" + provider, e -> {
            e.setVariable("media", media);
            e.getMessage().setHeader("stale", "dropped");           // the caller's headers never reach a provider
            e.getMessage().setHeader("Authorization", "Bearer caller-secret");
        });
    }

    /** @return the spooled download, after checking its sha256 and bytes are the served ones */
    private static MediaSpool.Spooled spooled(Exchange done) throws Exception {
        assertThat(done.getException()).isNull();
        MediaSpool.Spooled spooled = done.getMessage().getBody(MediaSpool.Spooled.class);
        assertThat(spooled.sha256()).isEqualTo(HexFormat.of().formatHex(sha256(BYTES)));
        assertThat(spooled.sizeBytes()).isEqualTo(BYTES.length);
        assertThat(Files.readAllBytes(spooled.path())).isEqualTo(BYTES);
        Files.delete(spooled.path());
        return spooled;
    }

    private static MediaDownloadException failure(Exchange done) {
        Throwable t = done.getException();
        while (t != null && !(t instanceof MediaDownloadException)) {
            t = t.getCause();
        }
        assertThat(t).as("a MediaDownloadException, got %s", done.getException()).isNotNull();
        return (MediaDownloadException) t;
    }

    private static List<LoggedRequest> calls(WireMockServer server) {
        return server.getAllServeEvents().stream().map(s -> s.getRequest()).toList();
    }

    private static LoggedRequest only(WireMockServer server) {
        List<LoggedRequest> calls = calls(server);
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).getHeader("stale")).isNull();
        return calls.get(0);
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static void noSpoolLeft() throws Exception {
        try (Stream<Path> files = Files.list(spoolDir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- Meta

    /**
     * Cloud API "Media" reference, "Retrieve media URL": GET /{version}/{media-id} with the Bearer token answers
     * {messaging_product, url, mime_type, sha256, file_size, id}; "Download media": GET url with the same token.
     */
    private static void metaAnswers(String url, String sha256Hex) {
        API.stubFor(get(urlEqualTo("/v23.0/900000000000104")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"messaging_product\":\"whatsapp\",\"url\":\"" + url + "\",\"mime_type\":\"image/jpeg\","
                        + "\"sha256\":\"" + sha256Hex + "\",\"file_size\":" + BYTES.length
                        + ",\"id\":\"900000000000104\"}")));
        CDN.stubFor(get(urlPathEqualTo("/whatsapp_business/attachments/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(BYTES)));
    }

    @Test
    void metaRetrievesTheUrlThenDownloadsItWithTheTokenOnGraphAndTheMediaHostOnly() throws Exception {
        String hex = HexFormat.of().formatHex(sha256(BYTES));
        String webhookSha = Base64.getEncoder().encodeToString(sha256(BYTES));   // as meta/inbound_image.json states it
        metaAnswers("http://127.0.0.1:" + CDN.port() + "/whatsapp_business/attachments/?mid=900000000000104", hex);
        Exchange done = download("meta", item("meta", "image", "image/jpeg", null, "900000000000104", webhookSha));
        MediaSpool.Spooled spooled = spooled(done);
        assertThat(spooled.mime()).isEqualTo("image/jpeg");
        assertThat(done.getVariable("expectedSha256")).isEqualTo(webhookSha);
        assertThat(MediaSpool.sameSha256(spooled.sha256(), webhookSha)).isTrue();
        LoggedRequest retrieve = only(API);
        assertThat(retrieve.getMethod().getName()).isEqualTo("GET");
        assertThat(retrieve.getHeader("Authorization")).isEqualTo("Bearer meta-token");
        LoggedRequest bytes = only(CDN);
        assertThat(bytes.getUrl()).isEqualTo("/whatsapp_business/attachments/?mid=900000000000104");
        assertThat(bytes.getHeader("Authorization")).isEqualTo("Bearer meta-token");
    }

    @Test
    void metaWithoutAWebhookHashExpectsTheAnswersHash() throws Exception {
        String hex = HexFormat.of().formatHex(sha256(BYTES));
        metaAnswers("http://127.0.0.1:" + CDN.port() + "/whatsapp_business/attachments/?mid=1", hex);
        Exchange done = download("meta", item("meta", "image", null, null, "900000000000104", null));
        spooled(done);
        assertThat(done.getVariable("expectedSha256")).isEqualTo(hex);
    }

    /** An expired or unknown media id: Graph answers HTTP 400 with error code 100 (Graph "Error codes"). */
    @Test
    void metaExpiredMediaIdIsFinal() {
        API.stubFor(get(urlEqualTo("/v23.0/900000000000104")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Unsupported get request. Object with ID '900000000000104' does "
                        + "not exist\",\"type\":\"GraphMethodException\",\"code\":100,\"error_subcode\":33,"
                        + "\"fbtrace_id\":\"AbC\"}}")));
        MediaDownloadException e = failure(download("meta", item("meta", "image", null, null, "900000000000104",
                null)));
        assertThat(e.getReason()).isEqualTo("expired");
        assertThat(e.isFinal()).isTrue();
        assertThat(e.getStatus()).isEqualTo(400);
        assertThat(calls(CDN)).isEmpty();
    }

    @Test
    void metaRateLimitIsRetried() {
        API.stubFor(get(urlEqualTo("/v23.0/900000000000104")).willReturn(aResponse().withStatus(429)
                .withBody("{\"error\":{\"message\":\"(#4) Application request limit reached\",\"code\":4}}")));
        MediaDownloadException e = failure(download("meta", item("meta", "image", null, null, "900000000000104",
                null)));
        assertThat(e.isFinal()).isFalse();
        assertThat(e.getReason()).isEqualTo("http_error");
    }

    @Test
    void metaDownloadAnswering404IsFinal() throws Exception {
        API.stubFor(get(urlEqualTo("/v23.0/900000000000104")).willReturn(aResponse().withStatus(200)
                .withBody("{\"url\":\"http://127.0.0.1:" + CDN.port() + "/gone\",\"id\":\"900000000000104\"}")));
        CDN.stubFor(get(urlEqualTo("/gone")).willReturn(aResponse().withStatus(404)));
        MediaDownloadException e = failure(download("meta", item("meta", "image", null, null, "900000000000104",
                null)));
        assertThat(e.getReason()).isEqualTo("not_found");
        assertThat(e.isFinal()).isTrue();
        noSpoolLeft();
    }

    @Test
    void metaNeverSendsTheTokenToAHostNobodyConfigured() {
        metaAnswers("http://127.0.0.2:" + CDN.port() + "/whatsapp_business/attachments/?mid=1", "");
        MediaDownloadException e = failure(download("meta", item("meta", "image", null, null, "900000000000104",
                null)));
        assertThat(e.getReason()).isEqualTo("untrusted_host");
        assertThat(e.isFinal()).isTrue();
        assertThat(calls(CDN)).isEmpty();
    }

    @Test
    void metaWebhookUrlOnAnUnconfiguredHostIsRefusedToo() {
        MediaDownloadException e = failure(download("meta", item("meta", "image", null,
                "http://127.0.0.2:" + CDN.port() + "/whatsapp_business/attachments/?mid=1", null, null)));
        assertThat(e.getReason()).isEqualTo("untrusted_host");
        assertThat(calls(API)).isEmpty();
        assertThat(calls(CDN)).isEmpty();
    }

    @Test
    void metaBytesThatAreNotTheAnswersHashAreRefusedAndNotKept() throws Exception {
        String other = HexFormat.of().formatHex(sha256("other bytes".getBytes(StandardCharsets.UTF_8)));
        metaAnswers("http://127.0.0.1:" + CDN.port() + "/whatsapp_business/attachments/?mid=1", other);
        MediaDownloadException e = failure(download("meta", item("meta", "image", null, null, "900000000000104",
                null)));
        assertThat(e.getReason()).isEqualTo("sha256_mismatch");
        assertThat(e.isFinal()).isTrue();
        noSpoolLeft();
    }

    // ---------------------------------------------------------------- WAHA

    /**
     * WAHA "Receive messages", Media Files: media.url on WAHA's own base URL (here a host that does not even resolve,
     * as in fixture waha/message_media_image.json), downloaded with X-Api-Key: only its path and query go to our
     * configured gateway.waha.base-url.
     */
    @Test
    void wahaFetchesThePathOfMediaUrlFromTheConfiguredBaseWithTheKey() throws Exception {
        API.stubFor(get(urlPathEqualTo("/api/files/default/false_15550100003@c.us_3EB0FAKE00000000000204.jpeg"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "image/jpeg").withBody(BYTES)));
        spooled(download("waha", item("waha", "image", "image/jpeg", "http://waha.internal.example:3000/api/files/"
                + "default/false_15550100003@c.us_3EB0FAKE00000000000204.jpeg?session=default", null, null)));
        LoggedRequest r = only(API);
        assertThat(r.getUrl()).isEqualTo(
                "/api/files/default/false_15550100003@c.us_3EB0FAKE00000000000204.jpeg?session=default");
        assertThat(r.getHeader("X-Api-Key")).isEqualTo("waha-key");
        assertThat(r.getHeader("Authorization")).isNull();
        assertThat(calls(CDN)).isEmpty();
    }

    /**
     * A redirect is not followed (media-fetch): the HTTP client would copy X-Api-Key to the Location's host. None of
     * the providers' download calls documents one (Meta's "Download media" example is a plain curl without -L).
     */
    @Test
    void wahaKeyNeverFollowsARedirectToAnotherHost() {
        API.stubFor(get(urlPathEqualTo("/api/files/x.jpeg")).willReturn(aResponse().withStatus(302)
                .withHeader("Location", "http://127.0.0.1:" + CDN.port() + "/bucket/x.jpeg")));
        CDN.stubFor(get(urlEqualTo("/bucket/x.jpeg")).willReturn(aResponse().withStatus(200).withBody(BYTES)));
        MediaDownloadException e = failure(download("waha", item("waha", "image", null,
                "http://localhost:3000/api/files/x.jpeg", null, null)));
        assertThat(e.getStatus()).isEqualTo(302);
        assertThat(only(API).getHeader("X-Api-Key")).isEqualTo("waha-key");
        assertThat(calls(CDN)).isEmpty();
    }

    /** WAHA: hasMedia true and media.url null (media.error set, or media download off) - final. */
    @Test
    void wahaWithoutMediaUrlIsAFinalProviderError() {
        MediaDownloadException e = failure(download("waha", item("waha", "image", "image/jpeg", null, null, null)));
        assertThat(e.getReason()).isEqualTo("provider_error");
        assertThat(e.isFinal()).isTrue();
        assertThat(calls(API)).isEmpty();
    }

    @Test
    void waha404IsFinal() {
        API.stubFor(get(urlPathEqualTo("/api/files/x.jpeg")).willReturn(aResponse().withStatus(404)));
        MediaDownloadException e = failure(download("waha", item("waha", "image", null,
                "http://localhost:3000/api/files/x.jpeg", null, null)));
        assertThat(e.getReason()).isEqualTo("not_found");
        assertThat(e.isFinal()).isTrue();
    }

    @Test
    void waha500IsRetried() {
        API.stubFor(get(urlPathEqualTo("/api/files/x.jpeg")).willReturn(aResponse().withStatus(500)));
        MediaDownloadException e = failure(download("waha", item("waha", "image", null,
                "http://localhost:3000/api/files/x.jpeg", null, null)));
        assertThat(e.isFinal()).isFalse();
    }

    // ---------------------------------------------------------------- Periskope

    /**
     * providers.md 3.5 (The message object): media.path is relative to Periskope's API host, e.g. fixture
     * periskope/message_created_media_image.json; the Bearer key goes to that host only.
     */
    @Test
    void periskopeResolvesARelativePathOnTheApiHostWithTheKey() throws Exception {
        String path = "/storage/v1/object/public/message-media/00000000-0000-4000-8000-00000000a001/"
                + "15550100003@c.us/false_15550100003@c.us_3EB0FAKE00000000000304/00000000-0000-4000-8000-00000000c304";
        API.stubFor(get(urlEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(BYTES)));
        spooled(download("periskope", item("periskope", "image", "image/jpeg", path, null, null)));
        assertThat(only(API).getHeader("Authorization")).isEqualTo("Bearer periskope-key");
        assertThat(calls(CDN)).isEmpty();
    }

    @Test
    void periskopeFetchesAnAbsoluteUrlElsewhereWithoutTheKey() throws Exception {
        CDN.stubFor(get(urlEqualTo("/public/file.jpg")).willReturn(aResponse().withStatus(200).withBody(BYTES)));
        spooled(download("periskope", item("periskope", "image", "image/jpeg",
                "http://127.0.0.1:" + CDN.port() + "/public/file.jpg", null, null)));
        assertThat(only(CDN).getHeader("Authorization")).isNull();
        assertThat(calls(API)).isEmpty();
    }

    // ---------------------------------------------------------------- Unipile

    /**
     * Unipile API reference "Retrieve an attachment from a message": GET /api/v1/messages/{message_id}/attachments/
     * {attachment_id} with X-API-KEY answers the file.
     */
    @Test
    void unipileRetrievesTheAttachmentWithTheKey() throws Exception {
        API.stubFor(get(urlEqualTo("/api/v1/messages/msg-1/attachments/FAKEatt501a")).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "image/jpeg").withBody(BYTES)));
        spooled(download("unipile", item("unipile", "image", "image/jpeg", "att://FAKEatt501a", "FAKEatt501a",
                null)));
        LoggedRequest r = only(API);
        assertThat(r.getHeader("X-API-KEY")).isEqualTo("unipile-key");
        assertThat(r.getHeader("Authorization")).isNull();
    }

    @Test
    void unipile404IsFinal() {
        API.stubFor(get(urlEqualTo("/api/v1/messages/msg-1/attachments/gone")).willReturn(aResponse()
                .withStatus(404).withBody("{\"status\":404,\"type\":\"errors/resource_not_found\"}")));
        MediaDownloadException e = failure(download("unipile", item("unipile", "image", null, null, "gone", null)));
        assertThat(e.getReason()).isEqualTo("not_found");
        assertThat(e.isFinal()).isTrue();
    }

    // ---------------------------------------------------------------- Evolution API

    /**
     * Evolution API v2 "Get Base64 From Media Message": POST /chat/getBase64FromMediaMessage/{instance}
     * {"message":{"key":{"id"}},"convertToMp4":false} with apikey answers {mediaType, fileName, caption, size,
     * mimetype, base64}.
     */
    @Test
    void evolutionDecodesTheBase64AnswerIntoTheSpool() throws Exception {
        API.stubFor(post(urlEqualTo("/chat/getBase64FromMediaMessage/acct-1")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"mediaType\":\"imageMessage\",\"fileName\":\"x.jpeg\",\"caption\":null,\"size\":"
                        + "{\"fileLength\":{\"low\":" + BYTES.length + ",\"high\":0,\"unsigned\":true}},"
                        + "\"mimetype\":\"image/jpeg\",\"base64\":\"" + Base64.getEncoder().encodeToString(BYTES)
                        + "\",\"buffer\":null}")));
        MediaSpool.Spooled spooled = spooled(download("evolution", item("evolution", "image", null,
                "https://mmg.whatsapp.net/o1/v/t62.7118-24/x.enc", null, null)));
        assertThat(spooled.mime()).isEqualTo("image/jpeg");
        LoggedRequest r = only(API);
        assertThat(r.getHeader("apikey")).isEqualTo("evolution-key");
        assertThat(MAPPER.readTree(r.getBodyAsString()))
                .isEqualTo(MAPPER.readTree("{\"message\":{\"key\":{\"id\":\"msg-1\"}},\"convertToMp4\":false}"));
    }

    @Test
    void evolution404IsFinal() {
        API.stubFor(post(urlEqualTo("/chat/getBase64FromMediaMessage/acct-1")).willReturn(aResponse()
                .withStatus(404)));
        MediaDownloadException e = failure(download("evolution", item("evolution", "image", null, null, null, null)));
        assertThat(e.getReason()).isEqualTo("not_found");
        assertThat(e.isFinal()).isTrue();
    }
}
