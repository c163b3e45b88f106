package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.provider.unipile.UnipileMessageForm;
import io.wagateway.reply.ProviderSendApi;
import io.wagateway.reply.ReplyTask;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.hc.core5.http.HttpEntity;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Route-level tests of each provider's {@code send-reply-<provider>} route, loaded with the
 * {@code send-message-<provider>} route it hands the reply to from its provider file (routes/*.camel.yaml): the HTTP call is replaced by a {@link MockEndpoint} (AdviceWith), which answers like the
 * provider; the test asserts the exact request each route builds - URL, headers, body - for a text, a reply that
 * quotes the inbound message, a Meta BSUID chat and a Meta group, and the message id read from the answer.
 * No Elasticsearch, no Spring.
 */
class SendReplyRoutesTest {

    /** Quotes, backslash, newline and an emoji (surrogate pair). */
    private static final String TRICKY = "He said \"hi\" \\ then\nleft 👋";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static CamelContext context;

    @BeforeAll
    static void start() throws Exception {
        Properties props = new Properties();
        props.setProperty("gateway.waha.base-url", "http://waha.test:3000");
        props.setProperty("gateway.waha.api-key", "waha-key");
        props.setProperty("gateway.meta.graph-base-url", "http://graph.test");
        props.setProperty("gateway.meta.graph-version", "v23.0");
        props.setProperty("gateway.meta.access-token", "meta-token");
        props.setProperty("gateway.periskope.base-url", "http://periskope.test/v1");
        props.setProperty("gateway.periskope.api-key", "periskope-key");
        props.setProperty("gateway.unipile.dsn", "http://unipile.test:13111");
        props.setProperty("gateway.unipile.api-key", "unipile-key");
        List<String> files = List.of("waha", "meta-cloud-api", "periskope", "unipile");
        // since issue 19 each send-reply-<provider> hands the reply's text request to send-message-<provider>,
        // which makes the HTTP call
        Set<String> loaded = new java.util.HashSet<>(ROUTES);
        ROUTES.forEach(r -> loaded.add(r.replace("send-reply-", "send-message-")));
        context = ProviderRoutes.load(files.stream().map(f -> Path.of("routes", f + ".camel.yaml")).toList(),
                loaded, props,
                Map.of("providerSendApi", new ProviderSendApi(), "unipileMessageForm", new UnipileMessageForm(),
                        "mediaUpload", new io.wagateway.send.MediaUpload(),
                        "wahaNumberedMenus", new io.wagateway.provider.waha.WahaNumberedMenus()));
        for (String routeId : ROUTES.stream().map(r -> r.replace("send-reply-", "send-message-")).toList()) {
            AdviceWith.adviceWith(context, routeId, a -> a.interceptSendToEndpoint("http*")
                    .skipSendToOriginalEndpoint()
                    .to("mock:provider"));
        }
        context.start();
    }

    private static final List<String> ROUTES =
            List.of("send-reply-waha", "send-reply-meta", "send-reply-periskope", "send-reply-unipile");

    @AfterAll
    static void stop() {
        context.stop();
    }

    /** Runs {@code routeId} on an outbox entry; the provider answers {@code status} / {@code answer}. */
    private Sent send(String routeId, ObjectNode doc, int status, String answer) throws Exception {
        MockEndpoint provider = context.getEndpoint("mock:provider", MockEndpoint.class);
        provider.reset();
        provider.expectedMessageCount(1);
        provider.whenAnyExchangeReceived(e -> {
            e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
            e.getMessage().setBody(answer);
        });
        ProducerTemplate producer = context.createProducerTemplate();
        Exchange done = producer.send("direct:" + routeId, e -> {
            e.setVariable("task", new ReplyTask("reply-1", 1, 1, doc));
            e.getMessage().setHeader("stale", "dropped");   // headers of the caller never reach the provider
        });
        provider.assertIsSatisfied();
        Exchange request = provider.getExchanges().get(0);
        return new Sent(request.getIn(), request.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class),
                done.getException(), done.getMessage().getBody(String.class));
    }

    private record Sent(Message request, String url, Exception failure, String messageId) {
        String body() {
            return request.getBody(String.class);
        }
    }

    private static ObjectNode task(String provider, String account, String chat, String chatType, String inboundId,
            String text) {
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("provider", provider);
        doc.put("account_id", account);
        doc.put("chat_id", chat);
        doc.put("chat_type", chatType);
        doc.put("inbound_message_id", inboundId);
        doc.put("inbound_text", "question");
        doc.put("state", "sending");
        doc.put("reply_text", text);
        return doc;
    }

    // ---------------------------------------------------------------- WAHA (providers.md 2.9)

    @Test
    void wahaText() throws Exception {
        Sent sent = send("send-reply-waha",
                task("waha", "default", "15550100001@c.us", "direct", null, "Hello"), 201,
                "{\"id\":{\"_serialized\":\"true_15550100001@c.us_OUT1\"}}");
        assertThat(sent.url()).isEqualTo("http://waha.test:3000/api/sendText?throwExceptionOnFailure=false");
        assertThat(sent.request().getHeader("X-Api-Key")).isEqualTo("waha-key");
        assertThat(sent.request().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(sent.request().getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        assertThat(sent.request().getHeader("stale")).isNull();
        assertThat(sent.body()).isEqualTo("{\"session\":\"default\",\"chatId\":\"15550100001@c.us\",\"text\":\"Hello\"}");
        assertThat(sent.messageId()).isEqualTo("true_15550100001@c.us_OUT1");
    }

    @Test
    void wahaReplyQuotesTheInboundMessage() throws Exception {
        Sent sent = send("send-reply-waha",
                task("waha", "default", "120363000000000000@g.us", "group", "false_1555@c.us_ABC", TRICKY), 201,
                "{\"id\":\"true_120363000000000000@g.us_OUT2\"}");
        assertThat(MAPPER.readTree(sent.body())).isEqualTo(MAPPER.readTree(
                "{\"session\":\"default\",\"chatId\":\"120363000000000000@g.us\",\"text\":"
                        + MAPPER.writeValueAsString(TRICKY) + ",\"reply_to\":\"false_1555@c.us_ABC\"}"));
        assertThat(sent.body()).startsWith("{\"session\":\"default\",\"chatId\"").endsWith(",\"reply_to\":\"false_1555@c.us_ABC\"}");
        assertThat(sent.messageId()).isEqualTo("true_120363000000000000@g.us_OUT2");
    }

    // ---------------------------------------------------------------- Meta (providers.md 1.8)

    @Test
    void metaText() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "15550100001", "direct", null, "Hello"), 200,
                "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.OUT\"}]}");
        assertThat(sent.url()).isEqualTo("http://graph.test/v23.0/106540352242922/messages?throwExceptionOnFailure=false");
        assertThat(sent.request().getHeader("Authorization")).isEqualTo("Bearer meta-token");
        assertThat(sent.request().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(sent.request().getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        assertThat(sent.body()).isEqualTo("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"to\":\"15550100001\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":\"Hello\"}}");
        assertThat(sent.messageId()).isEqualTo("wamid.OUT");
    }

    @Test
    void metaReplyQuotesTheInboundMessage() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "+15550100001", "direct", "wamid.IN", TRICKY), 200,
                "{\"messages\":[{\"id\":\"wamid.OUT\"}]}");
        assertThat(MAPPER.readTree(sent.body())).isEqualTo(MAPPER.readTree(
                "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"+15550100001\","
                        + "\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":" + MAPPER.writeValueAsString(TRICKY)
                        + "},\"context\":{\"message_id\":\"wamid.IN\"}}"));
    }

    /**
     * A chat keyed on a BSUID is sent to with {@code "recipient"} and no {@code "to"}: Meta's business-scoped-user-ids
     * page, Messages API ({@code recipient} takes a BSUID or a parent BSUID; {@code to} stays the phone number).
     */
    @Test
    void metaBsuidChatIsSentToRecipient() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "US.13491208655302741918", "direct", "wamid.IN", "hi"), 200,
                "{\"messages\":[{\"id\":\"wamid.OUT\"}]}");
        assertThat(sent.body()).isEqualTo("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                + "\"recipient\":\"US.13491208655302741918\",\"type\":\"text\",\"text\":{\"preview_url\":false,"
                + "\"body\":\"hi\"},\"context\":{\"message_id\":\"wamid.IN\"}}");
    }

    @Test
    void metaParentBsuidChatIsSentToRecipient() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "US.ENT.11815799212886844830", "direct", null, "hi"), 200, "{}");
        assertThat(MAPPER.readTree(sent.body()).get("recipient").asText()).isEqualTo("US.ENT.11815799212886844830");
        assertThat(MAPPER.readTree(sent.body()).has("to")).isFalse();
        assertThat(sent.messageId()).isNull();
    }

    /** Phone numbers (with or without +) and ids that are not BSUID-shaped keep {@code "to"}. */
    @Test
    void metaNonBsuidChatsAreSentTo() throws Exception {
        for (String chat : new String[] {"16505551234", "+16505551234",
                "Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD", "us.123", "USA.123"}) {
            Sent sent = send("send-reply-meta",
                    task("meta", "106540352242922", chat, "direct", null, "hi"), 200, "{}");
            assertThat(MAPPER.readTree(sent.body()).get("to").asText()).as(chat).isEqualTo(chat);
            assertThat(MAPPER.readTree(sent.body()).has("recipient")).as(chat).isFalse();
        }
    }

    @Test
    void metaGroup() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "120363000000000000", "group", "wamid.HBgLABC", "hello"), 200,
                "{\"messages\":[{\"id\":\"wamid.G\"}]}");
        assertThat(sent.body()).isEqualTo("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"group\","
                + "\"to\":\"120363000000000000\",\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":\"hello\"},"
                + "\"context\":{\"message_id\":\"wamid.HBgLABC\"}}");
        assertThat(sent.messageId()).isEqualTo("wamid.G");
    }

    @Test
    void metaRateLimitCodeFailsTheSendForRetry() throws Exception {
        Sent sent = send("send-reply-meta",
                task("meta", "106540352242922", "15550100001", "direct", null, "hi"), 400,
                "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"code\":130429}}");
        assertThat(sent.failure()).isInstanceOf(io.wagateway.reply.RateLimitedException.class);
    }

    // ---------------------------------------------------------------- Periskope (providers.md 3.7)

    @Test
    void periskopeText() throws Exception {
        Sent sent = send("send-reply-periskope",
                task("periskope", "+1 555-010-0000", "15550100001@c.us", "direct", null, "Hello"), 200,
                "{\"unique_id\":\"q-1\"}");
        assertThat(sent.url()).isEqualTo("http://periskope.test/v1/message/send?throwExceptionOnFailure=false");
        assertThat(sent.request().getHeader("Authorization")).isEqualTo("Bearer periskope-key");
        assertThat(sent.request().getHeader("x-phone")).isEqualTo("15550100000");
        assertThat(sent.request().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(sent.request().getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        assertThat(sent.body()).isEqualTo("{\"chat_id\":\"15550100001@c.us\",\"message\":\"Hello\"}");
        assertThat(sent.messageId()).isEqualTo("q-1");
    }

    @Test
    void periskopeReplyQuotesTheInboundMessage() throws Exception {
        Sent sent = send("send-reply-periskope",
                task("periskope", "15550100000", "1203@g.us", "group", "true_1203@g.us_XYZ", TRICKY), 200,
                "{\"message\":{\"message_id\":\"true_1203@g.us_OUT\"}}");
        assertThat(MAPPER.readTree(sent.body())).isEqualTo(MAPPER.readTree("{\"chat_id\":\"1203@g.us\",\"message\":"
                + MAPPER.writeValueAsString(TRICKY) + ",\"reply_to\":\"true_1203@g.us_XYZ\"}"));
        assertThat(sent.messageId()).isEqualTo("true_1203@g.us_OUT");
    }

    // ---------------------------------------------------------------- Unipile (providers.md 4.6)

    @Test
    void unipileMultipartQuotesTheInboundMessage() throws Exception {
        Sent sent = send("send-reply-unipile",
                task("unipile", "acc-1", "chat-9", "direct", "msg_123", TRICKY), 201, "{\"message_id\":\"msg_OUT\"}");
        assertThat(sent.url()).isEqualTo("http://unipile.test:13111?throwExceptionOnFailure=false");
        assertThat(sent.request().getHeader(Exchange.HTTP_PATH)).isEqualTo("/api/v1/chats/chat-9/messages");
        assertThat(sent.request().getHeader("X-API-KEY")).isEqualTo("unipile-key");
        assertThat(sent.request().getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        HttpEntity entity = sent.request().getBody(HttpEntity.class);
        assertThat(entity.getContentType()).startsWith("multipart/form-data");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entity.writeTo(out);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("name=\"text\"").contains(TRICKY).contains("charset=UTF-8")
                .contains("name=\"quote_id\"").contains("msg_123");
        assertThat(sent.messageId()).isEqualTo("msg_OUT");
    }
}
