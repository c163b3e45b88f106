package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.provider.unipile.UnipileMessageForm;
import io.wagateway.provider.waha.WahaNumberedMenus;
import io.wagateway.reply.ProviderSendApi;
import io.wagateway.reply.RateLimitedException;
import io.wagateway.reply.ReplyTask;
import io.wagateway.reply.SendRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider send routes of issue 19 (contract C3), loaded alone from the provider files (routes/*.camel.yaml) and
 * calling a WireMock server that stands in for every provider: {@code send-message-<provider>} for every kind the
 * provider supports, {@code mark-read-<provider>} and {@code typing-stop-<provider>}. Each test asserts the exact HTTP
 * request the provider gets (method, path, auth header, body) against the provider's documented shape, cited per
 * test (providers.md section and the vendor page), and what the route answers. No Elasticsearch, no Spring.
 */
class SendMessageRoutesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final List<String> PROVIDERS = List.of("meta", "waha", "periskope", "unipile", "evolution");

    private static final WireMockServer PROVIDER = new WireMockServer(WireMockConfiguration.options().dynamicPort());

    private static CamelContext context;

    @BeforeAll
    static void start() throws Exception {
        PROVIDER.start();
        String base = PROVIDER.baseUrl();
        Properties props = new Properties();
        props.setProperty("gateway.waha.base-url", base);
        props.setProperty("gateway.waha.api-key", "waha-key");
        props.setProperty("gateway.meta.graph-base-url", base);
        props.setProperty("gateway.meta.graph-version", "v23.0");
        props.setProperty("gateway.meta.access-token", "meta-token");
        props.setProperty("gateway.periskope.base-url", base + "/v1");
        props.setProperty("gateway.periskope.api-key", "periskope-key");
        props.setProperty("gateway.unipile.dsn", base);
        props.setProperty("gateway.unipile.api-key", "unipile-key");
        props.setProperty("gateway.evolution.base-url", base);
        props.setProperty("gateway.evolution.api-key", "evolution-key");
        Set<String> routes = new java.util.HashSet<>(Set.of("typing-start-waha", "waha-presence"));
        for (String p : PROVIDERS) {
            routes.addAll(Set.of("send-message-" + p, "mark-read-" + p, "typing-stop-" + p));
        }
        context = ProviderRoutes.load(
                List.of("waha", "meta-cloud-api", "periskope", "unipile", "evolution-api").stream()
                        .map(f -> Path.of("routes", f + ".camel.yaml")).toList(),
                routes, props,
                Map.of("providerSendApi", new ProviderSendApi(), "unipileMessageForm", new UnipileMessageForm(),
                        "mediaUpload", new io.wagateway.send.MediaUpload(),
                        "wahaNumberedMenus", new WahaNumberedMenus()));
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
        PROVIDER.stop();
    }

    @BeforeEach
    void reset() {
        PROVIDER.resetAll();
    }

    // ---------------------------------------------------------------- kit

    private static void answer(int status, String body) {
        PROVIDER.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** Runs direct:send-message-{provider} with a task whose request is {@code request} (JSON text). */
    private static Exchange send(String provider, String request) throws Exception {
        return send(provider, request, null);
    }

    private static Exchange send(String provider, String request, String chatType) throws Exception {
        ObjectNode r = (ObjectNode) MAPPER.readTree(request);
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("kind", "send");
        doc.put("provider", provider);
        doc.put("account_id", r.path("account_id").asText());
        doc.put("chat_id", r.path("chat_id").asText());
        if (chatType != null) {
            doc.put("chat_type", chatType);
        }
        doc.put("state", "sending");
        doc.set("request", r);
        ProducerTemplate producer = context.createProducerTemplate();
        return producer.send("direct:send-message-" + provider, e -> {
            e.setVariable("task", new ReplyTask(provider + ":x:out:k", 1, 1, doc));
            e.getMessage().setHeader("stale", "dropped");    // headers of the caller never reach the provider
        });
    }

    private static Exchange markRead(String route, String account, String chat, String messageId, boolean typing) {
        return context.createProducerTemplate().send("direct:" + route, e -> {
            e.setVariable("accountId", account);
            e.setVariable("chatId", chat);
            e.setVariable("messageId", messageId);
            e.setVariable("typing", typing);
        });
    }

    /** @return the requests the provider got, oldest first */
    private static List<LoggedRequest> calls() {
        return PROVIDER.getAllServeEvents().stream()
                .sorted(Comparator.comparing(s -> s.getRequest().getLoggedDate()))
                .map(s -> s.getRequest()).toList();
    }

    /** @return the single request the provider got */
    private static LoggedRequest call() {
        List<LoggedRequest> calls = calls();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).getHeader("stale")).isNull();
        return calls.get(0);
    }

    private static JsonNode json(LoggedRequest request) throws Exception {
        return MAPPER.readTree(request.getBodyAsString());
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    private static String id(Exchange done) {
        assertThat(done.getException()).isNull();
        return done.getMessage().getBody(String.class);
    }

    // ---------------------------------------------------------------- Meta (providers.md 1.8)

    private static final String META_OK = "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.OUT\"}]}";
    private static final String META = "\"provider\":\"meta\",\"account_id\":\"106540352242922\",\"chat_id\":\"15550100001\",";

    private static LoggedRequest metaCall() {
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo("POST");
        assertThat(r.getUrl()).isEqualTo("/v23.0/106540352242922/messages");
        assertThat(r.getHeader("Authorization")).isEqualTo("Bearer meta-token");
        assertThat(r.getHeader("Content-Type")).startsWith("application/json");
        return r;
    }

    /** Meta "Send messages" / providers.md 1.8 text body, byte for byte as send-reply-meta sends it. */
    @Test
    void metaText() throws Exception {
        answer(200, META_OK);
        String id = id(send("meta", "{" + META + "\"type\":\"text\",\"text\":\"Hello\"}"));
        assertThat(metaCall().getBodyAsString()).isEqualTo("{\"messaging_product\":\"whatsapp\","
                + "\"recipient_type\":\"individual\",\"to\":\"15550100001\",\"type\":\"text\","
                + "\"text\":{\"preview_url\":false,\"body\":\"Hello\"}}");
        assertThat(id).isEqualTo("wamid.OUT");
    }

    /** preview_url passes through; reply_to becomes context.message_id (providers.md 1.8 "Reply to a message"). */
    @Test
    void metaTextWithPreviewQuotingAMessage() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"text\",\"text\":\"see https://x.test\",\"preview_url\":true,"
                + "\"reply_to\":\"wamid.IN\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"text\",\"text\":{\"preview_url\":true,\"body\":\"see https://x.test\"},"
                + "\"context\":{\"message_id\":\"wamid.IN\"}}"));
    }

    /** Media by id with a caption: providers.md 1.8 image example ({"image":{"id","caption"}}). */
    @Test
    void metaImageById() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"image\",\"media_id\":\"1234\",\"caption\":\"Look\",\"mime_type\":\"image/jpeg\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"image\",\"image\":{\"id\":\"1234\",\"caption\":\"Look\"}}"));
    }

    /** Media by link: Meta "Send messages", media object {link, caption}. */
    @Test
    void metaVideoByLink() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"video\",\"url\":\"https://cdn.test/v.mp4\",\"caption\":\"Clip\"}");
        assertThat(json(metaCall()).get("video")).isEqualTo(json("{\"link\":\"https://cdn.test/v.mp4\",\"caption\":\"Clip\"}"));
        assertThat(json(calls().get(0)).get("type").asText()).isEqualTo("video");
    }

    /** Audio and sticker take no caption (Meta "Audio messages", "Sticker messages"): a caption is not sent. */
    @Test
    void metaAudioAndStickerCarryNoCaption() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"audio\",\"url\":\"https://cdn.test/a.ogg\",\"caption\":\"ignored\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"audio\",\"audio\":{\"link\":\"https://cdn.test/a.ogg\"}}"));
        PROVIDER.resetRequests();
        send("meta", "{" + META + "\"type\":\"sticker\",\"media_id\":\"77\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"sticker\",\"sticker\":{\"id\":\"77\"}}"));
    }

    /** Document by link with filename: providers.md 1.8 document example ({"document":{"link","filename"}}). */
    @Test
    void metaDocument() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"document\",\"url\":\"https://cdn.test/a.pdf\",\"filename\":\"a.pdf\","
                + "\"caption\":\"Invoice\"}");
        assertThat(json(metaCall()).get("document")).isEqualTo(json(
                "{\"link\":\"https://cdn.test/a.pdf\",\"caption\":\"Invoice\",\"filename\":\"a.pdf\"}"));
    }

    /** Reply buttons: providers.md 1.8 and Meta "Interactive reply buttons messages" - the issue's example request. */
    @Test
    void metaButtons() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"buttons\",\"text\":\"Pick one\",\"header\":\"Menu\",\"footer\":\"Thanks\","
                + "\"buttons\":[{\"id\":\"yes\",\"title\":\"Yes\"},{\"id\":\"no\",\"title\":\"No\"}]}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"interactive\",\"interactive\":{\"type\":\"button\","
                + "\"header\":{\"type\":\"text\",\"text\":\"Menu\"},\"body\":{\"text\":\"Pick one\"},"
                + "\"footer\":{\"text\":\"Thanks\"},\"action\":{\"buttons\":["
                + "{\"type\":\"reply\",\"reply\":{\"id\":\"yes\",\"title\":\"Yes\"}},"
                + "{\"type\":\"reply\",\"reply\":{\"id\":\"no\",\"title\":\"No\"}}]}}}"));
    }

    /** List: providers.md 1.8 and Meta "Interactive list messages" (action.button, sections[].rows[]). */
    @Test
    void metaList() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"list\",\"text\":\"Our shop\",\"button\":\"See\",\"reply_to\":\"wamid.IN\","
                + "\"sections\":[{\"title\":\"Fruit\",\"rows\":[{\"id\":\"a\",\"title\":\"Apple\",\"description\":\"red\"},"
                + "{\"id\":\"b\",\"title\":\"Banana\"}]},{\"title\":\"Veg\",\"rows\":[{\"id\":\"c\",\"title\":\"Carrot\"}]}]}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"interactive\",\"interactive\":{\"type\":\"list\","
                + "\"body\":{\"text\":\"Our shop\"},\"action\":{\"button\":\"See\",\"sections\":["
                + "{\"title\":\"Fruit\",\"rows\":[{\"id\":\"a\",\"title\":\"Apple\",\"description\":\"red\"},"
                + "{\"id\":\"b\",\"title\":\"Banana\"}]},{\"title\":\"Veg\",\"rows\":[{\"id\":\"c\",\"title\":\"Carrot\"}]}]}},"
                + "\"context\":{\"message_id\":\"wamid.IN\"}}"));
    }

    /** Template: Meta "Template messages" ({"template":{"name","language":{"code"},"components"}}). */
    @Test
    void metaTemplate() throws Exception {
        answer(200, META_OK);
        String components = "[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Ana\"}]}]";
        send("meta", "{" + META + "\"type\":\"template\",\"name\":\"order_update\",\"language\":\"en_US\","
                + "\"components\":" + components + "}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"template\",\"template\":{\"name\":\"order_update\","
                + "\"language\":{\"code\":\"en_US\"},\"components\":" + components + "}}"));
        PROVIDER.resetRequests();
        send("meta", "{" + META + "\"type\":\"template\",\"name\":\"hello_world\",\"language\":\"en_US\"}");
        assertThat(json(metaCall()).get("template")).isEqualTo(json(
                "{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}"));
    }

    /** Reaction: Meta "Reaction messages" ({"reaction":{"message_id","emoji"}}); "" removes it. */
    @Test
    void metaReaction() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"reaction\",\"message_id\":\"wamid.IN\",\"emoji\":\"👍\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"reaction\",\"reaction\":{\"message_id\":\"wamid.IN\",\"emoji\":\"👍\"}}"));
        PROVIDER.resetRequests();
        send("meta", "{" + META + "\"type\":\"reaction\",\"message_id\":\"wamid.IN\",\"emoji\":\"\"}");
        assertThat(json(metaCall()).get("reaction").get("emoji").asText()).isEmpty();
    }

    /** Location: Meta "Location messages" ({"location":{"latitude","longitude","name","address"}}). */
    @Test
    void metaLocation() throws Exception {
        answer(200, META_OK);
        send("meta", "{" + META + "\"type\":\"location\",\"latitude\":38.8937255,\"longitude\":-77.0969763,"
                + "\"name\":\"Office\",\"address\":\"1 Main St\"}");
        assertThat(json(metaCall())).isEqualTo(json("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"location\",\"location\":{\"latitude\":38.8937255,"
                + "\"longitude\":-77.0969763,\"name\":\"Office\",\"address\":\"1 Main St\"}}"));
    }

    /** A group (the entry's chat_type) and a BSUID chat are addressed as send-reply-meta does (providers.md 1.8). */
    @Test
    void metaGroupAndBsuidAddressing() throws Exception {
        answer(200, META_OK);
        send("meta", "{\"provider\":\"meta\",\"account_id\":\"106540352242922\",\"chat_id\":\"120363000000000000\","
                + "\"type\":\"text\",\"text\":\"hi\"}", "group");
        JsonNode group = json(metaCall());
        assertThat(group.get("recipient_type").asText()).isEqualTo("group");
        assertThat(group.get("to").asText()).isEqualTo("120363000000000000");
        PROVIDER.resetRequests();
        send("meta", "{\"provider\":\"meta\",\"account_id\":\"106540352242922\",\"chat_id\":\"US.13491208655302741918\","
                + "\"type\":\"text\",\"text\":\"hi\"}");
        JsonNode bsuid = json(metaCall());
        assertThat(bsuid.get("recipient").asText()).isEqualTo("US.13491208655302741918");
        assertThat(bsuid.has("to")).isFalse();
    }

    /** Meta's error codes: 131047 (outside the window) is rejected, 130429 rate-limited (providers.md 1.8 table). */
    @Test
    void metaErrors() throws Exception {
        answer(400, "{\"error\":{\"message\":\"Re-engagement message\",\"code\":131047}}");
        Exchange rejected = send("meta", "{" + META + "\"type\":\"text\",\"text\":\"late\"}");
        assertThat(rejected.getException()).isInstanceOf(SendRejectedException.class);
        answer(400, "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429}}");
        Exchange limited = send("meta", "{" + META + "\"type\":\"text\",\"text\":\"many\"}");
        assertThat(limited.getException()).isInstanceOf(RateLimitedException.class);
    }

    /** Read receipt + typing indicator in one call: Meta's "typing-indicators" page (providers.md 1.x). */
    @Test
    void metaMarkReadWithTyping() throws Exception {
        answer(200, "{\"success\":true}");
        Exchange done = markRead("mark-read-meta", "106540352242922", "15550100001", "wamid.IN", true);
        assertThat(id(done)).isEqualTo("sent");
        assertThat(metaCall().getBodyAsString()).isEqualTo("{\"messaging_product\":\"whatsapp\",\"status\":\"read\","
                + "\"message_id\":\"wamid.IN\",\"typing_indicator\":{\"type\":\"text\"}}");
        PROVIDER.resetRequests();
        assertThat(id(markRead("mark-read-meta", "106540352242922", "15550100001", "wamid.IN", false))).isEqualTo("sent");
        assertThat(metaCall().getBodyAsString()).isEqualTo("{\"messaging_product\":\"whatsapp\",\"status\":\"read\","
                + "\"message_id\":\"wamid.IN\"}");
    }

    /** Meta marks a message, not a chat: without a message id nothing is sent; typing ends by itself. */
    @Test
    void metaWithoutMessageIdAndTypingStopAreNotSupported() throws Exception {
        answer(200, "{\"success\":true}");
        assertThat(id(markRead("mark-read-meta", "106540352242922", "15550100001", null, true))).isEqualTo("not_supported");
        assertThat(id(markRead("typing-stop-meta", "106540352242922", "15550100001", "wamid.IN", false)))
                .isEqualTo("not_supported");
        assertThat(calls()).isEmpty();
    }

    @Test
    void metaMarkReadRejected() throws Exception {
        answer(400, "{\"error\":{\"message\":\"Invalid parameter\",\"code\":100}}");
        assertThat(markRead("mark-read-meta", "106540352242922", "15550100001", "wamid.IN", true).getException())
                .isInstanceOf(SendRejectedException.class);
    }

    // ---------------------------------------------------------------- WAHA (providers.md 2.9)

    private static final String WAHA_OK = "{\"id\":{\"_serialized\":\"true_15550100001@c.us_OUT\"}}";
    private static final String WAHA = "\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"15550100001@c.us\",";

    private static LoggedRequest wahaCall(String method, String api) {
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo(method);
        assertThat(r.getUrl()).isEqualTo("/api/" + api + "");
        assertThat(r.getHeader("X-Api-Key")).isEqualTo("waha-key");
        assertThat(r.getHeader("Content-Type")).startsWith("application/json");
        return r;
    }

    /** sendText: providers.md 2.9, WAHA's api-sendText page; the issue's example request. */
    @Test
    void wahaText() throws Exception {
        answer(201, WAHA_OK);
        String id = id(send("waha", "{" + WAHA + "\"type\":\"text\",\"text\":\"Hello\"}"));
        assertThat(wahaCall("POST", "sendText").getBodyAsString())
                .isEqualTo("{\"session\":\"default\",\"chatId\":\"15550100001@c.us\",\"text\":\"Hello\"}");
        assertThat(id).isEqualTo("true_15550100001@c.us_OUT");
    }

    /** sendText with reply_to and linkPreview (providers.md 2.9 optional fields). */
    @Test
    void wahaTextQuotingWithoutPreview() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"text\",\"text\":\"Hi\",\"preview_url\":false,\"reply_to\":\"false_1555@c.us_A\"}");
        assertThat(json(wahaCall("POST", "sendText"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"text\":\"Hi\",\"linkPreview\":false,\"reply_to\":\"false_1555@c.us_A\"}"));
    }

    /** sendImage: WAHA's api-sendImage page ({session, chatId, file{mimetype,url,filename}, caption}). */
    @Test
    void wahaImage() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"image\",\"url\":\"https://cdn.test/p.jpg\",\"mime_type\":\"image/jpeg\","
                + "\"caption\":\"Look\"}");
        assertThat(json(wahaCall("POST", "sendImage"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"file\":{\"mimetype\":\"image/jpeg\",\"url\":\"https://cdn.test/p.jpg\"},"
                + "\"caption\":\"Look\"}"));
    }

    /** sendVideo: WAHA's api-sendVideo page. */
    @Test
    void wahaVideo() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"video\",\"url\":\"https://cdn.test/v.mp4\",\"mime_type\":\"video/mp4\","
                + "\"caption\":\"Clip\"}");
        assertThat(json(wahaCall("POST", "sendVideo"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"file\":{\"mimetype\":\"video/mp4\",\"url\":\"https://cdn.test/v.mp4\"},"
                + "\"caption\":\"Clip\"}"));
    }

    /** sendVoice: WAHA's api-sendVoice page (no caption). */
    @Test
    void wahaAudio() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"audio\",\"url\":\"https://cdn.test/a.opus\","
                + "\"mime_type\":\"audio/ogg; codecs=opus\"}");
        assertThat(json(wahaCall("POST", "sendVoice"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"file\":{\"mimetype\":\"audio/ogg; codecs=opus\","
                + "\"url\":\"https://cdn.test/a.opus\"}}"));
    }

    /** sendFile: WAHA's api-sendFile page (file.filename, caption); reply_to ("available in all messages"). */
    @Test
    void wahaDocument() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"document\",\"url\":\"https://cdn.test/a.pdf\",\"mime_type\":\"application/pdf\","
                + "\"filename\":\"a.pdf\",\"caption\":\"Invoice\",\"reply_to\":\"false_1555@c.us_A\"}");
        assertThat(json(wahaCall("POST", "sendFile"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"file\":{\"mimetype\":\"application/pdf\",\"url\":\"https://cdn.test/a.pdf\","
                + "\"filename\":\"a.pdf\"},\"caption\":\"Invoice\",\"reply_to\":\"false_1555@c.us_A\"}"));
    }

    /** WAHA's file object takes a url (or bytes), not a provider media id: the send fails before any call. */
    @Test
    void wahaMediaByIdIsNotSent() throws Exception {
        answer(201, WAHA_OK);
        Exchange done = send("waha", "{" + WAHA + "\"type\":\"image\",\"media_id\":\"1234\"}");
        assertThat(done.getException()).isNotNull();
        assertThat(calls()).isEmpty();
    }

    /** sendLocation: WAHA's api-sendLocation page ({latitude, longitude, title}). */
    @Test
    void wahaLocation() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"location\",\"latitude\":38.8937255,\"longitude\":-77.0969763,"
                + "\"name\":\"Our office\"}");
        assertThat(wahaCall("POST", "sendLocation").getBodyAsString()).isEqualTo("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"latitude\":38.8937255,\"longitude\":-77.0969763,\"title\":\"Our office\"}");
    }

    /** Reaction: PUT /api/reaction {session, messageId, reaction} (WAHA's api-reaction page); never a reply_to. */
    @Test
    void wahaReaction() throws Exception {
        answer(200, "{}");
        String id = id(send("waha", "{" + WAHA + "\"type\":\"reaction\",\"message_id\":\"false_1555@c.us_A\",\"emoji\":\"👍\","
                + "\"reply_to\":\"false_1555@c.us_B\"}"));
        assertThat(json(wahaCall("PUT", "reaction"))).isEqualTo(json(
                "{\"session\":\"default\",\"messageId\":\"false_1555@c.us_A\",\"reaction\":\"👍\"}"));
        assertThat(id).isNull();
    }

    /** Buttons as numbered text through sendText (issue 19 item 2; docs/sending.md "WAHA numbered menus"). */
    @Test
    void wahaButtonsAreNumberedText() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"buttons\",\"header\":\"Menu\",\"text\":\"Pick one\",\"footer\":\"Thanks\","
                + "\"reply_to\":\"false_1555@c.us_A\",\"buttons\":[{\"id\":\"yes\",\"title\":\"Yes\"},{\"id\":\"no\",\"title\":\"No\"}]}");
        assertThat(json(wahaCall("POST", "sendText"))).isEqualTo(json("{\"session\":\"default\","
                + "\"chatId\":\"15550100001@c.us\",\"text\":\"Menu\\n\\nPick one\\n\\n1. Yes\\n2. No\\n\\nThanks\","
                + "\"reply_to\":\"false_1555@c.us_A\"}"));
    }

    /** A list's rows are numbered across sections, each section title on its own line. */
    @Test
    void wahaListIsNumberedText() throws Exception {
        answer(201, WAHA_OK);
        send("waha", "{" + WAHA + "\"type\":\"list\",\"text\":\"Our shop\",\"button\":\"See\",\"sections\":["
                + "{\"title\":\"Fruit\",\"rows\":[{\"id\":\"a\",\"title\":\"Apple\",\"description\":\"red\"},{\"id\":\"b\",\"title\":\"Banana\"}]},"
                + "{\"title\":\"Veg\",\"rows\":[{\"id\":\"c\",\"title\":\"Carrot\"}]}]}");
        assertThat(json(wahaCall("POST", "sendText")).get("text").asText())
                .isEqualTo("Our shop\n\nFruit\n1. Apple - red\n2. Banana\n\nVeg\n3. Carrot");
    }

    /** sendSeen, then startTyping (providers.md 2.9; WAHA's "Presence" page and the anti-blocking flow). */
    @Test
    void wahaMarkReadWithTyping() throws Exception {
        answer(200, "{\"result\":true}");
        assertThat(id(markRead("mark-read-waha", "default", "15550100001@c.us", "false_1555@c.us_A", true))).isEqualTo("sent");
        List<LoggedRequest> calls = calls();
        assertThat(calls).extracting(LoggedRequest::getUrl).containsExactly(
                "/api/sendSeen", "/api/startTyping");
        assertThat(calls).allSatisfy(r -> {
            assertThat(r.getMethod().getName()).isEqualTo("POST");
            assertThat(r.getHeader("X-Api-Key")).isEqualTo("waha-key");
        });
        assertThat(json(calls.get(0))).isEqualTo(json(
                "{\"session\":\"default\",\"chatId\":\"15550100001@c.us\",\"messageIds\":[\"false_1555@c.us_A\"]}"));
        assertThat(json(calls.get(1))).isEqualTo(json("{\"session\":\"default\",\"chatId\":\"15550100001@c.us\"}"));
    }

    /** Without typing: sendSeen alone; without a message id the whole chat is marked seen. */
    @Test
    void wahaMarkReadAlone() throws Exception {
        answer(200, "{}");
        assertThat(id(markRead("mark-read-waha", "default", "15550100001@c.us", null, false))).isEqualTo("sent");
        assertThat(json(wahaCall("POST", "sendSeen"))).isEqualTo(json(
                "{\"session\":\"default\",\"chatId\":\"15550100001@c.us\"}"));
    }

    @Test
    void wahaTypingStop() throws Exception {
        answer(200, "{\"result\":true}");
        assertThat(id(markRead("typing-stop-waha", "default", "15550100001@c.us", null, false))).isEqualTo("sent");
        assertThat(json(wahaCall("POST", "stopTyping"))).isEqualTo(json(
                "{\"session\":\"default\",\"chatId\":\"15550100001@c.us\"}"));
    }

    @Test
    void wahaMarkReadRejected() throws Exception {
        answer(422, "{\"message\":\"session not found\"}");
        assertThat(markRead("mark-read-waha", "nope", "15550100001@c.us", null, true).getException())
                .isInstanceOf(SendRejectedException.class);
        assertThat(calls()).hasSize(1);     // no startTyping after a refused sendSeen
    }

    // ---------------------------------------------------------------- Periskope (providers.md 3.7)

    private static final String PERISKOPE = "\"provider\":\"periskope\",\"account_id\":\"+1 555-010-0000\","
            + "\"chat_id\":\"15550100001@c.us\",";

    private static LoggedRequest periskopeCall() {
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo("POST");
        assertThat(r.getUrl()).isEqualTo("/v1/message/send");
        assertThat(r.getHeader("Authorization")).isEqualTo("Bearer periskope-key");
        assertThat(r.getHeader("x-phone")).isEqualTo("15550100000");
        return r;
    }

    /** Text: Periskope's send-message page ({chat_id, message, reply_to}), providers.md 3.7. */
    @Test
    void periskopeText() throws Exception {
        answer(200, "{\"unique_id\":\"q-1\"}");
        String id = id(send("periskope", "{" + PERISKOPE + "\"type\":\"text\",\"text\":\"Hello\",\"reply_to\":\"true_X\"}"));
        assertThat(periskopeCall().getBodyAsString())
                .isEqualTo("{\"chat_id\":\"15550100001@c.us\",\"message\":\"Hello\",\"reply_to\":\"true_X\"}");
        assertThat(id).isEqualTo("q-1");
    }

    /** Media by url: {message = caption, media {type, filename, mimetype, url}} (docs/sending.md, Periskope). */
    @Test
    void periskopeMedia() throws Exception {
        answer(200, "{\"unique_id\":\"q-2\"}");
        send("periskope", "{" + PERISKOPE + "\"type\":\"document\",\"url\":\"https://cdn.test/a.pdf\","
                + "\"mime_type\":\"application/pdf\",\"filename\":\"a.pdf\",\"caption\":\"Invoice\"}");
        assertThat(json(periskopeCall())).isEqualTo(json("{\"chat_id\":\"15550100001@c.us\",\"message\":\"Invoice\","
                + "\"media\":{\"type\":\"document\",\"filename\":\"a.pdf\",\"mimetype\":\"application/pdf\","
                + "\"url\":\"https://cdn.test/a.pdf\"}}"));
        for (String kind : List.of("image", "video", "audio")) {
            PROVIDER.resetRequests();
            send("periskope", "{" + PERISKOPE + "\"type\":\"" + kind + "\",\"url\":\"https://cdn.test/m\"}");
            assertThat(json(periskopeCall())).as(kind).isEqualTo(json("{\"chat_id\":\"15550100001@c.us\",\"message\":\"\","
                    + "\"media\":{\"type\":\"" + kind + "\",\"url\":\"https://cdn.test/m\"}}"));
        }
    }

    @Test
    void periskopeHasNoReadReceiptOrTyping() throws Exception {
        assertThat(id(markRead("mark-read-periskope", "15550100000", "15550100001@c.us", "x", true))).isEqualTo("not_supported");
        assertThat(id(markRead("typing-stop-periskope", "15550100000", "15550100001@c.us", "x", false))).isEqualTo("not_supported");
        assertThat(calls()).isEmpty();
    }

    // ---------------------------------------------------------------- Unipile (providers.md 4.6)

    /** Text: POST /api/v1/chats/{chat_id}/messages, multipart text + quote_id (providers.md 4.6). */
    @Test
    void unipileText() throws Exception {
        answer(201, "{\"object\":\"MessageSent\",\"message_id\":\"msg_OUT\"}");
        String id = id(send("unipile", "{\"provider\":\"unipile\",\"account_id\":\"acc-1\",\"chat_id\":\"chat-9\","
                + "\"type\":\"text\",\"text\":\"Hello, world\",\"reply_to\":\"msg_123\"}"));
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo("POST");
        assertThat(r.getUrl()).isEqualTo("/api/v1/chats/chat-9/messages");
        assertThat(r.getHeader("X-API-KEY")).isEqualTo("unipile-key");
        assertThat(r.getHeader("Content-Type")).startsWith("multipart/form-data");
        String body = new String(r.getBody(), StandardCharsets.UTF_8);
        assertThat(body).contains("name=\"text\"").contains("Hello, world")
                .contains("name=\"quote_id\"").contains("msg_123");
        assertThat(id).isEqualTo("msg_OUT");
    }

    /** Read: PATCH /api/v1/chats/{chat_id} {"action":"setReadStatus","value":true} (Unipile "Perform an action"). */
    @Test
    void unipileMarkRead() throws Exception {
        answer(200, "{\"object\":\"ChatPatched\"}");
        assertThat(id(markRead("mark-read-unipile", "acc-1", "chat-9", "msg_1", true))).isEqualTo("sent");
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo("PATCH");
        assertThat(r.getUrl()).isEqualTo("/api/v1/chats/chat-9");
        assertThat(r.getHeader("X-API-KEY")).isEqualTo("unipile-key");
        assertThat(r.getBodyAsString()).isEqualTo("{\"action\":\"setReadStatus\",\"value\":true}");
        PROVIDER.resetRequests();
        assertThat(id(markRead("typing-stop-unipile", "acc-1", "chat-9", null, false))).isEqualTo("not_supported");
        assertThat(calls()).isEmpty();
    }

    // ---------------------------------------------------------------- Evolution API

    /** Text: POST /message/sendText/{instance} {number, text} (as send-reply-evolution). */
    @Test
    void evolutionText() throws Exception {
        answer(201, "{\"key\":{\"id\":\"EVO1\"}}");
        String id = id(send("evolution", "{\"provider\":\"evolution\",\"account_id\":\"inst\",\"chat_id\":\"5511@s.whatsapp.net\","
                + "\"type\":\"text\",\"text\":\"Hello\"}"));
        LoggedRequest r = call();
        assertThat(r.getMethod().getName()).isEqualTo("POST");
        assertThat(r.getUrl()).isEqualTo("/message/sendText/inst");
        assertThat(r.getHeader("apikey")).isEqualTo("evolution-key");
        assertThat(r.getBodyAsString()).isEqualTo("{\"number\":\"5511@s.whatsapp.net\",\"text\":\"Hello\"}");
        assertThat(id).isEqualTo("EVO1");
        assertThat(id(markRead("mark-read-evolution", "inst", "x", "y", true))).isEqualTo("not_supported");
        assertThat(id(markRead("typing-stop-evolution", "inst", "x", "y", true))).isEqualTo("not_supported");
    }

    // ---------------------------------------------------------------- kinds a provider cannot send

    /** The kinds of contract C1, and for each provider those its SendKinds bean declares (SendKindsTest). */
    private static final List<String> ALL_KINDS = List.of("text", "image", "video", "audio", "document", "sticker",
            "buttons", "list", "template", "reaction", "location");

    private static final Map<String, List<String>> KINDS = Map.of(
            "meta", ALL_KINDS,
            "waha", List.of("text", "image", "video", "audio", "document", "location", "reaction", "buttons", "list"),
            "periskope", List.of("text", "image", "video", "audio", "document"),
            "unipile", List.of("text"),
            "evolution", List.of("text"));

    /**
     * The send API answers 422 for a kind outside a provider's SendKinds; should such a request reach the route
     * anyway, it fails without calling the provider (no body is guessed).
     */
    @Test
    void aKindOutsideTheProvidersListIsNeverSent() throws Exception {
        answer(200, "{}");
        int checked = 0;
        for (String provider : PROVIDERS) {
            for (String kind : ALL_KINDS) {
                if (KINDS.get(provider).contains(kind)) {
                    continue;
                }
                Exchange done = send(provider, "{\"provider\":\"" + provider + "\",\"account_id\":\"acc\","
                        + "\"chat_id\":\"15550100001@c.us\",\"type\":\"" + kind + "\",\"text\":\"x\","
                        + "\"url\":\"https://cdn.test/m\",\"name\":\"t\",\"language\":\"en_US\","
                        + "\"message_id\":\"m\",\"emoji\":\"+\",\"latitude\":1,\"longitude\":2,"
                        + "\"buttons\":[{\"id\":\"a\",\"title\":\"A\"}],"
                        + "\"sections\":[{\"rows\":[{\"id\":\"a\",\"title\":\"A\"}]}],\"button\":\"B\"}");
                assertThat(done.getException()).as(provider + " " + kind).isNotNull();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(2 + 6 + 10 + 10);
        assertThat(calls()).isEmpty();
    }
}
