package io.wagateway.chat;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chats index end to end (issue 19 item 3): signed WAHA webhooks through HTTP, concurrent, in random order and
 * with redeliveries, against the real Elasticsearch; the chats API; the read receipt recorded by WireMock; the
 * migration of {@code whatsapp-chat-settings}.
 */
class ChatsIT extends GatewayIntegrationTest {

    private static final String PAGE_TOKEN = "test-admin-token";     // gateway.page.token defaults to the admin token
    private static final String SEND_TOKEN = "test-send-token";
    private static final String ME = "15550100100@c.us";

    /** One message sent in the test, and what the chat document must show of it. */
    record Sent(String chat, String id, long epochSecond, boolean fromMe, String text) {
    }

    @BeforeEach
    void sendToken() {
        browser().setSendToken(SEND_TOKEN);
    }

    @AfterEach
    void noSendToken() {
        browser().setSendToken("");
    }

    private ChatBrowser browser() {
        return camelContext.getRegistry().lookupByNameAndType("chatBrowser", ChatBrowser.class);
    }

    private Chats chats() {
        return camelContext.getRegistry().lookupByNameAndType("chats", Chats.class);
    }

    @Test
    void thousandMessagesInTwentyChatsInRandomOrderWithRedeliveriesGiveTwentyRightChats() throws Exception {
        Random random = new Random(19);
        long base = 1_767_610_800L;
        List<Sent> messages = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String chat = "1555020" + String.format("%04d", i % 20) + "@c.us";
            boolean fromMe = random.nextInt(100) < 15;
            // distinct times inside a chat (i / 20 grows), shuffled across the chat's messages below
            long at = base + (long) random.nextInt(50) * 60 + i / 20;
            String id = (fromMe ? "true_" : "false_") + chat + "_3EB0CHATS" + String.format("%06d", i);
            messages.add(new Sent(chat, id, at, fromMe, "message " + i + " of " + chat));
        }
        // 20 % redeliveries (the same bytes again), everything in random order
        List<Sent> deliveries = new ArrayList<>(messages);
        for (int i = 0; i < 200; i++) {
            deliveries.add(messages.get(random.nextInt(messages.size())));
        }
        Collections.shuffle(deliveries, random);

        Map<String, Long> before = chats().stats();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        long started = System.nanoTime();
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (Sent s : deliveries) {
                answers.add(pool.submit(() -> postWaha(webhook(s))));
            }
            for (Future<HttpResponse<String>> a : answers) {
                HttpResponse<String> r = a.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        Map<String, Long> after = chats().stats();
        long batches = after.get("batches") - before.get("batches");
        long merged = after.get("messages") - before.get("messages");
        System.out.println("ChatsIT: 1200 deliveries (1000 messages, 20 chats) acknowledged in " + ms + " ms; "
                + merged + " messages merged in " + batches + " chats batches (" + batches + " _mget), "
                + (after.get("writes") - before.get("writes")) + " chat writes, "
                + (after.get("conflicts") - before.get("conflicts")) + " conflicts");
        assertThat(merged).as("every delivery that reached Elasticsearch updated its chat")
                .isGreaterThanOrEqualTo(1000);
        assertThat(batches).as("batched: fewer batches than messages").isLessThan(merged);
        es("POST", "/whatsapp-messages,whatsapp-chats/_refresh", null);

        // what every chat must show, computed from what was sent
        Map<String, Sent> newest = new HashMap<>();
        Map<String, Sent> newestInbound = new HashMap<>();
        Map<String, Integer> inbound = new HashMap<>();
        for (Sent s : messages) {
            newest.merge(s.chat(), s, ChatsIT::later);
            if (!s.fromMe()) {
                newestInbound.merge(s.chat(), s, ChatsIT::later);
                inbound.merge(s.chat(), 1, Integer::sum);
            }
        }
        List<JsonNode> listed = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            HttpResponse<String> page = api("GET", "/api/chats?provider=waha&size=7"
                    + (next == null ? "" : "&after=" + next), PAGE_TOKEN);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(page.body());
            body.path("items").forEach(listed::add);
            next = body.path("next").isNull() ? null : body.path("next").asText();
            pages++;
        } while (next != null && pages < 10);
        assertThat(listed).hasSize(20);
        assertThat(pages).isEqualTo(3);
        for (int i = 1; i < listed.size(); i++) {
            assertThat(Instant.parse(listed.get(i - 1).path("last_message_at").asText()))
                    .as("sorted by last_message_at desc")
                    .isAfterOrEqualTo(Instant.parse(listed.get(i).path("last_message_at").asText()));
        }
        for (JsonNode chat : listed) {
            String chatId = chat.path("chat_id").asText();
            Sent last = newest.get(chatId);
            assertThat(chat.path("id").asText()).isEqualTo("waha:default:" + chatId);
            assertThat(chat.path("last_message_at").asText()).as(chatId)
                    .isEqualTo(Instant.ofEpochSecond(last.epochSecond()).toString());
            assertThat(chat.path("last_message_preview").asText()).as(chatId).isEqualTo(last.text());
            assertThat(chat.path("last_message_id").asText()).as(chatId).isEqualTo(last.id());
            assertThat(chat.path("last_inbound_at").asText()).as(chatId)
                    .isEqualTo(Instant.ofEpochSecond(newestInbound.get(chatId).epochSecond()).toString());
            assertThat(chat.path("unread_count").asLong()).as(chatId).isEqualTo(inbound.get(chatId).longValue());
        }
        assertThat(all("whatsapp-chats")).hasSize(20);

        // mark one read: unread 0 and exactly one receipt (WAHA sendSeen for the newest inbound message)
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/api/sendSeen"))
                .willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{}")));
        String chatId = "15550200007@c.us";
        HttpResponse<String> read = api("POST", "/api/chats/" + encode("waha:default:" + chatId) + "/read",
                SEND_TOKEN);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(read.body());
        assertThat(answer.path("id").asText()).isEqualTo("waha:default:" + chatId);
        assertThat(answer.path("unread_count").asLong()).isZero();
        assertThat(answer.path("receipt").asText()).isEqualTo("sent");
        assertThat(answer.path("last_read_at").asText())
                .isEqualTo(Instant.ofEpochSecond(newestInbound.get(chatId).epochSecond()).toString());
        PEERS.verify(1, postRequestedFor(urlPathEqualTo("/api/sendSeen")));
        PEERS.verify(postRequestedFor(urlPathEqualTo("/api/sendSeen")).withHeader("X-Api-Key", equalTo("test-waha-key"))
                .withRequestBody(equalToJson("{\"session\":\"default\",\"chatId\":\"" + chatId
                        + "\",\"messageIds\":[\"" + newestInbound.get(chatId).id() + "\"]}")));
        JsonNode one = JSON.readTree(api("GET", "/api/chats/" + encode("waha:default:" + chatId), PAGE_TOKEN).body());
        assertThat(one.path("unread_count").asLong()).isZero();
        assertThat(one.path("last_read_at").asText()).isEqualTo(answer.path("last_read_at").asText());
        // only that chat left the unread list
        JsonNode unread = JSON.readTree(api("GET", "/api/chats?unread=true&size=50", PAGE_TOKEN).body());
        assertThat(unread.path("items")).as(unread.toString()).hasSize(19);

        // a newer customer message makes it unread again
        Sent later = new Sent(chatId, "false_" + chatId + "_3EB0CHATSLATER", base + 3600 * 24, false, "one more");
        assertThat(postWaha(webhook(later)).statusCode()).isEqualTo(200);
        es("POST", "/whatsapp-messages/_refresh", null);
        one = JSON.readTree(api("GET", "/api/chats/" + encode("waha:default:" + chatId), PAGE_TOKEN).body());
        assertThat(one.path("unread_count").asLong()).isEqualTo(1);
        assertThat(one.path("last_message_preview").asText()).isEqualTo("one more");
    }

    @Test
    void aFailedReceiptStillMarksTheChatReadAndAProviderWithoutReceiptsSaysSo() throws Exception {
        Sent one = new Sent("15550200099@c.us", "false_15550200099@c.us_3EB0RECEIPT1", 1_767_610_800L, false, "hi");
        assertThat(postWaha(webhook(one)).statusCode()).isEqualTo(200);
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/api/sendSeen"))
                .willReturn(aResponse().withStatus(500).withBody("{\"error\":\"session not ready\"}")));
        String path = "/api/chats/" + encode("waha:default:" + one.chat()) + "/read";
        JsonNode failed = JSON.readTree(api("POST", path, SEND_TOKEN).body());
        assertThat(failed.path("receipt").asText()).isEqualTo("failed");
        assertThat(failed.path("unread_count").asLong()).isZero();
        assertThat(failed.path("last_read_at").asText()).isEqualTo(Instant.ofEpochSecond(one.epochSecond()).toString());
        PEERS.verify(1, postRequestedFor(urlPathEqualTo("/api/sendSeen")));

        // Periskope has no mark-read route (yet): not_supported, and the chat is read
        assertThat(postPeriskope(io.wagateway.support.Fixtures.bytes(
                "webhooks/periskope/message_created_inbound_text.json")).statusCode()).isEqualTo(200);
        es("POST", "/whatsapp-messages,whatsapp-chats/_refresh", null);
        JsonNode listed = JSON.readTree(api("GET", "/api/chats?provider=periskope", PAGE_TOKEN).body());
        assertThat(listed.path("items")).hasSize(1);
        assertThat(listed.path("items").get(0).path("unread_count").asLong()).isEqualTo(1);
        String periskope = listed.path("items").get(0).path("id").asText();
        JsonNode answer = JSON.readTree(api("POST", "/api/chats/" + encode(periskope) + "/read", SEND_TOKEN).body());
        assertThat(answer.path("receipt").asText()).isEqualTo("not_supported");
        assertThat(answer.path("unread_count").asLong()).isZero();
    }

    @Test
    void theApiAnswersItsErrorsLikeTheMessagesApi() throws Exception {
        assertThat(api("GET", "/api/chats", null).statusCode()).isEqualTo(401);
        HttpResponse<String> bad = api("GET", "/api/chats?owner=nobody", PAGE_TOKEN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("parameter").asText()).isEqualTo("owner");
        assertThat(JSON.readTree(api("GET", "/api/chats?size=0", PAGE_TOKEN).body()).path("parameter").asText())
                .isEqualTo("size");
        assertThat(api("GET", "/api/chats/" + encode("waha:default:nobody@c.us"), PAGE_TOKEN).statusCode())
                .isEqualTo(404);
        assertThat(api("POST", "/api/chats/" + encode("waha:default:nobody@c.us") + "/read", SEND_TOKEN)
                .statusCode()).isEqualTo(404);
        assertThat(api("POST", "/api/chats/" + encode("waha:default:nobody@c.us") + "/read", PAGE_TOKEN)
                .statusCode()).isEqualTo(401);
        browser().setSendToken("");
        assertThat(api("POST", "/api/chats/" + encode("waha:default:nobody@c.us") + "/read", SEND_TOKEN)
                .statusCode()).as("no send token configured: off").isEqualTo(404);
    }

    @Test
    void chatSettingsAreMigratedOnceWithoutOverwritingNewerValuesEvenByTwoInstancesAtOnce() throws Exception {
        es("DELETE", "/whatsapp-chat-settings-000001?ignore_unavailable=true", null);
        try {
            store().ensureIndex("whatsapp-chat-settings", "elasticsearch/chat-settings-mapping.json");
            // an opt-out, an owner, and an owner older than the one whatsapp-chats already holds
            putSettings("waha:default:15550100001@c.us", "{\"auto_reply\":false}");   // as docs/recipes.md wrote it
            putSettings("meta:106540352242922:16505551234", "{\"provider\":\"meta\",\"account_id\":"
                    + "\"106540352242922\",\"chat_id\":\"16505551234\",\"owner\":\"meta_agent\","
                    + "\"owner_since\":\"2026-06-01T10:00:00Z\",\"owner_event\":\"control_taken\"}");
            putSettings("meta:106540352242922:16505550000", "{\"provider\":\"meta\",\"account_id\":"
                    + "\"106540352242922\",\"chat_id\":\"16505550000\",\"owner\":\"human\","
                    + "\"owner_since\":\"2026-01-01T10:00:00Z\",\"owner_event\":\"control_passed\","
                    + "\"auto_reply\":true}");
            es("PUT", "/whatsapp-chats/_doc/" + encode("meta:106540352242922:16505550000") + "?refresh=true",
                    "{\"provider\":\"meta\",\"account_id\":\"106540352242922\",\"chat_id\":\"16505550000\","
                            + "\"chat_key\":\"meta:106540352242922:16505550000\",\"owner\":\"app\","
                            + "\"owner_since\":\"2026-02-01T10:00:00Z\","
                            + "\"owner_event\":\"control_passed\",\"auto_reply\":false}");
            es("POST", "/whatsapp-chat-settings/_refresh", null);

            ExecutorService two = Executors.newFixedThreadPool(2);
            try {
                Future<Integer> a = two.submit(() -> chats().migrate());
                Future<Integer> b = two.submit(() -> chats().migrate());
                assertThat(a.get(30, TimeUnit.SECONDS) + b.get(30, TimeUnit.SECONDS))
                        .as("each document changed once, by one of the two").isEqualTo(2);
            } finally {
                two.shutdownNow();
            }
            assertThat(chats().migrate()).as("idempotent").isZero();

            JsonNode optedOut = document("whatsapp-chats", "waha:default:15550100001@c.us");
            assertThat(optedOut.path("auto_reply").asBoolean(true)).isFalse();
            assertThat(optedOut.path("chat_id").asText()).as("named from its _id").isEqualTo("15550100001@c.us");
            JsonNode owned = document("whatsapp-chats", "meta:106540352242922:16505551234");
            assertThat(owned.path("owner").asText()).isEqualTo("meta_agent");
            assertThat(owned.path("owner_since").asText()).isEqualTo("2026-06-01T10:00:00Z");
            assertThat(owned.path("chat_key").asText()).isEqualTo("meta:106540352242922:16505551234");
            JsonNode newer = document("whatsapp-chats", "meta:106540352242922:16505550000");
            assertThat(newer.path("owner").asText()).as("the newer owner stays").isEqualTo("app");
            assertThat(newer.path("auto_reply").asBoolean()).as("the chat's own switch stays").isFalse();

            // and the auto-reply reads the migrated opt-out (AutoReplyPolicy on whatsapp-chats)
            es("POST", "/whatsapp-chats/_refresh", null);
            HttpResponse<String> list = api("GET", "/api/chats?provider=meta&owner=meta_agent", PAGE_TOKEN);
            assertThat(JSON.readTree(list.body()).path("items")).hasSize(1);
        } finally {
            es("DELETE", "/whatsapp-chat-settings-000001?ignore_unavailable=true", null);
        }
    }

    private void putSettings(String id, String json) throws Exception {
        HttpResponse<String> r = es("PUT", "/whatsapp-chat-settings/_doc/" + encode(id), json);
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }

    private static Sent later(Sent a, Sent b) {
        int c = Long.compare(a.epochSecond(), b.epochSecond());
        return c > 0 || c == 0 && a.id().compareTo(b.id()) > 0 ? a : b;
    }

    private HttpResponse<String> api(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A signed-ready WAHA delivery of one message: {@code message} inbound, {@code message.any} for own ones. */
    private static byte[] webhook(Sent s) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("id", "evt_" + s.id().hashCode());
        envelope.put("timestamp", s.epochSecond() * 1000 + 137);
        envelope.put("event", s.fromMe() ? "message.any" : "message");
        envelope.put("session", "default");
        envelope.putObject("me").put("id", ME).put("pushName", "Acme Support");
        ObjectNode p = envelope.putObject("payload");
        p.put("id", s.id());
        p.put("timestamp", s.epochSecond());
        p.put("from", s.fromMe() ? ME : s.chat());
        p.put("fromMe", s.fromMe());
        p.put("to", s.fromMe() ? s.chat() : ME);
        p.put("body", s.text());
        p.put("hasMedia", false);
        p.put("ack", s.fromMe() ? 1 : 1);
        envelope.put("engine", "GOWS");
        return envelope.toString().getBytes(StandardCharsets.UTF_8);
    }
}
