package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Meta's coexistence and conversation-routing fields (issue 16 items 3 and 4) end to end against a real
 * Elasticsearch: {@code standby}, {@code messaging_handovers}, {@code history}, {@code smb_message_echoes} (text, edit,
 * revoke) and {@code calls}. Every payload is the example of Meta's reference page named above it (providers.md 1.x;
 * the pages' examples are mirrored in vaam-apps/meta-whatsapp-rs, crates/meta-whatsapp-webhooks/tests/fixtures/pages/);
 * where two examples of one page share a placeholder wamid, the ids are made distinct.
 */
public class MetaCoexistenceIT extends GatewayIntegrationTest {

    static final String ACCOUNT = "106540352242922";
    static final String USER = "16505551234";
    static final String SETTINGS = "whatsapp-chats";

    private static String change(String field, String value) {
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{
                  "field":"%s","value":%s}]}]}""".formatted(field, value);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return postMeta(body.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode settings(String chat) throws Exception {
        return document(SETTINGS, "meta:" + ACCOUNT + ":" + chat);
    }

    // webhooks/reference/standby, "Inbound message" (webhooks.reference.standby__inbound_message.json)
    public static final String STANDBY_INBOUND = change("standby", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "standby":{
               "contacts":[{"profile":{"name":"Test User"},"wa_id":"16505551234"}],
               "messages":[{"from":"16505551234","id":"wamid.STANDBY_IN_1","timestamp":"1750101000",
                            "text":{"body":"Test standby message"},"type":"text"}]}}""");

    // webhooks/reference/standby, "Text message echo" (webhooks.reference.standby__text_message_echo.json)
    public static final String STANDBY_ECHO = change("standby", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "standby":{
               "message_echoes":[{"id":"wamid.STANDBY_ECHO_1","timestamp":"1750101005",
                 "message":{"messaging_product":"whatsapp","to":"16505551234","recipient_type":"individual",
                   "type":"text","text":{"body":"Hello! Your order #12345 has shipped.","preview_url":true},
                   "context":{"message_id":"wamid.STANDBY_IN_1"}}}]}}""");

    // webhooks/reference/standby, "Status receipt" (webhooks.reference.standby__status_receipt.json)
    public static final String STANDBY_STATUS = change("standby", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "standby":{
               "statuses":[{"id":"wamid.STANDBY_ECHO_1","status":"delivered","timestamp":"1750101010",
                 "recipient_id":"16505551234",
                 "conversation":{"id":"b1946ac92492d2347c6235b4d2611184","origin":{"type":"utility"}},
                 "pricing":{"billable":true,"pricing_model":"PMP","category":"utility","type":"regular"}}]}}""");

    @Test
    void standbyInboundIsStoredFlaggedAndTheChatIsOwnedByMetasAgent() throws Exception {
        HttpResponse<String> r = post(STANDBY_INBOUND);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"stored\":1").contains("\"owner_updated\":1");

        JsonNode m = message("meta:" + ACCOUNT + ":wamid.STANDBY_IN_1");
        assertThat(m).isNotNull();
        assertThat(m.path("standby").asBoolean()).isTrue();
        assertThat(m.path("webhook_field").asText()).isEqualTo("standby");
        assertThat(m.path("from_me").asBoolean()).isFalse();
        assertThat(m.path("chat_id").asText()).isEqualTo(USER);
        assertThat(m.path("sender_name").asText()).isEqualTo("Test User");
        assertThat(m.path("text").asText()).isEqualTo("Test standby message");
        assertThat(m.has("history")).isFalse();

        JsonNode chat = settings(USER);
        assertThat(chat.path("owner").asText()).isEqualTo("meta_agent");
        assertThat(chat.path("owner_event").asText()).isEqualTo("standby");
        assertThat(chat.path("owner_inferred").asBoolean()).isTrue();
        assertThat(chat.path("owner_since").asText()).isEqualTo("2025-06-16T19:10:00Z");

        // a redelivery stores nothing twice and leaves the owner as it is
        r = post(STANDBY_INBOUND);
        assertThat(r.body()).contains("\"duplicate\":1").contains("\"owner_unchanged\":1");
    }

    @Test
    void standbyEchoIsAnOwnMessageAndStandbyStatusIsApplied() throws Exception {
        assertThat(post(STANDBY_INBOUND).statusCode()).isEqualTo(200);
        HttpResponse<String> r = post(STANDBY_ECHO);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode echo = message("meta:" + ACCOUNT + ":wamid.STANDBY_ECHO_1");
        assertThat(echo).isNotNull();
        assertThat(echo.path("from_me").asBoolean()).isTrue();
        assertThat(echo.path("standby").asBoolean()).isTrue();
        assertThat(echo.path("webhook_field").asText()).isEqualTo("standby");
        assertThat(echo.path("chat_id").asText()).isEqualTo(USER);
        assertThat(echo.path("type").asText()).isEqualTo("text");
        assertThat(echo.path("text").asText()).isEqualTo("Hello! Your order #12345 has shipped.");
        assertThat(echo.path("reply_to").asText()).isEqualTo("wamid.STANDBY_IN_1");
        assertThat(echo.path("status").asText()).isEqualTo("sent");
        assertThat(echo.path("raw").path("message").path("recipient_type").asText()).isEqualTo("individual");

        r = post(STANDBY_STATUS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"update_stored\":1");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "delivered".equals(message("meta:" + ACCOUNT + ":wamid.STANDBY_ECHO_1").path("status").asText()));
    }

    // webhooks/reference/messaging-handovers, "control_taken" (webhooks.reference.messaging-handovers__control_taken.json)
    public static String controlTaken(long timestamp) {
        return change("messaging_handovers", """
                {"messaging_product":"whatsapp","sender":{"phone_number":"16505551234"},
                 "recipient":{"phone_number_id":"106540352242922","display_phone_number":"15550783881"},
                 "type":"control_taken","timestamp":"%d",
                 "control_taken":{"previous_owner_app_id":"1066355071287456","previous_owner_role":"ai_agent",
                   "new_owner_role":"escalation","metadata":"Human agent stepping in"}}""".formatted(timestamp));
    }

    // webhooks/reference/messaging-handovers, "control_passed" (webhooks.reference.messaging-handovers__control_passed.json)
    public static String controlPassed(long timestamp) {
        return change("messaging_handovers", """
                {"messaging_product":"whatsapp","sender":{"phone_number":"16505551234"},
                 "recipient":{"phone_number_id":"106540352242922","display_phone_number":"15550783881"},
                 "type":"control_passed","timestamp":"%d",
                 "control_passed":{"previous_owner_app_id":"1066355071287456",
                   "previous_owner_app_role":"meta_business_agent","previous_owner_role":"ai_agent",
                   "new_owner_role":"escalation","metadata":"WhatsApp user requested human agent",
                   "conversation_context":{"type":"summary","summary":{"text":"AI-generated summary string"}}}}"""
                .formatted(timestamp));
    }

    @Test
    void handoversOfBothTypesSetTheOwnerInTheChatSettingsInEventOrder() throws Exception {
        HttpResponse<String> r = post(controlTaken(1750101000));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"owner_updated\":1");
        JsonNode chat = settings(USER);
        assertThat(chat.path("owner").asText()).isEqualTo("human");
        assertThat(chat.path("previous_owner").asText()).isEqualTo("app");
        assertThat(chat.path("owner_event").asText()).isEqualTo("control_taken");
        assertThat(chat.path("owner_role").asText()).isEqualTo("escalation");
        assertThat(chat.path("provider").asText()).isEqualTo("meta");
        assertThat(chat.path("account_id").asText()).isEqualTo(ACCOUNT);
        assertThat(chat.path("chat_id").asText()).isEqualTo(USER);
        assertThat(chat.path("owner_raw").path("control_taken").path("metadata").asText())
                .isEqualTo("Human agent stepping in");
        // no message is made of a handover
        assertThat(all(store().getMessagesIndex())).isEmpty();

        r = post(controlPassed(1750101060));
        assertThat(r.body()).contains("\"owner_updated\":1");
        chat = settings(USER);
        assertThat(chat.path("owner").asText()).isEqualTo("app");
        assertThat(chat.path("previous_owner").asText()).isEqualTo("meta_agent");
        assertThat(chat.path("owner_event").asText()).isEqualTo("control_passed");
        assertThat(chat.path("owner_since").asText()).isEqualTo("2025-06-16T19:11:00Z");

        // out of order: the older control_taken delivered again changes nothing; a redelivery of the newest neither
        r = post(controlTaken(1750101000));
        assertThat(r.body()).contains("\"owner_stale\":1");
        r = post(controlPassed(1750101060));
        assertThat(r.body()).contains("\"owner_unchanged\":1");
        assertThat(settings(USER).path("owner").asText()).isEqualTo("app");

        // a standby copy older than the pass does not take the chat back either
        r = post(STANDBY_INBOUND);
        assertThat(r.body()).contains("\"owner_stale\":1");
        assertThat(settings(USER).path("owner").asText()).isEqualTo("app");
    }

    @Test
    void anOperatorsAutoReplySwitchSurvivesAHandover() throws Exception {
        es("PUT", "/" + SETTINGS + "/_doc/" + encode("meta:" + ACCOUNT + ":" + USER) + "?refresh=true",
                "{\"provider\":\"meta\",\"account_id\":\"" + ACCOUNT + "\",\"chat_id\":\"" + USER
                        + "\",\"auto_reply\":false}");
        assertThat(post(controlPassed(1750101060)).statusCode()).isEqualTo(200);
        JsonNode chat = settings(USER);
        assertThat(chat.path("owner").asText()).isEqualTo("app");
        assertThat(chat.path("auto_reply").isBoolean()).isTrue();
        assertThat(chat.path("auto_reply").asBoolean()).isFalse();
    }

    // webhooks/reference/history, the page's example: two threads, a text and a media placeholder sent by the
    // business and the user's answer in the first, one business text in the second (status from history_context)
    public static final String HISTORY = change("history", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "history":[{"metadata":{"phase":0,"chunk_order":1,"progress":55},
               "threads":[
                 {"id":"16505551234","messages":[
                   {"from":"15550783881","id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA",
                    "timestamp":"1739230955","type":"text",
                    "text":{"body":"Here's the info you requested! https://www.meta.com/quest/quest-3/"},
                    "history_context":{"status":"READ"}},
                   {"from":"15550783881","id":"wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA",
                    "timestamp":"1739230970","type":"media_placeholder","history_context":{"status":"PLAYED"}},
                   {"from":"16505551234","id":"wamid.N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0",
                    "timestamp":"1739230970","type":"text","text":{"body":"Thanks!"},
                    "history_context":{"status":"READ"}}]},
                 {"id":"12125557890","messages":[
                   {"from":"15550783881","id":"wamid.BIyNDlBOEI5N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGQUQ4NDc0",
                    "timestamp":"1739230970","type":"text",
                    "text":{"body":"Thanks for your order! As a thank you, use code THANKS30 to get 30% of your next order."},
                    "history_context":{"status":"DELIVERED"}}]}]}]}""");

    @Test
    void historyStoresEveryMessageOfEveryThreadOnceFlaggedWithItsDirectionAndStatus() throws Exception {
        HttpResponse<String> r = post(HISTORY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"stored\":4").contains("\"items\":4");

        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(4);
        assertThat(docs).allSatisfy(d -> {
            assertThat(d.path("history").asBoolean()).isTrue();
            assertThat(d.path("webhook_field").asText()).isEqualTo("history");
        });
        String p = "meta:" + ACCOUNT + ":";
        JsonNode info = message(p + "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0N0FCNjMA");
        assertThat(info.path("from_me").asBoolean()).isTrue();
        assertThat(info.path("chat_id").asText()).isEqualTo(USER);
        assertThat(info.path("status").asText()).isEqualTo("read");
        assertThat(info.path("text").asText()).startsWith("Here's the info you requested!");
        JsonNode placeholder = message(p + "wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA");
        assertThat(placeholder.path("from_me").asBoolean()).isTrue();
        assertThat(placeholder.path("status").asText()).isEqualTo("played");
        assertThat(placeholder.path("type").asText()).isEqualTo("unsupported");
        JsonNode thanks = message(p + "wamid.N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGBIyNDlBOEI5QUQ4NDc0");
        assertThat(thanks.path("from_me").asBoolean()).isFalse();
        assertThat(thanks.path("chat_id").asText()).isEqualTo(USER);
        assertThat(thanks.path("sender_id").asText()).isEqualTo(USER);
        assertThat(thanks.path("status").asText()).isEqualTo("read");
        JsonNode order = message(p + "wamid.BIyNDlBOEI5N0FCNjMAHBgLMTY0NjcwNDM1OTUVAgARGQUQ4NDc0");
        assertThat(order.path("from_me").asBoolean()).isTrue();
        assertThat(order.path("chat_id").asText()).isEqualTo("12125557890");
        assertThat(order.path("status").asText()).isEqualTo("delivered");

        // a redelivered chunk stores nothing twice
        r = post(HISTORY);
        assertThat(r.body()).contains("\"duplicate\":4");
        assertThat(all(store().getMessagesIndex())).hasSize(4);
    }

    // webhooks/reference/history, "This example webhook describes a media message's contents": the placeholder's
    // contents, sent after the chunk under the same wamid
    public static final String HISTORY_MEDIA = change("history", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "messages":[{"from":"16505551234","id":"wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA",
               "timestamp":"1738796547","type":"image",
               "image":{"caption":"Black Prince echeveria","mime_type":"image/jpeg",
                 "sha256":"3f9d94d399fa61c191bc1d4ca71375a035cd9b9f5b1128e1f0963a415c16b0cc",
                 "id":"24230790383178626"}}]}""");

    @Test
    void historyMediaContentsFillTheirPlaceholder() throws Exception {
        assertPlaceholderFilled(List.of(HISTORY, HISTORY_MEDIA));
    }

    @Test
    void historyMediaContentsBeforeTheirPlaceholderAreStoredAndKept() throws Exception {
        assertPlaceholderFilled(List.of(HISTORY_MEDIA, HISTORY));
    }

    private void assertPlaceholderFilled(List<String> order) throws Exception {
        String placeholder = "meta:" + ACCOUNT + ":wamid.QyNUEHBgLMTY0NjcwNDM1OTUVAgARGBI1Rj3NEYxMzAzMzQ5MkEA";
        for (String body : order) {
            HttpResponse<String> r = post(body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> "image".equals(message(placeholder).path("type").asText()));
        JsonNode m = message(placeholder);
        assertThat(m.path("media").path("id").asText()).isEqualTo("24230790383178626");
        assertThat(m.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(m.path("text").asText()).isEqualTo("Black Prince echeveria");
        assertThat(m.path("history").asBoolean()).isTrue();
        assertThat(all(store().getMessagesIndex())).hasSize(4);
    }

    // business-scoped-user-ids, "smb_message_echoes webhooks" (business-scoped-user-ids__smb_message_echoes_webhooks.json)
    static final String SMB_TEXT = change("smb_message_echoes", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "contacts":[{"profile":{"username":"pablomorales"},"wa_id":"16505551234",
               "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
             "message_echoes":[{"from":"15550783881","to":"16505551234","to_user_id":"US.13491208655302741918",
               "to_parent_user_id":"US.ENT.11815799212886844830",
               "id":"wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=","timestamp":"1750030073",
               "type":"text","text":{"body":"Here's the info you requested! https://www.meta.com/quest/quest-3/"}}]}""");

    // business-scoped-user-ids, "Edit messages webhooks", the smb_message_echoes example (..._edit_messages_webhooks_2.json),
    // its edited message made a text (the page edits an image caption) and its original the echo above
    static final String SMB_EDIT = change("smb_message_echoes", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "message_echoes":[{"from":"15550783881","to":"16505551234","to_user_id":"US.13491208655302741918",
               "id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=","timestamp":"1750030173",
               "type":"edit","edit":{
                 "original_message_id":"wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
                 "message":{"context":{"id":"M0"},"type":"text","text":{"body":"Here is the updated info."}}}}]}""");

    // business-scoped-user-ids, "Revoke messages webhooks", the smb_message_echoes example (..._revoke_messages_webhooks_2.json),
    // with an id of its own (the page reuses the placeholder wamid)
    static final String SMB_REVOKE = change("smb_message_echoes", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "message_echoes":[{"from":"15550783881","to":"16505551234","to_user_id":"US.13491208655302741918",
               "id":"wamid.REVOKE0000000000000000000001","timestamp":"1750030273",
               "type":"revoke","revoke":{
                 "original_message_id":"wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="}}]}""");

    @Test
    void smbMessageEchoesAreOwnMessagesFlaggedAndTheirEditAndRevokeAreLifecycleUpdates() throws Exception {
        HttpResponse<String> r = post(SMB_TEXT);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = "meta:" + ACCOUNT + ":wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=";
        JsonNode m = message(id);
        assertThat(m.path("from_me").asBoolean()).isTrue();
        assertThat(m.path("webhook_field").asText()).isEqualTo("smb_message_echoes");
        assertThat(m.path("text").asText()).startsWith("Here's the info you requested!");
        assertThat(m.has("standby")).isFalse();
        assertThat(m.has("history")).isFalse();

        r = post(SMB_EDIT);
        assertThat(r.body()).contains("\"update_stored\":1");
        r = post(SMB_REVOKE);
        assertThat(r.body()).contains("\"update_stored\":1");
        await().atMost(Duration.ofSeconds(10)).until(() -> message(id).path("deleted").asBoolean());
        m = message(id);
        assertThat(m.path("text").asText()).isEqualTo("Here is the updated info.");
        assertThat(m.path("edited").asBoolean()).isTrue();
        assertThat(m.path("original_text").asText()).startsWith("Here's the info you requested!");
        // the edit and the revoke are no messages of their own
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }

    // calling/reference, "Call connect webhook" (calling.reference__call_connect_webhook.json; SDP shortened)
    public static final String CALL_CONNECT = change("calls", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"16315553601","phone_number_id":"105615555715855"},
             "contacts":[{"profile":{"name":"Pablo Morales","username":"pablomorales"},"wa_id":"16315553602",
               "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
             "calls":[{"id":"wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh","to":"16315553601",
               "to_user_id":"US.13491208655302741918","from":"16315553602","event":"connect",
               "timestamp":"1671644824","direction":"BUSINESS_INITIATED",
               "session":{"sdp_type":"answer","sdp":"v=0\\r\\no=- 741807839102053725 2 IN IP4 127.0.0.1\\r\\n"}}]}""");

    // calling/reference, "Call terminate webhook" (calling.reference__call_terminate_webhook.json)
    public static final String CALL_TERMINATE = change("calls", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"16505553602","phone_number_id":"105615555715855"},
             "contacts":[{"profile":{"name":"Pablo Morales","username":"pablomorales"},"wa_id":"16315553601",
               "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
             "calls":[{"id":"wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh","to":"16315553601",
               "to_user_id":"US.13491208655302741918","from":"16315553602","event":"terminate",
               "direction":"BUSINESS_INITIATED","biz_opaque_callback_data":"random_string",
               "timestamp":"1671644824","status":"FAILED","start_time":"1671644824","end_time":"1671644944",
               "duration":120}],
             "errors":[{"code":138007,"message":"Connect Timeout error",
               "error_data":{"details":"Call was unable to connect due to a timeout"}}]}""");

    /** This context's own registry (the global composite's first child may be an earlier context's, closed). */
    @org.springframework.beans.factory.annotation.Autowired
    private io.micrometer.core.instrument.MeterRegistry meters;

    private double callEvents() {
        Counter c = meters.find("gateway.events.ignored").tag("provider", "meta")
                .tag("reason", "call-event").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void callConnectAndTerminateAreKeptAsCallEventsNotMessages() throws Exception {
        double before = callEvents();
        HttpResponse<String> r = post(CALL_CONNECT);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"ignored\":1");
        r = post(CALL_TERMINATE);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"ignored\":1");
        assertThat(callEvents() - before).isEqualTo(2.0);
        assertThat(all(store().getMessagesIndex())).isEmpty();
        assertThat(all(store().getUpdatesIndex())).isEmpty();
    }
}
