package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.media.MediaStore;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.TestPropertySource;

/**
 * Issue 20 end to end, per provider: a webhook with media in, the gateway acknowledges it, its media download worker
 * fetches the bytes through the provider's {@code media-download-<provider>} route from WireMock ({@link #PEERS}, which
 * serves the provider's documented metadata shape and the bytes), and the message ends with {@code media.stored}
 * whose sha256 is the served bytes', which the media store holds. Meta's stated sha256 (base64 in the webhook) is
 * checked: a wrong one is refused and recorded.
 */
@TestPropertySource(properties = {
        "gateway.media.enabled=true",
        "gateway.media.dir=target/provider-media-it",
        "gateway.media.retries=1",
        "gateway.media.retry-delay-ms=100",
        "gateway.meta.access-token=test-meta-token",
        "gateway.evolution.api-key=test-evolution-key"})
class ProviderMediaIT extends GatewayIntegrationTest {

    private static final String META_MEDIA_ID = "900000000000104";

    @DynamicPropertySource
    static void apis(DynamicPropertyRegistry registry) {
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);           // the token may go to its host only
        registry.add("gateway.evolution.base-url", PEERS::baseUrl);
    }

    @BeforeEach
    void stubs() throws Exception {
        stubProviderApis();
        es("DELETE", "/whatsapp-media-000001?ignore_unavailable=true", null);
        io.wagateway.media.MediaDownloads downloads = camelContext.getRegistry()
                .lookupByNameAndType("mediaDownloads", io.wagateway.media.MediaDownloads.class);
        downloads.resetIndex();
        downloads.start();
    }

    private static byte[] bytes(String seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed.hashCode() * 31 + i * 7);
        }
        return b;
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static String hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(sha256(bytes));
    }

    /** @return the stored message of that provider and message id, once its media download has ended */
    private JsonNode downloaded(String provider, String messageId) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);
            HttpResponse<String> r = es("POST", "/" + store().getMessagesIndex() + "/_search",
                    "{\"query\":{\"bool\":{\"filter\":[{\"term\":{\"provider\":\"" + provider + "\"}},"
                            + "{\"term\":{\"message_id\":\"" + messageId + "\"}}]}}}");
            JsonNode hits = JSON.readTree(r.body()).path("hits").path("hits");
            return hits.isEmpty() ? null : hits.get(0).get("_source");
        }, m -> m != null && ("stored".equals(m.path("media_download").asText())
                || "failed".equals(m.path("media_download").asText())));
    }

    /** Asserts {@code stored} names the bytes and that the media store holds exactly them. */
    private void holds(JsonNode stored, byte[] bytes, String mime) throws Exception {
        assertThat(stored.path("sha256").asText()).isEqualTo(hex(bytes));
        assertThat(stored.path("size_bytes").asLong()).isEqualTo(bytes.length);
        assertThat(stored.path("mime").asText()).isEqualTo(mime);
        assertThat(stored.path("key").asText()).isNotBlank();
        MediaStore mediaStore = camelContext.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class);
        try (InputStream in = mediaStore.open(hex(bytes), 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
    }

    // ---------------------------------------------------------------- Meta

    private byte[] metaImage(String messageId, String statedSha256) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/inbound_image.json"));
        ObjectNode m = (ObjectNode) body.path("entry").get(0).path("changes").get(0).path("value").path("messages")
                .get(0);
        m.put("id", messageId);
        ((ObjectNode) m.get("image")).put("sha256", statedSha256);
        ((ObjectNode) m.get("image")).remove("url");
        return JSON.writeValueAsBytes(body);
    }

    /** Cloud API "Media": "Retrieve media URL" answers {messaging_product, url, mime_type, sha256, file_size, id}. */
    private void metaServes(byte[] bytes) throws Exception {
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/v23.0/" + META_MEDIA_ID)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"messaging_product\":\"whatsapp\",\"url\":\"" + PEERS.baseUrl()
                        + "/whatsapp_business/attachments/?mid=" + META_MEDIA_ID + "\",\"mime_type\":\"image/jpeg\","
                        + "\"sha256\":\"" + hex(bytes) + "\",\"file_size\":" + bytes.length + ",\"id\":\""
                        + META_MEDIA_ID + "\"}")));
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/whatsapp_business/attachments/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));
    }

    @Test
    void metaImageIsStoredUnderItsSha256() throws Exception {
        byte[] bytes = bytes("meta");
        metaServes(bytes);
        String base64Sha = Base64.getEncoder().encodeToString(sha256(bytes));
        assertThat(postMeta(metaImage("wamid.MEDIA.IT.1", base64Sha)).statusCode()).isEqualTo(200);
        JsonNode m = downloaded("meta", "wamid.MEDIA.IT.1");
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
        assertThat(m.path("media").path("sha256").asText()).isEqualTo(base64Sha);    // as the webhook stated it
        holds(m.path("media").path("stored"), bytes, "image/jpeg");
        PEERS.verify(getRequestedFor(urlPathEqualTo("/whatsapp_business/attachments/"))
                .withHeader("Authorization", WireMock.equalTo(
                        "Bearer test-meta-token")));
    }

    @Test
    void metaImageWhoseStatedSha256IsWrongIsRefusedAndRecorded() throws Exception {
        byte[] bytes = bytes("meta-wrong");
        metaServes(bytes);
        String wrong = Base64.getEncoder().encodeToString(sha256("other".getBytes(StandardCharsets.UTF_8)));
        postMeta(metaImage("wamid.MEDIA.IT.2", wrong));
        JsonNode m = downloaded("meta", "wamid.MEDIA.IT.2");
        assertThat(m.path("media_download").asText()).isEqualTo("failed");
        assertThat(m.path("media").path("download_error").path("reason").asText()).isEqualTo("sha256_mismatch");
        assertThat(m.path("media").path("download_error").path("final").asBoolean()).isTrue();
        assertThat(m.path("media").has("stored")).isFalse();
    }

    // ---------------------------------------------------------------- WAHA

    @Test
    void wahaImageIsFetchedFromTheConfiguredBaseWithTheKey() throws Exception {
        byte[] bytes = bytes("waha");
        String path = "/api/files/default/false_15550100003@c.us_3EB0FAKE00000000000204.jpeg";
        PEERS.stubFor(WireMock.get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));
        postWaha(Fixtures.bytes("webhooks/waha/message_media_image.json"));
        JsonNode m = downloaded("waha", "false_15550100003@c.us_3EB0FAKE00000000000204");
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
        holds(m.path("media").path("stored"), bytes, "image/jpeg");
        PEERS.verify(getRequestedFor(urlPathEqualTo(path)).withHeader("X-Api-Key",
                WireMock.equalTo("test-waha-key")));
    }

    /**
     * WAHA could not get the media itself (WAHA docs "Receive messages": {@code media.error} set, {@code media.url}
     * null): the message is stored, and its download ends {@code failed} with the reason - never without a state.
     */
    @Test
    void wahaMediaTheServerCouldNotGetIsRecordedAsFailed() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
        com.fasterxml.jackson.databind.node.ObjectNode payload =
                (com.fasterxml.jackson.databind.node.ObjectNode) body.get("payload");
        payload.put("id", "false_15550100003@c.us_3EB0MEDIAERROR0001");
        com.fasterxml.jackson.databind.node.ObjectNode media =
                (com.fasterxml.jackson.databind.node.ObjectNode) payload.get("media");
        media.putNull("url");
        media.putObject("error").put("message", "media download failed");
        assertThat(postWaha(body.toString().getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        JsonNode m = downloaded("waha", "false_15550100003@c.us_3EB0MEDIAERROR0001");
        assertThat(m.path("media_download").asText()).isEqualTo("failed");
        assertThat(m.path("media").path("download_error").path("reason").asText()).isEqualTo("provider_error");
        assertThat(m.path("media").path("download_error").path("final").asBoolean()).isTrue();
    }

    // ---------------------------------------------------------------- Periskope

    @Test
    void periskopeImageIsFetchedFromItsPath() throws Exception {
        byte[] bytes = bytes("periskope");
        String path = "/storage/v1/object/public/message-media/00000000-0000-4000-8000-00000000a001/15550100003@c.us/"
                + "false_15550100003@c.us_3EB0FAKE00000000000304/00000000-0000-4000-8000-00000000c304";
        PEERS.stubFor(WireMock.get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "image/jpeg").withBody(bytes)));
        postPeriskope(Fixtures.bytes("webhooks/periskope/message_created_media_image.json"));
        JsonNode m = downloaded("periskope", "false_15550100003@c.us_3EB0FAKE00000000000304");
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
        holds(m.path("media").path("stored"), bytes, "image/jpeg");
    }

    // ---------------------------------------------------------------- Unipile

    @Test
    void unipileEveryAttachmentIsStored() throws Exception {
        JsonNode body = JSON.readTree(Fixtures.bytes("webhooks/unipile/message_received_with_attachments.json"));
        String messageId = body.path("message_id").asText();
        int n = body.path("attachments").size();
        for (int i = 0; i < n; i++) {
            String id = body.path("attachments").get(i).path("id").asText();
            PEERS.stubFor(WireMock.get(urlEqualTo("/api/v1/messages/" + messageId + "/attachments/" + id))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "image/jpeg")
                            .withBody(bytes("unipile" + i))));
        }
        postUnipile(Fixtures.bytes("webhooks/unipile/message_received_with_attachments.json"));
        JsonNode m = downloaded("unipile", messageId);
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
        for (int i = 0; i < n; i++) {
            holds(m.path("attachments").get(i).path("stored"), bytes("unipile" + i), "image/jpeg");
        }
        holds(m.path("media").path("stored"), bytes("unipile0"), "image/jpeg");
    }

    // ---------------------------------------------------------------- Evolution API

    @Test
    void evolutionImageComesFromGetBase64FromMediaMessage() throws Exception {
        byte[] bytes = bytes("evolution");
        PEERS.stubFor(WireMock.post(urlEqualTo("/chat/getBase64FromMediaMessage/shop-main")).willReturn(aResponse()
                .withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"mediaType\":\"imageMessage\",\"fileName\":\"x.jpeg\",\"mimetype\":\"image/jpeg\","
                        + "\"base64\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}")));
        post("/webhooks/evolution", Fixtures.bytes("webhooks/evolution/messages_upsert_image.json"),
                Map.of("Content-Type", "application/json", "X-Evolution-Secret", Fixtures.SECRET));
        JsonNode m = downloaded("evolution", "3EB0EVOFAKE0000000000303");
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
        holds(m.path("media").path("stored"), bytes, "image/jpeg");
        PEERS.verify(postRequestedFor(urlEqualTo("/chat/getBase64FromMediaMessage/shop-main"))
                .withHeader("apikey", WireMock.equalTo("test-evolution-key")));
    }
}
