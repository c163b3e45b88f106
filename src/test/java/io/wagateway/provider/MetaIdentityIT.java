package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Meta's 2026 identities (issue 16 items 2, 4 state sync, 5 and 6) against real Elasticsearch. Payloads follow the
 * examples of Meta's pages (developers.facebook.com/documentation/business-messaging/whatsapp/...), as mirrored in
 * {@code vaam-apps/meta-whatsapp-rs} {@code crates/meta-whatsapp-webhooks/tests/fixtures/pages/} (providers.md 1.x):
 * ids, names and shapes are the pages' own; each payload says which example it follows and what was changed.
 */
class MetaIdentityIT extends GatewayIntegrationTest {

    /** The pages' business number ({@code metadata.phone_number_id}). */
    static final String ACCOUNT = "106540352242922";
    static final String PHONE = "16505551234";
    static final String BSUID = "US.13491208655302741918";
    static final String PARENT = "US.ENT.11815799212886844830";
    static final String NEW_BSUID = "US.20837465019283746501";
    private static final String TOKEN = "test-admin-token";

    /** The envelope of every page example, around one change value. */
    static String envelope(String field, String value) {
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
                "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",
                "phone_number_id":"106540352242922"},%s},"field":"%s"}]}]}""".formatted(value, field);
    }

    /**
     * business-scoped-user-ids page, "Incoming messages webhooks" example (contacts with wa_id, user_id,
     * parent_user_id, profile.username; message with from, from_user_id, from_parent_user_id), without its
     * {@code group_id} (a direct chat), with its own wamid and text.
     */
    static byte[] withPhoneAndBsuid(String wamid, String text) {
        return envelope("messages", """
                "contacts":[{"profile":{"name":"Pablo M.","username":"pablomorales"},"wa_id":"16505551234",
                "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
                "messages":[{"from":"16505551234","from_user_id":"US.13491208655302741918",
                "from_parent_user_id":"US.ENT.11815799212886844830","id":"%s","timestamp":"1750030073",
                "type":"text","text":{"body":"%s"}}]""".formatted(wamid, text)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * business-scoped-user-ids page, "Contacts webhook" example: a username-only user (contacts with user_id and
     * profile.username, no wa_id; the message has from_user_id and no from), as a text message.
     */
    static byte[] usernameOnly(String wamid, String text) {
        return envelope("messages", """
                "contacts":[{"profile":{"name":"Pablo M.","username":"pablomorales"},
                "user_id":"US.13491208655302741918"}],
                "messages":[{"id":"%s","timestamp":"1750030080","type":"text",
                "from_user_id":"US.13491208655302741918","text":{"body":"%s"}}]""".formatted(wamid, text))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A pre-2026 payload (messages webhook reference before BSUIDs): phone only. */
    static byte[] phoneOnly(String wamid, String text) {
        return envelope("messages", """
                "contacts":[{"profile":{"name":"Pablo M."},"wa_id":"16505551234"}],
                "messages":[{"from":"16505551234","id":"%s","timestamp":"1750030000","type":"text",
                "text":{"body":"%s"}}]""".formatted(wamid, text)).getBytes(StandardCharsets.UTF_8);
    }

    private static String id(String wamid) {
        return "meta:" + ACCOUNT + ":" + wamid;
    }

    private JsonNode names(String kind, String chatId) throws Exception {
        return document(store().getNamesIndex(), "meta:" + ACCOUNT + ":" + kind + ":" + chatId);
    }

    private HttpResponse<String> api(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> conversationTexts(String chat) throws Exception {
        es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);   // searchable now, not in a second
        HttpResponse<String> r = api("/api/conversation?provider=meta&account=" + ACCOUNT + "&chat=" + chat);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("items").findValuesAsText("text");
    }

    @Test
    void aUserWithAndWithoutAPhoneIsOneChatKeyedOnTheBsuidAndFoundByEither() throws Exception {
        assertThat(postMeta(phoneOnly("wamid.OLD0001", "Hello from 2025")).statusCode()).isEqualTo(200);
        assertThat(postMeta(withPhoneAndBsuid("wamid.BOTH0001", "Does it come in another color?")).statusCode())
                .isEqualTo(200);
        assertThat(postMeta(usernameOnly("wamid.USER0001", "Blue, please")).statusCode()).isEqualTo(200);

        JsonNode old = message(id("wamid.OLD0001"));
        assertThat(old.path("chat_id").asText()).as("pre-2026: keyed on the phone").isEqualTo(PHONE);
        assertThat(old.has("sender_user_id")).isFalse();

        JsonNode both = message(id("wamid.BOTH0001"));
        assertThat(both.path("chat_id").asText()).isEqualTo(BSUID);
        assertThat(both.path("sender_id").asText()).isEqualTo(BSUID);
        assertThat(both.path("sender_user_id").asText()).isEqualTo(BSUID);
        assertThat(both.path("sender_parent_user_id").asText()).isEqualTo(PARENT);
        assertThat(both.path("sender_username").asText()).isEqualTo("pablomorales");
        assertThat(both.path("sender_phone").asText()).isEqualTo(PHONE);
        assertThat(both.path("sender_name").asText()).isEqualTo("Pablo M.");

        JsonNode user = message(id("wamid.USER0001"));
        assertThat(user.path("chat_id").asText()).as("hiding the phone does not split the chat").isEqualTo(BSUID);
        assertThat(user.path("sender_username").asText()).isEqualTo("pablomorales");
        assertThat(user.has("sender_phone")).isFalse();
        assertThat(user.path("sender_name").asText()).isEqualTo("Pablo M.");

        // the phone and the BSUID are linked in the names index, both directions
        assertThat(names("chat", PHONE).path("linked_ids")).extracting(JsonNode::asText).containsExactly(BSUID);
        assertThat(names("chat", BSUID).path("linked_ids")).extracting(JsonNode::asText).containsExactly(PHONE);

        // the conversation by either id is the whole conversation (the old phone-keyed message included)
        List<String> all = List.of("Hello from 2025", "Does it come in another color?", "Blue, please");
        assertThat(conversationTexts(PHONE)).containsExactlyElementsOf(all);
        assertThat(conversationTexts(BSUID)).containsExactlyElementsOf(all);
        // the search by chat (no provider/account: the names index is searched, after its refresh)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            es("POST", "/" + store().getNamesIndex() + "/_refresh", null);
            for (String chat : List.of(PHONE, BSUID)) {
                JsonNode r = JSON.readTree(api("/api/messages?chat=" + chat).body());
                assertThat(r.path("total").asInt()).as("search by chat %s", chat).isEqualTo(3);
            }
        });
    }

    @Test
    void theLinkIsWrittenOnceNotPerMessage() throws Exception {
        assertThat(postMeta(withPhoneAndBsuid("wamid.ONCE0001", "one")).statusCode()).isEqualTo(200);
        long version = JSON.readTree(es("GET", "/" + store().getNamesIndex() + "/_doc/"
                + encode("meta:" + ACCOUNT + ":chat:" + PHONE), null).body()).path("_version").asLong();
        assertThat(version).as("the link is written by the first message").isPositive();
        for (int i = 2; i <= 4; i++) {
            assertThat(postMeta(withPhoneAndBsuid("wamid.ONCE000" + i, "again " + i)).statusCode()).isEqualTo(200);
        }
        assertThat(JSON.readTree(es("GET", "/" + store().getNamesIndex() + "/_doc/"
                + encode("meta:" + ACCOUNT + ":chat:" + PHONE), null).body()).path("_version").asLong())
                .as("three more messages of the same pair did not rewrite the link").isEqualTo(version);
    }

    @Test
    void aStatusIsKeyedOnTheRecipientsBsuid() throws Exception {
        // business-scoped-user-ids page, "Status messages webhooks" example, verbatim values
        byte[] status = envelope("messages", """
                "contacts":[{"profile":{"name":"Pablo M.","username":"pablomorales"},"wa_id":"16505551234",
                "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
                "statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
                "status":"delivered","timestamp":"1750030073","recipient_id":"16505551234",
                "recipient_user_id":"US.13491208655302741918",
                "recipient_parent_user_id":"US.ENT.11815799212886844830"}]""").getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(status).statusCode()).isEqualTo(200);
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).singleElement().satisfies(u -> assertThat(u.path("chat_id").asText()).isEqualTo(BSUID));
    }

    @Test
    void userChangedUserIdLinksTheOldAndNewBsuidAndIsNoMessage() throws Exception {
        assertThat(postMeta(withPhoneAndBsuid("wamid.BEFORE001", "before the change")).statusCode()).isEqualTo(200);
        // webhooks reference, messages/system (updated 2026-08-11) and the business-scoped-user-ids page's "System
        // messages webhooks" example: user_id / parent_user_id the new ids; previous_user_id /
        // previous_parent_user_id (listed by the reference) added with the old ids of the example's user
        byte[] system = envelope("messages", """
                "messages":[{"from":"16505551234","id":"wamid.SYSTEM0001","timestamp":"1750030090",
                "type":"system","system":{"body":"User Pablo M. changed their business-scoped user ID",
                "wa_id":"16505551234","user_id":"US.20837465019283746501",
                "parent_user_id":"US.ENT.20837465019283746502","previous_user_id":"US.13491208655302741918",
                "previous_parent_user_id":"US.ENT.11815799212886844830","type":"user_changed_user_id"}}]""")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postMeta(system);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("contact_updated").asInt()).as(r.body()).isEqualTo(1);
        assertThat(message(id("wamid.SYSTEM0001"))).as("never stored as a customer's message").isNull();
        assertThat(all(store().getMessagesIndex())).hasSize(1);

        assertThat(names("chat", NEW_BSUID).path("linked_ids")).extracting(JsonNode::asText)
                .contains(BSUID, PHONE);
        assertThat(names("chat", BSUID).path("linked_ids")).extracting(JsonNode::asText)
                .contains(NEW_BSUID, PHONE);

        // a message from the new BSUID: the conversation by the new id has the old messages too
        byte[] after = new String(usernameOnly("wamid.AFTER0001", "after the change"), StandardCharsets.UTF_8)
                .replace(BSUID, NEW_BSUID).getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(after).statusCode()).isEqualTo(200);
        assertThat(message(id("wamid.AFTER0001")).path("chat_id").asText()).isEqualTo(NEW_BSUID);
        assertThat(conversationTexts(NEW_BSUID)).containsExactly("before the change", "after the change");
        assertThat(conversationTexts(PHONE)).containsExactly("before the change", "after the change");
    }

    @Test
    void userChangedNumberLinksTheOldAndNewPhoneAndIsNoMessage() throws Exception {
        assertThat(postMeta(phoneOnly("wamid.OLDNUM001", "from my old number")).statusCode()).isEqualTo(200);
        // webhooks reference, messages/system "Syntax": from = the old phone, system.wa_id = the new one
        byte[] changed = envelope("messages", """
                "messages":[{"from":"16505551234","id":"wamid.SYSTEM0002","timestamp":"1750030095",
                "type":"system","system":{"body":"User Pablo M. changed from 16505551234 to 16505559876",
                "wa_id":"16505559876","type":"user_changed_number"}}]""").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postMeta(changed);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("contact_updated").asInt()).as(r.body()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
        assertThat(names("chat", "16505559876").path("linked_ids")).extracting(JsonNode::asText)
                .containsExactly(PHONE);

        byte[] fromNew = new String(phoneOnly("wamid.NEWNUM001", "from my new number"), StandardCharsets.UTF_8)
                .replace(PHONE, "16505559876").getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(fromNew).statusCode()).isEqualTo(200);
        assertThat(conversationTexts("16505559876")).containsExactly("from my old number", "from my new number");
    }

    @Test
    void theMinimalTestMessageWithoutObjectFieldOrMetadataIsStored() throws Exception {
        // issue 16: the self-care agent's curl example of Meta's test message has only entry[].changes[].value
        // .messages[] (message shape: messages webhook reference, providers.md 1.5)
        byte[] minimal = """
                {"entry":[{"changes":[{"value":{"messages":[{"from":"16505551234","id":"wamid.MINIMAL0001",
                "timestamp":"1750030100","type":"text","text":{"body":"this is a test message"}}]}}]}]}"""
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postMeta(minimal);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).as(r.body()).isEqualTo(1);
        JsonNode doc = message("meta:unknown:wamid.MINIMAL0001");
        assertThat(doc).as("kept under the account 'unknown' (no gateway.meta.phone-number-id here)").isNotNull();
        assertThat(doc.path("text").asText()).isEqualTo("this is a test message");
        assertThat(doc.path("chat_id").asText()).isEqualTo(PHONE);
    }

    @Test
    void interactiveAnswersAndButtonTapsAreFieldsOfTheMessage() throws Exception {
        for (String f : List.of("webhooks/meta/interactive_button_reply.json", "webhooks/meta/interactive_list_reply.json",
                "peer/meta/pywa__interactive_nfm_reply_flow.json", "peer/meta/pywa__template_quick_reply_no_context.json")) {
            assertThat(postMeta(Fixtures.bytes(f)).statusCode()).as(f).isEqualTo(200);
        }
        List<JsonNode> docs = all(store().getMessagesIndex());
        JsonNode button = docs.stream().filter(d -> d.path("interactive").has("button_reply")).findFirst().orElseThrow();
        assertThat(button.path("interactive").path("type").asText()).isEqualTo("button_reply");
        assertThat(button.path("interactive").path("button_reply").path("id").asText()).isEqualTo("reschedule-button");
        assertThat(button.path("interactive").path("button_reply").path("title").asText()).isEqualTo("Reschedule");
        JsonNode list = docs.stream().filter(d -> d.path("interactive").has("list_reply")).findFirst().orElseThrow();
        assertThat(list.path("interactive").path("list_reply").path("id").asText()).isEqualTo("ship_express");
        assertThat(list.path("interactive").path("list_reply").path("description").asText())
                .isEqualTo("Tracked, signature on delivery");
        JsonNode flow = docs.stream().filter(d -> d.path("interactive").has("nfm_reply")).findFirst().orElseThrow();
        assertThat(flow.path("interactive").path("nfm_reply").path("name").asText()).isEqualTo("flow");
        assertThat(flow.path("interactive").path("nfm_reply").path("response_json").asText())
                .contains("\"delivery_rating\":\"4\"");
        JsonNode tap = docs.stream().filter(d -> d.has("button")).findFirst().orElseThrow();
        assertThat(tap.path("button").path("payload").asText()).isEqualTo("callback_data");
        assertThat(tap.path("button").path("text").asText()).isEqualTo("title");

        // indexed (mapping), so a search can select on the chosen id
        HttpResponse<String> byId = es("POST", "/" + store().getMessagesIndex() + "/_search",
                "{\"query\":{\"term\":{\"interactive.button_reply.id\":\"reschedule-button\"}}}");
        assertThat(JSON.readTree(byId.body()).path("hits").path("total").path("value").asInt()).isEqualTo(1);
        HttpResponse<String> byPayload = es("POST", "/" + store().getMessagesIndex() + "/_search",
                "{\"query\":{\"term\":{\"button.payload\":\"callback_data\"}}}");
        assertThat(JSON.readTree(byPayload.body()).path("hits").path("total").path("value").asInt()).isEqualTo(1);
    }

    @Test
    void stateSyncAddNamesTheContactAndRemoveForgetsItWithoutAMessage() throws Exception {
        // business-scoped-user-ids page, "smb_app_state_sync webhooks" example, verbatim values
        String add = envelope("smb_app_state_sync", """
                "state_sync":[{"type":"contact","contact":{"full_name":"Pablo Morales","first_name":"Pablo",
                "phone_number":"16505551234","user_id":"US.13491208655302741918",
                "parent_user_id":"US.ENT.11815799212886844830","username":"pablomorales"},"action":"add",
                "metadata":{"timestamp":"1750030073"}}]""");
        HttpResponse<String> r = postMeta(add.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("contact_updated").asInt()).as(r.body()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).isEmpty();
        for (String chat : List.of(PHONE, BSUID)) {
            assertThat(names("chat", chat).path("name").asText()).isEqualTo("Pablo Morales");
        }
        assertThat(names("chat", PHONE).path("linked_ids")).extracting(JsonNode::asText).containsExactly(BSUID);

        // a message without a profile name gets the address book's name
        byte[] unnamed = new String(usernameOnly("wamid.SYNC0001", "hi"), StandardCharsets.UTF_8)
                .replace("\"name\":\"Pablo M.\",", "").getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(unnamed).statusCode()).isEqualTo(200);
        assertThat(message(id("wamid.SYNC0001")).path("chat_name").asText()).isEqualTo("Pablo Morales");

        HttpResponse<String> removed = postMeta(add.replace("\"action\":\"add\"", "\"action\":\"remove\"")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(removed.body()).path("contact_updated").asInt()).isEqualTo(1);
        for (String chat : List.of(PHONE, BSUID)) {
            assertThat(names("chat", chat).path("name").isNull()).as("name of %s forgotten", chat).isTrue();
        }
        assertThat(names("chat", PHONE).path("linked_ids")).as("links stay").extracting(JsonNode::asText)
                .containsExactly(BSUID);
        assertThat(postMeta(new String(usernameOnly("wamid.SYNC0002", "hi again"), StandardCharsets.UTF_8)
                .replace("\"name\":\"Pablo M.\",", "").getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(message(id("wamid.SYNC0002")).path("chat_name").asText(null)).as("no name after the removal")
                .isNull();
        assertThat(all(store().getMessagesIndex())).hasSize(2);
    }
}
