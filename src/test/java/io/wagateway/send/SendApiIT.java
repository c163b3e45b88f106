package io.wagateway.send;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The send API end to end (issue 19 items 1 and 4): POST /api/messages against the real Elasticsearch, WireMock
 * standing in for the providers' send APIs; provider calls are counted on the requests WireMock recorded.
 */
@TestPropertySource(properties = {
        "gateway.api.send-token=test-send-token",
        "gateway.meta.access-token=test-meta-token",
        "gateway.auto-reply.send-retry-delay-ms=100",
        "gateway.send.recovery-delay-ms=500",
        "gateway.send.recovery-interval-ms=500"})
class SendApiIT extends GatewayIntegrationTest {

    static final String WAHA_CHAT = "15550100001@c.us";
    static final String META_ACCOUNT = "100000000000002";
    static final String META_CHAT = "15550100001";
    /** The first contract example of issue 19. */
    static final String WAHA_TEXT = "{\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"15550100001@c.us\","
            + "\"type\":\"text\",\"text\":\"Hello\"}";
    /** The second contract example of issue 19 (its phone_number_id and wa_id those of the fixtures). */
    static final String META_BUTTONS = "{\"provider\":\"meta\",\"account_id\":\"100000000000002\",\"chat_id\":"
            + "\"15550100001\",\"type\":\"buttons\",\"text\":\"Pick one\",\"buttons\":[{\"id\":\"yes\",\"title\":\"Yes\"},"
            + "{\"id\":\"no\",\"title\":\"No\"}]}";

    @DynamicPropertySource
    static void graph(DynamicPropertyRegistry registry) {
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    @BeforeEach
    void sendApis() throws Exception {
        AutoReplyIT.stubSendApis();
        es("DELETE", "/whatsapp-chats/_doc/" + encode("meta:" + META_ACCOUNT + ":" + META_CHAT) + "?refresh=true", null);
    }

    /** No send of this test may reach the next one's WireMock: every outbox entry ends sent, failed or unknown. */
    @org.junit.jupiter.api.AfterEach
    void sendsSettled() {
        await().atMost(Duration.ofSeconds(20)).until(() -> all("whatsapp-replies").stream()
                .allMatch(e -> Set.of("sent", "failed", "unknown").contains(e.path("state").asText())));
    }

    HttpResponse<String> send(String body, String token, String idempotencyKey) throws Exception {
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/json"));
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        return post("/api/messages", body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    HttpResponse<String> send(String body) throws Exception {
        return send(body, "test-send-token", null);
    }

    HttpResponse<String> state(String id, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/messages/"
                + encode(id))).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode stateOf(String id) throws Exception {
        HttpResponse<String> r = state(id, "test-send-token");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static List<LoggedRequest> wahaSends() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText")));
    }

    static List<LoggedRequest> metaSends() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/" + META_ACCOUNT + "/messages")));
    }

    void assertStaysAt(java.util.function.IntSupplier count, int expected) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).until(() -> count.getAsInt() == expected);
    }

    /** Writes the chat document whose last_inbound_at the window check reads (contract C5). */
    void lastInbound(Instant at) throws Exception {
        if (es("HEAD", "/whatsapp-chats", null).statusCode() == 404) { // made by the chats work of issue 19 otherwise
            es("PUT", "/whatsapp-chats-000001", "{\"aliases\":{\"whatsapp-chats\":{\"is_write_index\":true}}}");
        }
        HttpResponse<String> r = es("PUT", "/whatsapp-chats/_doc/" + encode("meta:" + META_ACCOUNT + ":" + META_CHAT)
                + "?refresh=true", "{\"provider\":\"meta\",\"account_id\":\"" + META_ACCOUNT + "\",\"chat_id\":\""
                + META_CHAT + "\",\"last_inbound_at\":\"" + at + "\"}");
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    @Test
    void theWahaContractExampleIsSentOnceAndStoredAsAnOwnMessage() throws Exception {
        HttpResponse<String> r = send(WAHA_TEXT);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(r.body());
        String id = answer.path("id").asText();
        assertThat(id).matches("waha:default:out:[0-9a-f]{32}");
        assertThat(answer.path("state").asText()).isEqualTo("queued");

        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() == 1);
        LoggedRequest sent = wahaSends().get(0);
        assertThat(sent.getHeader("X-Api-Key")).isEqualTo("test-waha-key");
        // providers.md 2.9: POST /api/sendText {"session","chatId","text"}
        assertThat(JSON.readTree(sent.getBodyAsString())).isEqualTo(JSON.readTree(
                "{\"session\":\"default\",\"chatId\":\"15550100001@c.us\",\"text\":\"Hello\"}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        JsonNode state = stateOf(id);
        assertThat(state.path("provider_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0REPLY0000001");
        assertThat(state.path("attempts").asInt()).isEqualTo(1);

        JsonNode doc = message(id);
        assertThat(doc.path("message_id").asText()).isEqualTo(id.substring("waha:default:".length()));
        assertThat(doc.path("from_me").asBoolean()).isTrue();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hello");
        assertThat(doc.path("chat_id").asText()).isEqualTo(WAHA_CHAT);
        assertThat(doc.path("provider_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0REPLY0000001");
        assertThat(doc.path("raw").path("gateway_send").asBoolean()).isTrue();
        assertThat(doc.path("raw").path("request")).isEqualTo(JSON.readTree(WAHA_TEXT));
        assertThat(state.path("message")).isEqualTo(doc);
        assertThat(all("whatsapp-messages")).hasSize(1);
        assertStaysAt(() -> wahaSends().size(), 1);
    }

    @Test
    void theMetaButtonsContractExampleIsSentAsReplyButtons() throws Exception {
        lastInbound(Instant.now().minus(Duration.ofHours(1)));
        HttpResponse<String> r = send(META_BUTTONS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = JSON.readTree(r.body()).path("id").asText();
        assertThat(id).matches("meta:100000000000002:out:[0-9a-f]{32}");

        await().atMost(Duration.ofSeconds(15)).until(() -> metaSends().size() == 1);
        LoggedRequest sent = metaSends().get(0);
        assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer test-meta-token");
        // providers.md 1.8 [M14] interactive reply buttons
        assertThat(JSON.readTree(sent.getBodyAsString())).isEqualTo(JSON.readTree("{\"messaging_product\":\"whatsapp\","
                + "\"recipient_type\":\"individual\",\"to\":\"15550100001\",\"type\":\"interactive\",\"interactive\":"
                + "{\"type\":\"button\",\"body\":{\"text\":\"Pick one\"},\"action\":{\"buttons\":["
                + "{\"type\":\"reply\",\"reply\":{\"id\":\"yes\",\"title\":\"Yes\"}},"
                + "{\"type\":\"reply\",\"reply\":{\"id\":\"no\",\"title\":\"No\"}}]}}}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        JsonNode doc = message(id);
        assertThat(doc.path("type").asText()).isEqualTo("buttons");
        assertThat(doc.path("text").asText()).isEqualTo("Pick one");
        assertThat(doc.path("from_me").asBoolean()).isTrue();
        assertThat(doc.path("provider_message_id").asText()).isEqualTo("wamid.REPLY0000001");
        assertStaysAt(() -> metaSends().size(), 1);
    }

    /** Puts bytes in the media store (bean mediaStore) as a finished download would; answers their sha256 (hex). */
    String storeMedia(byte[] bytes, String mime) throws Exception {
        String sha256 = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        java.nio.file.Path spool = java.nio.file.Files.createTempFile("send-media", ".bin");
        java.nio.file.Files.write(spool, bytes);
        camelContext.getRegistry().lookupByNameAndType("mediaStore", io.wagateway.media.MediaStore.class)
                .put(spool, sha256, bytes.length, mime);
        return sha256;
    }

    static List<LoggedRequest> metaUploads() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/" + META_ACCOUNT + "/media")));
    }

    @Test
    void aStoredMediaItemIsUploadedToMetaFromTheStoreThenSentByTheReturnedId() throws Exception {
        byte[] bytes = new byte[300_000];
        new java.util.Random(20).nextBytes(bytes);
        String sha256 = storeMedia(bytes, "image/jpeg");
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/" + META_ACCOUNT + "/media"))
                .willReturn(okJson("{\"id\":\"1037543291543636\"}")));
        lastInbound(Instant.now().minus(Duration.ofHours(1)));
        String request = "{\"provider\":\"meta\",\"account_id\":\"" + META_ACCOUNT + "\",\"chat_id\":\"" + META_CHAT
                + "\",\"type\":\"image\",\"media_sha256\":\"" + sha256 + "\",\"caption\":\"the blue model\"}";
        HttpResponse<String> r = send(request);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = JSON.readTree(r.body()).path("id").asText();

        await().atMost(Duration.ofSeconds(15)).until(() -> metaSends().size() == 1);
        // Cloud API "Upload media": multipart messaging_product, type, file - the stored bytes, with their length
        assertThat(metaUploads()).hasSize(1);
        LoggedRequest upload = metaUploads().get(0);
        assertThat(upload.getHeader("Authorization")).isEqualTo("Bearer test-meta-token");
        assertThat(upload.getHeader("Content-Type")).startsWith("multipart/form-data;").contains("boundary=");
        assertThat(upload.getHeader("Content-Length")).isEqualTo(String.valueOf(upload.getBody().length));
        assertThat(upload.getPart("messaging_product").getBody().asString()).isEqualTo("whatsapp");
        assertThat(upload.getPart("type").getBody().asString()).isEqualTo("image/jpeg");
        assertThat(upload.getPart("file").getHeader("Content-Type").firstValue()).isEqualTo("image/jpeg");
        assertThat(upload.getPart("file").getBody().asBytes()).isEqualTo(bytes);
        // then the message, by the id Meta returned
        assertThat(JSON.readTree(metaSends().get(0).getBodyAsString())).isEqualTo(JSON.readTree("{\"messaging_product\":"
                + "\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"" + META_CHAT + "\",\"type\":\"image\","
                + "\"image\":{\"id\":\"1037543291543636\",\"caption\":\"the blue model\"}}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        assertThat(message(id).path("raw").path("request").path("media_sha256").asText()).isEqualTo(sha256);
        assertStaysAt(() -> metaUploads().size(), 1);

        // GET /api/messages/{id} signs a stored item of its document, as the page's API does (M6)
        HttpResponse<String> updated = es("POST", "/" + store().getMessagesIndex() + "/_update/" + encode(id)
                + "?refresh=true", "{\"doc\":{\"media\":{\"mime\":\"image/jpeg\",\"stored\":{\"key\":\"" + sha256
                + "\",\"sha256\":\"" + sha256 + "\",\"size_bytes\":" + bytes.length + ",\"store\":\"filesystem\"}}}}");
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(stateOf(id).at("/message/media/stored/url").asText()).startsWith("/api/media/" + sha256 + "?exp=")
                .contains("&sig=");
    }

    @Test
    void aStoredMediaItemIsSentToUnipileAsAnAttachmentsPartStreamedFromTheStore() throws Exception {
        byte[] bytes = "%PDF-1.4 a stored invoice".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String sha256 = storeMedia(bytes, "application/pdf");
        HttpResponse<String> r = send("{\"provider\":\"unipile\",\"account_id\":\"acc1\",\"chat_id\":\"CHAT1\","
                + "\"type\":\"document\",\"media_sha256\":\"" + sha256 + "\",\"filename\":\"invoice.pdf\","
                + "\"caption\":\"your invoice\",\"reply_to\":\"MSG0\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = JSON.readTree(r.body()).path("id").asText();
        List<LoggedRequest> sends = new ArrayList<>();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            sends.clear();
            sends.addAll(PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/v1/chats/CHAT1/messages"))));
            return sends.size() == 1;
        });
        // providers.md 4.6: multipart text, attachments (the stored bytes, with their length), quote_id
        LoggedRequest sent = sends.get(0);
        assertThat(sent.getHeader("X-API-KEY")).isEqualTo("test-unipile-key");
        assertThat(sent.getHeader("Content-Length")).isEqualTo(String.valueOf(sent.getBody().length));
        assertThat(sent.getPart("text").getBody().asString()).isEqualTo("your invoice");
        assertThat(sent.getPart("quote_id").getBody().asString()).isEqualTo("MSG0");
        assertThat(sent.getPart("attachments").getBody().asBytes()).isEqualTo(bytes);
        assertThat(sent.getPart("attachments").getHeader("Content-Type").firstValue()).isEqualTo("application/pdf");
        assertThat(sent.getPart("attachments").getHeader("Content-Disposition").firstValue())
                .contains("filename=\"invoice.pdf\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));

        // Unipile takes bytes only: a media url is refused before anything is recorded
        HttpResponse<String> byUrl = send(request("unipile", "image").toString());
        assertThat(byUrl.statusCode()).as(byUrl.body()).isEqualTo(422);
        assertThat(JSON.readTree(byUrl.body()).path("error").asText()).contains("media_sha256");
    }

    @Test
    void aHashNothingIsStoredUnderOrAProviderThatCannotSendStoredMediaIsA422() throws Exception {
        String sha256 = storeMedia("a stored document".getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain");
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/" + META_ACCOUNT + "/media"))
                .willReturn(okJson("{\"id\":\"1037543291543637\"}")));
        lastInbound(Instant.now().minus(Duration.ofHours(1)));
        String meta = "{\"provider\":\"meta\",\"account_id\":\"" + META_ACCOUNT + "\",\"chat_id\":\"" + META_CHAT
                + "\",\"type\":\"document\",\"media_sha256\":\"%s\"}";
        HttpResponse<String> unknown = send(String.format(meta, "0".repeat(64)));
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(422);
        assertThat(JSON.readTree(unknown.body()).path("field").asText()).isEqualTo("media_sha256");
        HttpResponse<String> waha = send("{\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"" + WAHA_CHAT
                + "\",\"type\":\"document\",\"media_sha256\":\"" + sha256 + "\"}");
        assertThat(waha.statusCode()).as(waha.body()).isEqualTo(422);
        assertThat(JSON.readTree(waha.body()).path("error").asText()).contains("media_sha256");
        assertThat(all("whatsapp-replies")).isEmpty();
        // the stored one is accepted
        assertThat(send(String.format(meta, sha256)).statusCode()).isEqualTo(202);
    }

    @Test
    void theSameIdempotencyKeyFiveTimesConcurrentlyIsOneProviderCallAndOneId() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(pool.submit(() -> send(WAHA_TEXT, "test-send-token", "order-1234-confirmation")));
        }
        Set<String> ids = new HashSet<>();
        for (Future<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            ids.add(JSON.readTree(r.body()).path("id").asText());
        }
        pool.shutdown();
        assertThat(ids).containsExactly("waha:default:out:" + SendApi.key("waha", "default", "order-1234-confirmation"));
        String id = ids.iterator().next();
        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() >= 1);
        assertStaysAt(() -> wahaSends().size(), 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));

        // once more, later: the same id and its current state, nothing sent
        HttpResponse<String> again = send(WAHA_TEXT, "test-send-token", "order-1234-confirmation");
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(again.body())).isEqualTo(JSON.readTree("{\"id\":\"" + id + "\",\"state\":\"sent\"}"));
        // the same key with another request: 422 (draft-ietf-httpapi-idempotency-key-header, key reuse)
        HttpResponse<String> other = send(WAHA_TEXT.replace("Hello", "Hello again"), "test-send-token",
                "order-1234-confirmation");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(other.body()).path("error").asText()).contains("Idempotency-Key");
        assertStaysAt(() -> wahaSends().size(), 1);
        assertThat(all("whatsapp-messages")).hasSize(1);
    }

    @Test
    void withoutAnIdempotencyKeyEveryPostIsANewMessage() throws Exception {
        String first = JSON.readTree(send(WAHA_TEXT).body()).path("id").asText();
        String second = JSON.readTree(send(WAHA_TEXT).body()).path("id").asText();
        assertThat(first).isNotEqualTo(second);
        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() == 2);
        assertStaysAt(() -> wahaSends().size(), 2);
    }

    static Stream<Arguments> badRequests() {
        String base = "\"provider\":\"meta\",\"account_id\":\"" + META_ACCOUNT + "\",\"chat_id\":\"" + META_CHAT + "\",";
        return Stream.of(
                Arguments.of("[1,2]", "body"),
                Arguments.of("{\"provider\":", "body"),
                Arguments.of("{\"account_id\":\"a\",\"chat_id\":\"c\",\"type\":\"text\",\"text\":\"x\"}", "provider"),
                Arguments.of("{\"provider\":\"waha\",\"chat_id\":\"c\",\"type\":\"text\",\"text\":\"x\"}", "account_id"),
                Arguments.of("{\"provider\":\"waha\",\"account_id\":\"a\",\"type\":\"text\",\"text\":\"x\"}", "chat_id"),
                Arguments.of("{" + base + "\"text\":\"x\"}", "type"),
                Arguments.of("{" + base + "\"type\":\"poll\"}", "type"),
                Arguments.of("{" + base + "\"type\":\"text\",\"text\":\"x\",\"reply_to\":5}", "reply_to"),
                // text
                Arguments.of("{" + base + "\"type\":\"text\"}", "text"),
                Arguments.of("{" + base + "\"type\":\"text\",\"text\":\"\"}", "text"),
                Arguments.of("{" + base + "\"type\":\"text\",\"text\":\"x\",\"preview_url\":\"yes\"}", "preview_url"),
                // media: each kind
                Arguments.of("{" + base + "\"type\":\"image\"}", "url"),
                Arguments.of("{" + base + "\"type\":\"video\",\"url\":\"https://e.com/v.mp4\",\"media_id\":\"1\"}", "media_id"),
                Arguments.of("{" + base + "\"type\":\"document\",\"url\":\"ftp://e.com/a.pdf\"}", "url"),
                Arguments.of("{" + base + "\"type\":\"audio\",\"media_id\":\"1\",\"caption\":\"c\"}", "caption"),
                Arguments.of("{" + base + "\"type\":\"sticker\",\"media_id\":\"1\",\"caption\":\"c\"}", "caption"),
                Arguments.of("{" + base + "\"type\":\"image\",\"media_id\":\"1\",\"filename\":\"a.jpg\"}", "filename"),
                Arguments.of("{" + base + "\"type\":\"document\",\"media_id\":\"1\",\"mime_type\":7}", "mime_type"),
                // media: a stored item's hash (issue 20) is a third way, exclusive, 64 lowercase hex digits
                Arguments.of("{" + base + "\"type\":\"image\",\"url\":\"https://e.com/i.jpg\",\"media_sha256\":\""
                        + "a".repeat(64) + "\"}", "media_sha256"),
                Arguments.of("{" + base + "\"type\":\"image\",\"media_id\":\"1\",\"media_sha256\":\"" + "a".repeat(64)
                        + "\"}", "media_sha256"),
                Arguments.of("{" + base + "\"type\":\"image\",\"media_sha256\":\"" + "A".repeat(64) + "\"}", "media_sha256"),
                Arguments.of("{" + base + "\"type\":\"image\",\"media_sha256\":\"abc\"}", "media_sha256"),
                // buttons
                Arguments.of("{" + base + "\"type\":\"buttons\",\"buttons\":[{\"id\":\"a\",\"title\":\"A\"}]}", "text"),
                Arguments.of("{" + base + "\"type\":\"buttons\",\"text\":\"t\",\"buttons\":[]}", "buttons"),
                Arguments.of("{" + base + "\"type\":\"buttons\",\"text\":\"t\",\"buttons\":[{\"id\":\"a\",\"title\":\"A\"},"
                        + "{\"id\":\"b\",\"title\":\"B\"},{\"id\":\"c\",\"title\":\"C\"},{\"id\":\"d\",\"title\":\"D\"}]}", "buttons"),
                Arguments.of("{" + base + "\"type\":\"buttons\",\"text\":\"t\",\"buttons\":[{\"id\":\"a\",\"title\":"
                        + "\"twenty-one characters\"}]}", "buttons[0].title"),
                Arguments.of("{" + base + "\"type\":\"buttons\",\"text\":\"t\",\"buttons\":[{\"id\":\"" + "i".repeat(257)
                        + "\",\"title\":\"A\"}]}", "buttons[0].id"),
                Arguments.of("{" + base + "\"type\":\"buttons\",\"text\":\"t\",\"buttons\":[{\"id\":\"a\",\"title\":\"A\"},"
                        + "{\"id\":\"a\",\"title\":\"B\"}]}", "buttons[1].id"),
                // list
                Arguments.of("{" + base + "\"type\":\"list\",\"text\":\"t\",\"sections\":[{\"title\":\"s\",\"rows\":"
                        + "[{\"id\":\"r\",\"title\":\"R\"}]}]}", "button"),
                Arguments.of("{" + base + "\"type\":\"list\",\"text\":\"t\",\"button\":\"b\",\"sections\":[]}", "sections"),
                Arguments.of("{" + base + "\"type\":\"list\",\"text\":\"t\",\"button\":\"b\",\"sections\":[{\"title\":\"s\","
                        + "\"rows\":[]}]}", "sections[0].rows"),
                Arguments.of("{" + base + "\"type\":\"list\",\"text\":\"t\",\"button\":\"b\",\"sections\":[{\"title\":\"s\","
                        + "\"rows\":[" + rows(6, "a") + "]},{\"title\":\"s2\",\"rows\":[" + rows(5, "b") + "]}]}", "sections"),
                // template
                Arguments.of("{" + base + "\"type\":\"template\",\"language\":\"en_US\"}", "name"),
                Arguments.of("{" + base + "\"type\":\"template\",\"name\":\"hello_world\"}", "language"),
                Arguments.of("{" + base + "\"type\":\"template\",\"name\":\"n\",\"language\":\"en_US\",\"components\":{}}",
                        "components"),
                // reaction
                Arguments.of("{" + base + "\"type\":\"reaction\",\"emoji\":\"x\"}", "message_id"),
                Arguments.of("{" + base + "\"type\":\"reaction\",\"message_id\":\"wamid.1\"}", "emoji"),
                // location
                Arguments.of("{" + base + "\"type\":\"location\",\"longitude\":2.35}", "latitude"),
                Arguments.of("{" + base + "\"type\":\"location\",\"latitude\":48.85,\"longitude\":\"2.35\"}", "longitude"),
                Arguments.of("{" + base + "\"type\":\"location\",\"latitude\":91,\"longitude\":2.35}", "latitude"));
    }

    static String rows(int n, String prefix) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add("{\"id\":\"" + prefix + i + "\",\"title\":\"Row " + i + "\"}");
        }
        return String.join(",", rows);
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("badRequests")
    void aRequestThatBreaksARuleIsA400NamingTheField(String body, String field) throws Exception {
        HttpResponse<String> r = send(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("field").asText()).isEqualTo(field);
        assertThat(answer.path("error").asText()).isNotBlank();
        assertThat(all("whatsapp-replies")).isEmpty();
    }

    /** A valid request of each kind (contract C1). */
    static ObjectNode request(String provider, String type) {
        ObjectNode r = JSON.createObjectNode().put("provider", provider).put("account_id", "acct").put("chat_id", "chat")
                .put("type", type);
        switch (type) {
            case "text" -> r.put("text", "Hello");
            case "buttons" -> {
                r.put("text", "Pick one");
                r.putArray("buttons").addObject().put("id", "yes").put("title", "Yes");
            }
            case "list" -> {
                r.put("text", "Choose").put("button", "Options");
                r.putArray("sections").addObject().put("title", "S").putArray("rows").addObject().put("id", "r1")
                        .put("title", "Row 1");
            }
            case "template" -> r.put("name", "hello_world").put("language", "en_US");
            case "reaction" -> r.put("message_id", "m1").put("emoji", "\uD83D\uDC4D");
            case "location" -> r.put("latitude", 48.85).put("longitude", 2.35);
            default -> r.put("url", "https://example.com/file");
        }
        return r;
    }

    static final Map<String, List<String>> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("meta", List.of("text", "image", "video", "audio", "document", "sticker", "buttons", "list",
                "template", "reaction", "location"));
        KINDS.put("waha", List.of("text", "image", "video", "audio", "document", "buttons", "list", "reaction",
                "location"));
        KINDS.put("periskope", List.of("text", "image", "video", "audio", "document"));
        KINDS.put("unipile", List.of("text", "image", "video", "audio", "document"));  // media by media_sha256 only
        KINDS.put("evolution", List.of("text"));
    }

    static Stream<Arguments> kindsAProviderCannotSend() {
        List<Arguments> cases = new ArrayList<>();
        KINDS.forEach((provider, kinds) -> SendRequestRules.TYPES.stream().filter(t -> !kinds.contains(t))
                .forEach(t -> cases.add(Arguments.of(provider, t))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAProviderCannotSend")
    void aKindTheProviderCannotSendIsA422WithTheKindsItCan(String provider, String type) throws Exception {
        HttpResponse<String> r = send(request(provider, type).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.path("error").asText()).isEqualTo(provider + " cannot send " + type);
        assertThat(JSON.convertValue(answer.path("kinds"), List.class)).containsExactlyInAnyOrderElementsOf(KINDS.get(provider));
    }

    @Test
    void theKindsTableHasTwentyEightRefusals() {
        assertThat(kindsAProviderCannotSend().count()).isEqualTo(0 + 2 + 6 + 6 + 10); // meta, waha, periskope, unipile, evolution
    }

    @Test
    void anUnknownProviderOrOneSwitchedOffIsA422() throws Exception {
        HttpResponse<String> unknown = send(request("telegram", "text").toString());
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).isEqualTo("unknown provider telegram");
        // a media id is Meta's alone (media uploaded to Meta); WAHA and Periskope take a url (docs/sending.md)
        ObjectNode byId = request("waha", "image");
        byId.remove("url");
        byId.put("media_id", "1234567890");
        HttpResponse<String> mediaId = send(byId.toString());
        assertThat(mediaId.statusCode()).as(mediaId.body()).isEqualTo(422);
        assertThat(JSON.readTree(mediaId.body()).path("error").asText())
                .isEqualTo("waha sends media by url, not by media_id");
        // the providers are those whose route file declares <provider>SendKinds
        assertThat(JSON.convertValue(JSON.readTree(unknown.body()).path("providers"), List.class))
                .containsExactly("evolution", "meta", "periskope", "unipile", "waha");

        Properties off = new Properties();
        off.setProperty("gateway.waha.enabled", "false");
        camelContext.getPropertiesComponent().setOverrideProperties(off);
        try {
            HttpResponse<String> r = send(WAHA_TEXT);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
            assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("provider waha is switched off");
        } finally {
            camelContext.getPropertiesComponent().setOverrideProperties(new Properties());
        }
        assertThat(send(WAHA_TEXT).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() == 1);
    }

    @Test
    void aWrongTokenIs401AndNoTokenConfiguredIs404() throws Exception {
        assertThat(send(WAHA_TEXT, "wrong", null).statusCode()).isEqualTo(401);
        assertThat(send(WAHA_TEXT, null, null).statusCode()).isEqualTo(401);
        // the page's read token does not send
        assertThat(send(WAHA_TEXT, "test-admin-token", null).statusCode()).isEqualTo(401);
        SendApi api = camelContext.getRegistry().lookupByNameAndType("sendApi", SendApi.class);
        api.setToken("");
        try {
            assertThat(send(WAHA_TEXT, "test-send-token", null).statusCode()).isEqualTo(404);
        } finally {
            api.setToken("test-send-token");
        }
        assertThat(all("whatsapp-replies")).isEmpty();
        // GET /api/messages (the search) keeps serving, with the page token
        assertThat(get("/api/messages").statusCode()).isEqualTo(401);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/messages"))
                .header("Authorization", "Bearer test-admin-token").GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheBoundIs413() throws Exception {
        String big = "{\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"c@c.us\",\"type\":\"text\",\"text\":\""
                + "x".repeat(70_000) + "\"}";
        HttpResponse<String> r = send(big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(send(big, "wrong", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aMetaTextIsAllowedAt23h59mAfterTheLastInboundMessage() throws Exception {
        lastInbound(Instant.now().minus(Duration.ofHours(23).plusMinutes(59)));
        String text = request("meta", "text").put("account_id", META_ACCOUNT).put("chat_id", META_CHAT).toString();
        HttpResponse<String> r = send(text);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> metaSends().size() == 1);
    }

    @Test
    void aMetaGroupKnownFromItsChatDocumentIsAddressedAsAGroup() throws Exception {
        // a Meta group id carries no mark of its own: the chat's document (chat_type group) says it. Meta's Groups
        // API, "Send group messages": recipient_type "group", "to" the group id (providers.md 1.8)
        lastInbound(Instant.now().minus(Duration.ofHours(1)));
        HttpResponse<String> typed = es("POST", "/whatsapp-chats/_update/" + encode("meta:" + META_ACCOUNT + ":"
                + META_CHAT) + "?refresh=true", "{\"doc\":{\"chat_type\":\"group\"}}");
        assertThat(typed.statusCode()).as(typed.body()).isEqualTo(200);
        String text = request("meta", "text").put("account_id", META_ACCOUNT).put("chat_id", META_CHAT).toString();
        assertThat(send(text).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> metaSends().size() == 1);
        JsonNode body = JSON.readTree(metaSends().get(0).getBodyAsString());
        assertThat(body.path("recipient_type").asText()).isEqualTo("group");
        assertThat(body.path("to").asText()).isEqualTo(META_CHAT);
    }

    @Test
    void aMetaTextIsRefusedAt24h01mOrWithoutAnyInboundMessageAndATemplatePasses() throws Exception {
        String text = request("meta", "text").put("account_id", META_ACCOUNT).put("chat_id", META_CHAT).toString();
        HttpResponse<String> none = send(text);
        assertThat(none.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(none.body())).isEqualTo(JSON.readTree(
                "{\"error\":\"outside the 24-hour customer service window: send a template\"}"));

        lastInbound(Instant.now().minus(Duration.ofHours(24).plusMinutes(1)));
        HttpResponse<String> late = send(text);
        assertThat(late.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(late.body()).path("error").asText()).isEqualTo(SendApi.OUTSIDE_WINDOW);
        // a reaction is a free-form message too
        assertThat(send(request("meta", "reaction").put("account_id", META_ACCOUNT).put("chat_id", META_CHAT)
                .toString()).statusCode()).isEqualTo(422);
        assertThat(all("whatsapp-replies")).isEmpty();

        HttpResponse<String> template = send(request("meta", "template").put("account_id", META_ACCOUNT)
                .put("chat_id", META_CHAT).toString());
        assertThat(template.statusCode()).as(template.body()).isEqualTo(202);
        // other providers have no such window
        assertThat(send(WAHA_TEXT).statusCode()).isEqualTo(202);
    }

    @Test
    void theStateOfAnUnknownIdIs404AndNeedsAToken() throws Exception {
        assertThat(state("waha:default:out:0123456789abcdef0123456789abcdef", "test-send-token").statusCode())
                .isEqualTo(404);
        String id = JSON.readTree(send(WAHA_TEXT).body()).path("id").asText();
        assertThat(state(id, null).statusCode()).isEqualTo(401);
        // the page's read token reads it too
        HttpResponse<String> r = state(id, "test-admin-token");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("id").asText()).isEqualTo(id);
        // the id as is in the path, its colons not encoded
        r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/messages/" + id))
                .header("Authorization", "Bearer test-send-token").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("id").asText()).isEqualTo(id);
    }

    @Test
    void aRejectedSendIsDeadLetteredMarkedFailedAndReplayedThroughTheAdminApi() throws Exception {
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText"))
                .willReturn(aResponse().withStatus(400).withBody("{\"error\":\"bad chat\"}")));
        String id = JSON.readTree(send(WAHA_TEXT).body()).path("id").asText();
        await().atMost(Duration.ofSeconds(15)).until(() -> "failed".equals(stateOf(id).path("state").asText()));
        JsonNode state = stateOf(id);
        assertThat(state.path("error").asText()).isNotBlank();
        await().atMost(Duration.ofSeconds(5)).until(() -> "failed".equals(message(id).path("status").asText()));
        List<JsonNode> deadLetters = all("whatsapp-dead-letters");
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).path("reason").asText()).isEqualTo("send-failed");
        assertThat(deadLetters.get(0).path("ref").asText()).isEqualTo(id);

        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText"))
                .willReturn(okJson("{\"id\":\"true_15550100001@c.us_3EB0REPLAY000001\"}").withStatus(201)));
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/admin/dead-letters/" + encode(deadLetters.get(0).path("_id").asText()) + "/replay"))
                .header("Authorization", "Bearer test-admin-token").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(replay.body()).path("outcome").asText()).isEqualTo("requeued");
        await().atMost(Duration.ofSeconds(15)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        assertThat(stateOf(id).path("provider_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0REPLAY000001");
        assertThat(wahaSends()).hasSize(2);
    }

    @Test
    void aRateLimitedSendIsRetriedWithBackOff() throws Exception {
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText")).inScenario("rate").whenScenarioStateIs(
                com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(429)).willSetStateTo("ok"));
        String id = JSON.readTree(send(WAHA_TEXT).body()).path("id").asText();
        await().atMost(Duration.ofSeconds(15)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        assertThat(wahaSends()).hasSize(2);
        assertThat(all("whatsapp-dead-letters")).isEmpty();
    }

    @Test
    void aPendingSendWhoseDocumentIsMissingIsStoredThenSentByTheRecovery() throws Exception {
        // as if the gateway stopped between the outbox entry and the message document
        io.wagateway.reply.ReplyOutbox outbox = camelContext.getRegistry().lookupByNameAndType("replyOutbox",
                io.wagateway.reply.ReplyOutbox.class);
        String id = "waha:default:out:" + SendApi.key("waha", "default", "crashed-before-the-document");
        assertThat(outbox.enqueueSend(id, (ObjectNode) JSON.readTree(WAHA_TEXT), "direct").join()).isEqualTo("created");
        assertThat(message(id)).isNull();
        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "sent".equals(stateOf(id).path("state").asText()));
        assertThat(message(id).path("text").asText()).isEqualTo("Hello");
        // the client's retry with that key answers the same id
        HttpResponse<String> retry = send(WAHA_TEXT, "test-send-token", "crashed-before-the-document");
        assertThat(JSON.readTree(retry.body()).path("id").asText()).isEqualTo(id);
        assertStaysAt(() -> wahaSends().size(), 1);
    }

    @Test
    void aRouteSendsThroughDirectSendMessageWithAMap() throws Exception {
        Map<String, Object> body = JSON.convertValue(JSON.readTree(WAHA_TEXT), Map.class);
        String answer = camelContext.createProducerTemplate().requestBodyAndHeader("direct:send-message", body,
                "Idempotency-Key", "from-a-route", String.class);
        JsonNode json = JSON.readTree(answer);
        assertThat(json.path("id").asText()).isEqualTo("waha:default:out:" + SendApi.key("waha", "default", "from-a-route"));
        assertThat(json.path("state").asText()).isEqualTo("queued");
        await().atMost(Duration.ofSeconds(15)).until(() -> wahaSends().size() == 1);

        body.remove("text");
        assertThatThrownBy(() -> camelContext.createProducerTemplate().requestBody("direct:send-message", body))
                .isInstanceOf(CamelExecutionException.class)
                .hasCauseInstanceOf(SendRefusedException.class)
                .cause().hasFieldOrPropertyWithValue("status", 400);
    }
}
