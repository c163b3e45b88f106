package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The providers' webhook contract over the developer fixtures (src/test/resources/fixtures/webhooks/&lt;provider&gt;/,
 * signing in their README.md; shapes in providers.md): every fixture, byte-exact, is refused with 401 when its
 * signature or secret is wrong, missing or over other bytes, and then, signed, answered 200 with its outcome counts,
 * its messages stored under {provider}:{account_id}:{message_id} and its updates kept; a second delivery adds nothing.
 * The provider-specific cases follow, each named after its provider (they were MetaWebhookIT, WahaWebhookIT,
 * PeriskopeWebhookIT, UnipileWebhookIT and EvolutionWebhookIT).
 */
class ProviderWebhookContractIT extends GatewayIntegrationTest {

    /** How a provider's webhook is posted and authenticated (fixtures/webhooks/README.md). */
    enum Provider {
        META("/webhooks/meta", "100000000000002", "application/json",
                body -> Map.of("X-Hub-Signature-256", Fixtures.metaSignature(body)), true),
        WAHA("/webhooks/waha", "default", "application/json",
                body -> Map.of("X-Webhook-Hmac", Fixtures.wahaSignature(body), "X-Webhook-Hmac-Algorithm", "sha512"),
                true),
        PERISKOPE("/webhooks/periskope", "15550100100@c.us", "application/json",
                body -> Map.of("x-periskope-signature", Fixtures.hmacHex("HmacSHA256", body)), true),
        // API-created Unipile webhooks send JSON labelled as a form and a static secret header
        UNIPILE("/webhooks/unipile", "FAKEacctWA00000000001w", "application/x-www-form-urlencoded",
                body -> Map.of("Unipile-Auth", Fixtures.SECRET), false),
        EVOLUTION("/webhooks/evolution", "shop-main", "application/json",
                body -> Map.of("X-Evolution-Secret", Fixtures.SECRET), false);

        final String path;
        final String account;
        final String contentType;
        final Function<byte[], Map<String, String>> credentials;
        final boolean signsTheBody;

        Provider(String path, String account, String contentType, Function<byte[], Map<String, String>> credentials,
                boolean signsTheBody) {
            this.path = path;
            this.account = account;
            this.contentType = contentType;
            this.credentials = credentials;
            this.signsTheBody = signsTheBody;
        }

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** @return the provider's headers with a wrong credential: a signature of other bytes, or a wrong secret */
        Map<String, String> wrong() {
            Map<String, String> headers = new HashMap<>();
            credentials.apply("another body".getBytes(StandardCharsets.UTF_8)).forEach((k, v) ->
                    headers.put(k, signsTheBody || !v.equals(Fixtures.SECRET) ? v : "wrong-secret"));
            headers.put("Content-Type", contentType);
            return headers;
        }

        Map<String, String> signed(byte[] body) {
            Map<String, String> headers = new HashMap<>(credentials.apply(body));
            headers.put("Content-Type", contentType);
            return headers;
        }
    }

    /**
     * What one fixture yields.
     *
     * @param messageIds the provider message ids stored (documents {provider}:{account}:{id})
     * @param updates    target_message_id:status|update of each update kept
     * @param ignored    events acknowledged and kept in the events index
     */
    record Expected(List<String> messageIds, List<String> updates, int ignored) {
        static Expected messages(String... ids) {
            return new Expected(List.of(ids), List.of(), 0);
        }

        static Expected update(String target, String status) {
            return new Expected(List.of(), List.of(target + ":" + status), 0);
        }

        static Expected event() {
            return new Expected(List.of(), List.of(), 1);
        }
    }

    private static final String WAMID = "wamid.HBgLMTU1NTAxMDAwM";

    /** Every fixture file, by provider folder and name, with what it must yield. */
    static final Map<String, Expected> FIXTURES = Map.ofEntries(
            Map.entry("meta/batch_two_messages_one_status.json", new Expected(
                    List.of(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNgA=",
                            WAMID + "DMVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNwA="),
                    List.of(WAMID + "DIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwOAA=:read"), 0)),
            Map.entry("meta/group_text.json", Expected.messages(WAMID + "DIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMwA=")),
            Map.entry("meta/inbound_image.json", Expected.messages(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNAA=")),
            Map.entry("meta/inbound_text.json", Expected.messages(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=")),
            Map.entry("meta/interactive_button_reply.json",
                    Expected.messages(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMAA=")),
            Map.entry("meta/interactive_list_reply.json",
                    Expected.messages(WAMID + "DMVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMgA=")),
            Map.entry("meta/outbound_smb_message_echo.json",
                    Expected.messages(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMgA=")),
            Map.entry("meta/status_delivered.json",
                    Expected.update(WAMID + "DEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNQA=", "delivered")),
            Map.entry("waha/message_ack_read.json", Expected.update("true_15550100001@c.us_3EB0FAKE00000000000202", "read")),
            Map.entry("waha/message_any_outbound_fromme.json",
                    Expected.messages("true_15550100001@c.us_3EB0FAKE00000000000202")),
            Map.entry("waha/message_group.json",
                    Expected.messages("false_120363000000000001@g.us_3EB0FAKE00000000000203_15550100002@c.us")),
            Map.entry("waha/message_inbound_text.json", Expected.messages("false_15550100001@c.us_3EB0FAKE00000000000201")),
            Map.entry("waha/message_media_image.json", Expected.messages("false_15550100003@c.us_3EB0FAKE00000000000204")),
            Map.entry("waha/session_status_working.json", Expected.event()),
            Map.entry("periskope/message_ack_updated_delivered.json",
                    Expected.update("true_15550100001@c.us_3EB0FAKE00000000000302", "delivered")),
            Map.entry("periskope/message_created_group.json",
                    Expected.messages("false_120363000000000002@g.us_3EB0FAKE00000000000303_15550100002@c.us")),
            Map.entry("periskope/message_created_inbound_text.json",
                    Expected.messages("false_15550100001@c.us_3EB0FAKE00000000000301")),
            Map.entry("periskope/message_created_media_image.json",
                    Expected.messages("false_15550100003@c.us_3EB0FAKE00000000000304")),
            Map.entry("periskope/message_created_outbound_from_me.json",
                    Expected.messages("true_15550100001@c.us_3EB0FAKE00000000000302")),
            Map.entry("unipile/message_read.json", Expected.update("FAKEmsg000000000000402", "read")),
            Map.entry("unipile/message_received_group.json", Expected.messages("FAKEmsg000000000000403")),
            Map.entry("unipile/message_received_inbound_text.json", Expected.messages("FAKEmsg000000000000401")),
            Map.entry("unipile/message_received_outbound_is_sender.json", Expected.messages("FAKEmsg000000000000402")),
            Map.entry("unipile/message_received_with_attachments.json", Expected.messages("FAKEmsg000000000000404")),
            Map.entry("evolution/connection_update.json", Expected.event()),
            Map.entry("evolution/messages_upsert_group_reply.json", Expected.messages("3EB0EVOFAKE0000000000302")),
            Map.entry("evolution/messages_upsert_image.json", Expected.messages("3EB0EVOFAKE0000000000303")),
            Map.entry("evolution/messages_upsert_inbound_text.json", Expected.messages("3EB0EVOFAKE0000000000301")),
            Map.entry("evolution/messages_upsert_outbound_fromme.json", Expected.messages("3EB0EVOFAKE0000000000304")));

    static Stream<Arguments> fixtures() {
        return Stream.of(Provider.values()).flatMap(p -> Fixtures.all("webhooks/" + p.id()).stream()
                .map(file -> Arguments.of(p.id() + "/" + file.getFileName(), p)));
    }

    @Test
    void everyFixtureFileHasItsExpectation() {
        List<String> files = fixtures().map(a -> (String) a.get()[0]).toList();
        assertThat(files).containsExactlyInAnyOrderElementsOf(FIXTURES.keySet());
        assertThat(files).hasSize(29);     // meta 8, waha 6, periskope 5, unipile 5, evolution 5
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void aFixtureIsRefusedUnauthenticatedAndStoredWhenSigned(String fixture, Provider provider) throws Exception {
        Expected expected = FIXTURES.get(fixture);
        assertThat(expected).as("expectation for %s", fixture).isNotNull();
        byte[] body = Fixtures.bytes("webhooks/" + fixture);

        assertThat(post(provider.path, body, provider.wrong()).statusCode()).as("wrong credential").isEqualTo(401);
        assertThat(post(provider.path, body, Map.of("Content-Type", provider.contentType)).statusCode())
                .as("no credential").isEqualTo(401);
        if (provider.signsTheBody) {
            byte[] tampered = body.clone();
            tampered[tampered.length / 2] ^= 1;
            assertThat(post(provider.path, tampered, provider.signed(body)).statusCode())
                    .as("the signature of other bytes").isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).as("nothing stored from refused requests").isEmpty();
        assertThat(all(store().getUpdatesIndex())).isEmpty();
        assertThat(all(store().getEventsIndex())).isEmpty();

        HttpResponse<String> r = post(provider.path, body, provider.signed(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode outcome = JSON.readTree(r.body());
        assertThat(outcome.path("stored").asInt()).as("stored").isEqualTo(expected.messageIds().size());
        assertThat(outcome.path("ignored").asInt()).as("ignored").isEqualTo(expected.ignored());

        List<JsonNode> messages = all(store().getMessagesIndex());
        assertThat(messages).extracting(m -> m.path("_id").asText()).containsExactlyInAnyOrderElementsOf(
                expected.messageIds().stream().map(id -> provider.id() + ":" + provider.account + ":" + id).toList());
        assertThat(messages).allSatisfy(m -> {
            assertThat(m.path("provider").asText()).isEqualTo(provider.id());
            assertThat(m.path("account_id").asText()).isEqualTo(provider.account);
            assertThat(m.path("chat_id").asText()).isNotEmpty();
            assertThat(m.path("sender_id").asText()).isNotEmpty();
            assertThat(m.path("type").asText()).isNotEmpty();
            assertThat(m.path("timestamp").asText()).startsWith("2026-01-");
            assertThat(m.path("received_at").asText()).isNotEmpty();
            assertThat(m.path("raw").isObject()).as("raw kept").isTrue();
        });
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).extracting(u -> u.path("target_message_id").asText() + ":"
                + (u.hasNonNull("status") ? u.path("status").asText() : u.path("update").asText()))
                .containsExactlyInAnyOrderElementsOf(expected.updates());
        assertThat(updates).allSatisfy(u -> assertThat(u.path("provider").asText()).isEqualTo(provider.id()));
        assertThat(all(store().getEventsIndex())).hasSize(expected.ignored());

        HttpResponse<String> again = post(provider.path, body, provider.signed(body));
        assertThat(again.statusCode()).as("redelivery: %s", again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("stored").asInt()).as("stored again").isZero();
        assertThat(all(store().getMessagesIndex())).hasSize(expected.messageIds().size());
        assertThat(all(store().getUpdatesIndex())).hasSize(expected.updates().size());
        assertThat(all(store().getEventsIndex())).hasSize(expected.ignored());
    }

    // ---- Meta (was MetaWebhookIT) --------------------------------------------------------------------------------

    private static String metaId(String wamid) {
        return "meta:100000000000002:" + wamid;
    }

    @Test
    void metaInboundTextIsStoredWithTheCanonicalFields() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        HttpResponse<String> r = postMeta(body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);

        JsonNode doc = message(metaId("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA="));
        assertThat(doc).isNotNull();
        assertThat(doc.path("provider").asText()).isEqualTo("meta");
        assertThat(doc.path("account_id").asText()).isEqualTo("100000000000002");
        // the fixture carries from_user_id: a Meta user is keyed on the BSUID, the phone is kept beside it
        // (issue 16 item 2, docs/data-rules.md "Meta chat key"; was chat_id = sender_id = "15550100001")
        assertThat(doc.path("chat_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("sender_user_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("sender_phone").asText()).isEqualTo("15550100001");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hi, is my order #4821 ready for pickup?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T10:00:00Z");
        assertThat(doc.path("received_at").asText()).isNotEmpty();
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("text").path("body").asText()).isEqualTo("Hi, is my order #4821 ready for pickup?");
    }

    @Test
    void metaBatchYieldsOneDocumentPerMessageAndKeepsTheStatus() throws Exception {
        HttpResponse<String> r = postMeta(Fixtures.bytes("webhooks/meta/batch_two_messages_one_status.json"));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode outcome = JSON.readTree(r.body());
        assertThat(outcome.path("stored").asInt()).isEqualTo(2);
        assertThat(outcome.path("update_stored").asInt()).isEqualTo(1);

        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).extracting(d -> d.path("text").asText())
                .containsExactlyInAnyOrder("Also, can I change the pickup to tomorrow?", "Hello, do you ship to Lisbon?");
        assertThat(docs).extracting(d -> d.path("sender_name").asText())
                .containsExactlyInAnyOrder("Alex Example", "Chen Testperson");

        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("update").asText()).isEqualTo("status");
        assertThat(updates.get(0).path("status").asText()).isEqualTo("read");
        assertThat(updates.get(0).path("target_message_id").asText())
                .isEqualTo("wamid.HBgLMTU1NTAxMDAwMDIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwOAA=");
    }

    @Test
    void metaSecondDeliveryLeavesOneDocument() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        assertThat(postMeta(body).statusCode()).isEqualTo(200);
        HttpResponse<String> again = postMeta(body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asInt()).isEqualTo(1);

        // a redelivery that bypasses this instance's memory (restart, other replica) is caught by Elasticsearch
        camelContext.getRegistry().lookupByNameAndType("messageIdempotentRepository",
                org.apache.camel.spi.IdempotentRepository.class).clear();
        HttpResponse<String> third = postMeta(body);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(third.body()).path("duplicate").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }

    @Test
    void metaMediaGroupEchoAndInteractiveShapes() throws Exception {
        for (String f : List.of("inbound_image", "group_text", "outbound_smb_message_echo", "interactive_button_reply",
                "interactive_list_reply")) {
            assertThat(postMeta(Fixtures.bytes("webhooks/meta/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode image = message(metaId("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNAA="));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("text").asText()).isEqualTo("Damaged box on arrival");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("id").asText()).isEqualTo("900000000000104");
        assertThat(image.path("media").path("url").asText()).startsWith("https://lookaside.fbsbx.com/");

        JsonNode group = message(metaId("wamid.HBgLMTU1NTAxMDAwMDIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMwA="));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("Y2FwaV9ncm91cDoxNTU1MDEwMDEwMDoxMjAzNjMwMDAwMDAwMDA5MDE=");
        assertThat(group.path("sender_id").asText()).isEqualTo("US.10000000000000000002");   // was the phone
        assertThat(group.path("sender_phone").asText()).isEqualTo("15550100002");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");

        JsonNode echo = message(metaId("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMgA="));
        assertThat(echo.path("from_me").asBoolean()).isTrue();
        assertThat(echo.path("chat_id").asText()).isEqualTo("15550100001");
        assertThat(echo.path("sender_id").asText()).isEqualTo("15550100100");

        JsonNode button = message(metaId("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMAA="));
        assertThat(button.path("type").asText()).isEqualTo("interactive");
        assertThat(button.path("text").asText()).isEqualTo("Reschedule");
        assertThat(button.path("reply_to").asText()).isEqualTo("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwOQA=");

        JsonNode list = message(metaId("wamid.HBgLMTU1NTAxMDAwMDMVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMgA="));
        assertThat(list.path("text").asText()).isEqualTo("Express (1-2 days)");
    }

    @Test
    void metaStatusIsKeptAsAnUpdateNotAsAMessage() throws Exception {
        HttpResponse<String> r = postMeta(Fixtures.bytes("webhooks/meta/status_delivered.json"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(all(store().getMessagesIndex())).isEmpty();
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(updates.get(0).path("_id").asText()).isEqualTo(
                metaId("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNQA=:status:delivered"));
    }

    @Test
    void metaVerificationHandshake() throws Exception {
        HttpResponse<String> ok = get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test-verify-token");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");
        assertThat(get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong").statusCode())
                .isEqualTo(403);
        assertThat(get("/webhooks/meta?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token")
                .statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1").statusCode()).isEqualTo(403);
    }

    // ---- WAHA (was WahaWebhookIT) --------------------------------------------------------------------------------

    private static String wahaId(String payloadId) {
        return "waha:default:" + payloadId;
    }

    @Test
    void wahaHeaderValuesFromTheFixtureReadmeVerify() throws Exception {
        // the table in fixtures/webhooks/README.md, computed with openssl over the exact file bytes
        byte[] body = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        HttpResponse<String> r = post("/webhooks/waha", body, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", "270a5ae10369e364a0a6696ca7bbaddf45102d0efd709c3e29f5036d50440c870022f7937dc4e88443a057a5cb27ebde6d38bb20a45fd3089c916937b0eed4dc",
                "X-Webhook-Hmac-Algorithm", "sha512"));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void wahaInboundTextIsStoredWithTheCanonicalFields() throws Exception {
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        JsonNode doc = message(wahaId("false_15550100001@c.us_3EB0FAKE00000000000201"));
        assertThat(doc.path("provider").asText()).isEqualTo("waha");
        assertThat(doc.path("account_id").asText()).isEqualTo("default");
        assertThat(doc.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hello! Do you have the blue model in size 42?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T11:00:00Z");
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("id").asText()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000201");
    }

    @Test
    void wahaOwnMessageGroupAndMedia() throws Exception {
        for (String f : List.of("message_any_outbound_fromme", "message_group", "message_media_image")) {
            assertThat(postWaha(Fixtures.bytes("webhooks/waha/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode own = message(wahaId("true_15550100001@c.us_3EB0FAKE00000000000202"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(own.path("sender_id").asText()).isEqualTo("15550100100@c.us");
        assertThat(own.path("status").asText()).isEqualTo("pending");

        JsonNode group = message(wahaId("false_120363000000000001@g.us_3EB0FAKE00000000000203_15550100002@c.us"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("120363000000000001@g.us");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@c.us");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        // the group's name comes from WAHA's API (WireMock), asked once with the API key
        assertThat(group.path("chat_name").asText()).isEqualTo("Group 120363000000000001@g.us");
        PEERS.verify(1, getRequestedFor(urlPathEqualTo("/api/default/groups/120363000000000001@g.us"))
                .withHeader("X-Api-Key", WireMock.equalTo("test-waha-key")));
        // a direct chat is named after the other party's push name, without any call
        assertThat(message(wahaId("false_15550100003@c.us_3EB0FAKE00000000000204")).path("chat_name").asText())
                .isEqualTo("Chen Testperson");

        JsonNode image = message(wahaId("false_15550100003@c.us_3EB0FAKE00000000000204"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("url").asText()).endsWith(".jpeg");
        assertThat(image.path("text").asText()).isEqualTo("Photo of the serial number");
    }

    @Test
    void wahaMessageAndMessageAnyOfTheSameMessageMakeOneDocument() throws Exception {
        byte[] message = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        byte[] any = new String(message, StandardCharsets.UTF_8)
                .replace("\"event\": \"message\"", "\"event\": \"message.any\"")
                .replace("evt_01kb2x3y4z5a6b7c8d9e0f1g2h", "evt_01kb2x3y4z5a6b7c8d9e0f1g2z")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(any).isNotEqualTo(message);
        HttpResponse<String> first = postWaha(message);
        HttpResponse<String> second = postWaha(any);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).path("duplicate").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }

    @Test
    void wahaAckIsAnUpdateAndSessionStatusIsAcknowledged() throws Exception {
        HttpResponse<String> ack = postWaha(Fixtures.bytes("webhooks/waha/message_ack_read.json"));
        assertThat(ack.statusCode()).isEqualTo(200);
        HttpResponse<String> session = postWaha(Fixtures.bytes("webhooks/waha/session_status_working.json"));
        assertThat(session.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(session.body()).path("ignored").asInt()).isEqualTo(1);

        assertThat(all(store().getMessagesIndex())).isEmpty();
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("status").asText()).isEqualTo("read");
        assertThat(updates.get(0).path("target_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000202");
    }

    // ---- Periskope (was PeriskopeWebhookIT) ----------------------------------------------------------------------

    private static String periskopeId(String messageId) {
        return "periskope:15550100100@c.us:" + messageId;
    }

    @Test
    void periskopeHeaderValueFromTheFixtureReadmeVerifies() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        HttpResponse<String> r = post("/webhooks/periskope", body, Map.of("Content-Type", "application/json",
                "x-periskope-signature", "87bfeefe6c99933a0b54c7cefe2d131fcd76aa68963ec538695636b9aac45139"));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void periskopeInboundGroupAndMediaAreStoredWithNamesFromTheApi() throws Exception {
        for (String f : List.of("message_created_inbound_text", "message_created_group", "message_created_media_image",
                "message_created_outbound_from_me")) {
            assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode text = message(periskopeId("false_15550100001@c.us_3EB0FAKE00000000000301"));
        assertThat(text.path("provider").asText()).isEqualTo("periskope");
        assertThat(text.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(text.path("chat_type").asText()).isEqualTo("direct");
        assertThat(text.path("sender_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(text.path("from_me").asBoolean()).isFalse();
        assertThat(text.path("type").asText()).isEqualTo("text");
        assertThat(text.path("text").asText()).isEqualTo("Hi, what are your opening hours on Sunday?");
        assertThat(text.path("timestamp").asText()).isEqualTo("2026-01-05T12:00:00Z");
        assertThat(text.path("chat_name").asText()).isEqualTo("Chat 15550100001@c.us");
        assertThat(text.path("sender_name").asText()).isEqualTo("Chat 15550100001@c.us");

        JsonNode group = message(periskopeId("false_120363000000000002@g.us_3EB0FAKE00000000000303_15550100002@c.us"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@c.us");
        assertThat(group.path("chat_name").asText()).isEqualTo("Chat 120363000000000002@g.us");
        assertThat(group.path("sender_name").asText()).isEqualTo("Contact 15550100002");

        JsonNode image = message(periskopeId("false_15550100003@c.us_3EB0FAKE00000000000304"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("size_bytes").asLong()).isEqualTo(48213);
        assertThat(image.path("text").asText()).isEqualTo("Here is the receipt");

        JsonNode own = message(periskopeId("true_15550100001@c.us_3EB0FAKE00000000000302"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_name").asText()).isEqualTo("Chat 15550100001@c.us");

        // the API was asked with the documented credentials: Bearer key and x-phone = our number's digits
        PEERS.verify(getRequestedFor(urlPathEqualTo("/v1/chats/120363000000000002@g.us"))
                .withHeader("Authorization", WireMock.equalTo("Bearer test-periskope-key"))
                .withHeader("x-phone", WireMock.equalTo("15550100100")));
        // one call per chat: the own message's chat was already known from the inbound one
        PEERS.verify(1, getRequestedFor(urlPathEqualTo("/v1/chats/15550100001@c.us")));
    }

    @Test
    void periskopeEventTypeEnvelopeAndNumericAckAreAccepted() throws Exception {
        String body = new String(Fixtures.bytes("webhooks/periskope/message_ack_updated_delivered.json"),
                StandardCharsets.UTF_8)
                .replace("\"event\": \"message.ack.updated\"", "\"event_type\": \"message.ack.updated\"")
                .replace("\"ack\": \"2\"", "\"ack\": 4");
        HttpResponse<String> r = postPeriskope(body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(all(store().getUpdatesIndex())).singleElement()
                .satisfies(u -> assertThat(u.path("status").asText()).isEqualTo("read"));
    }

    // ---- Unipile (was UnipileWebhookIT) --------------------------------------------------------------------------

    private static String unipileId(String messageId) {
        return "unipile:FAKEacctWA00000000001w:" + messageId;
    }

    @Test
    void unipileSameBytesAsJsonContentTypeAlsoWork() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
        assertThat(post("/webhooks/unipile", body, Map.of("Content-Type", "application/json",
                "Unipile-Auth", Fixtures.SECRET)).statusCode()).isEqualTo(200);
        assertThat(message(unipileId("FAKEmsg000000000000401"))).isNotNull();
    }

    @Test
    void unipileNamesComeFromThePayloadAndGroupNamesFromTheApi() throws Exception {
        for (String f : List.of("message_received_inbound_text", "message_received_outbound_is_sender",
                "message_received_group", "message_received_with_attachments")) {
            assertThat(postUnipile(Fixtures.bytes("webhooks/unipile/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode inbound = message(unipileId("FAKEmsg000000000000401"));
        assertThat(inbound.path("chat_id").asText()).isEqualTo("FAKEchatA0000000000001");
        assertThat(inbound.path("chat_type").asText()).isEqualTo("direct");
        assertThat(inbound.path("sender_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(inbound.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(inbound.path("chat_name").asText()).isEqualTo("Alex Example");
        assertThat(inbound.path("text").asText()).isEqualTo("Good morning, I'd like to book a demo.");
        assertThat(inbound.path("timestamp").asText()).isEqualTo("2026-01-05T13:00:00Z");

        JsonNode own = message(unipileId("FAKEmsg000000000000402"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_name").asText()).isEqualTo("Alex Example");

        JsonNode group = message(unipileId("FAKEmsg000000000000403"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        assertThat(group.path("chat_name").asText()).isEqualTo("Unipile chat FAKEchatG0000000000001");

        JsonNode photos = message(unipileId("FAKEmsg000000000000404"));
        assertThat(photos.path("type").asText()).isEqualTo("image");
        assertThat(photos.path("media").path("id").asText()).isEqualTo("FAKEatt0000000000000404a");
        assertThat(photos.path("media").path("mime").asText()).isEqualTo("image/jpeg");

        // only the group needed the API; direct chats were named from the payload
        PEERS.verify(1, getRequestedFor(urlPathMatching("/api/v1/chats/.*")));
        PEERS.verify(getRequestedFor(urlPathEqualTo("/api/v1/chats/FAKEchatG0000000000001"))
                .withHeader("X-API-KEY", WireMock.equalTo("test-unipile-key")));
    }

    /** The flat body without {@code event} of the replaced webhook manager (issue 16), as UnipileNormalizerTest. */
    private static com.fasterxml.jackson.databind.node.ObjectNode unipileFlat() throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                io.wagateway.provider.unipile.UnipileNormalizerTest.FLAT);
    }

    @Test
    void unipileFlatBodyWithoutEventIsStoredWithItsSenderName() throws Exception {
        HttpResponse<String> r = postUnipile(unipileFlat().toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode m = message(unipileId("FAKEmsg000000000000501"));
        assertThat(m).as("stored").isNotNull();
        assertThat(m.path("sender_name").asText()).isEqualTo("Flat Sender");
        assertThat(m.path("sender_id").asText()).isEqualTo("15550100005@s.whatsapp.net");
        assertThat(m.path("text").asText()).isEqualTo("Hello, is the shop open today?");
        assertThat(m.path("channel").asText()).isEqualTo("WHATSAPP");
        assertThat(m.has("attachments")).isFalse();
    }

    @Test
    void unipileThreeAttachmentsAreAllKept() throws Exception {
        // attachment shapes: providers.md §4.5 Message object (img, video, file)
        com.fasterxml.jackson.databind.node.ObjectNode body = unipileFlat();
        body.put("message_id", "FAKEmsg000000000000502").put("message", "Three files");
        io.wagateway.provider.unipile.UnipileNormalizerTest.putThreeAttachments(body, "FAKEatt502");
        assertThat(postUnipile(body.toString().getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        JsonNode m = message(unipileId("FAKEmsg000000000000502"));
        assertThat(m.path("type").asText()).isEqualTo("image");
        assertThat(m.path("media").path("id").asText()).isEqualTo("FAKEatt502a");
        JsonNode all = m.path("attachments");
        assertThat(all).hasSize(3);
        assertThat(all.get(1).path("mime").asText()).isEqualTo("video/mp4");
        assertThat(all.get(1).path("size_bytes").asLong()).isEqualTo(2000);
        assertThat(all.get(2).path("filename").asText()).isEqualTo("offer.pdf");
        assertThat(all.get(2).path("caption").asText()).isEqualTo("Three files");
        // searchable by any attachment's id
        es("POST", "/whatsapp-messages/_refresh", null);
        String hits = es("POST", "/whatsapp-messages/_search",
                "{\"query\":{\"term\":{\"attachments.id\":\"FAKEatt502c\"}}}").body();
        assertThat(JSON.readTree(hits).path("hits").path("total").path("value").asInt()).isEqualTo(1);
    }

    // ---- Evolution API (was EvolutionWebhookIT): the fifth provider, a route file and properties only ---------------

    private static String evolutionId(String messageId) {
        return "evolution:shop-main:" + messageId;
    }

    private HttpResponse<String> postEvolution(byte[] body) throws Exception {
        return post("/webhooks/evolution", body, Map.of("Content-Type", "application/json",
                "X-Evolution-Secret", Fixtures.SECRET));
    }

    @Test
    void evolutionInboundTextIsStoredWithTheCanonicalFields() throws Exception {
        HttpResponse<String> r = postEvolution(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);
        JsonNode doc = message(evolutionId("3EB0EVOFAKE0000000000301"));
        assertThat(doc).isNotNull();
        assertThat(doc.path("provider").asText()).isEqualTo("evolution");
        assertThat(doc.path("account_id").asText()).isEqualTo("shop-main");
        assertThat(doc.path("message_id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(doc.path("chat_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("chat_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hi, is the blue model back in stock?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T11:20:00Z");
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("key").path("id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(doc.path("received_at").asText()).isNotEmpty();
    }

    @Test
    void evolutionGroupReplyImageOwnMessageAndAnIgnoredEvent() throws Exception {
        for (String f : List.of("messages_upsert_group_reply", "messages_upsert_image", "messages_upsert_outbound_fromme")) {
            HttpResponse<String> r = postEvolution(Fixtures.bytes("webhooks/evolution/" + f + ".json"));
            assertThat(r.statusCode()).as("%s: %s", f, r.body()).isEqualTo(200);
        }
        JsonNode group = message(evolutionId("3EB0EVOFAKE0000000000302"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("120363000000000009@g.us");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@s.whatsapp.net");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        assertThat(group.path("text").asText()).isEqualTo("Same question here \u2014 any news?");
        assertThat(group.path("reply_to").asText()).isEqualTo("3EB0EVOFAKE0000000000300");

        JsonNode image = message(evolutionId("3EB0EVOFAKE0000000000303"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("text").asText()).isEqualTo("Photo of the receipt");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("size_bytes").asLong()).isEqualTo(48213L);
        assertThat(image.path("media").path("url").asText()).endsWith("fake-image.enc");

        JsonNode own = message(evolutionId("3EB0EVOFAKE0000000000304"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("sender_id").asText()).isEqualTo("15550100100@s.whatsapp.net");
        assertThat(own.path("chat_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(own.path("status").asText()).isEqualTo("sent");

        HttpResponse<String> connection = postEvolution(Fixtures.bytes("webhooks/evolution/connection_update.json"));
        assertThat(connection.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(connection.body()).path("ignored").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(3);
    }

    @Test
    void evolutionReactionIsAnUpdateOfTheMessageItTargets() throws Exception {
        postEvolution(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"));
        String reaction = new String(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"),
                StandardCharsets.UTF_8)
                .replace("\"id\": \"3EB0EVOFAKE0000000000301\"", "\"id\": \"3EB0EVOFAKE0000000000399\"")
                .replace("\"conversation\": \"Hi, is the blue model back in stock?\"",
                        "\"reactionMessage\": {\"key\": {\"remoteJid\": \"15550100001@s.whatsapp.net\", \"fromMe\": false,"
                                + " \"id\": \"3EB0EVOFAKE0000000000301\"}, \"text\": \"\\ud83d\\udc4d\"}")
                .replace("\"messageType\": \"conversation\"", "\"messageType\": \"reactionMessage\"");
        HttpResponse<String> r = postEvolution(reaction.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("update").asText()).isEqualTo("reaction");
        assertThat(updates.get(0).path("target_message_id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(updates.get(0).path("text").asText()).isEqualTo("\ud83d\udc4d");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(message(evolutionId("3EB0EVOFAKE0000000000301")).path("reactions").toString())
                        .contains("\ud83d\udc4d"));
    }

    /** The proof that the fifth provider needed no Java: no main source file mentions it. */
    @Test
    void evolutionNoJavaSourceMentionsTheFifthProvider() throws Exception {
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            List<Path> mentions = s.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).toLowerCase(java.util.Locale.ROOT).contains("evolution");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertThat(mentions).isEmpty();
        }
    }
}
