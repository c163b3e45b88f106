package io.wagateway.reply;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.api.Operators;
import io.wagateway.page.MessageEvents;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Human hand-over end to end (issue 21 item 2), the whole gateway against the real Elasticsearch, WireMock standing in
 * for OpenRouter and Meta's Send API: a hand-over keyword makes the chat {@code human} and the auto-reply stops; an
 * operator's reply through the send API goes out once and records the operator; {@code POST /api/chats/{id}/owner}
 * hands back and the auto-reply answers again; the model's marker hands over; the idle timeout hands back. Operator
 * tokens open the page and send APIs, never /admin.
 */
@TestPropertySource(properties = {
        "gateway.auto-reply.enabled=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.llm.retries=0",
        "gateway.auto-reply.llm.circuit-minimum-calls=1000",
        "gateway.meta.access-token=test-meta-token",
        "gateway.page.token=" + HandOverIT.PAGE_TOKEN,
        "gateway.api.send-token=" + HandOverIT.SEND_TOKEN,
        "gateway.operators=alice:" + HandOverIT.ALICE_HASH + ",bob:" + HandOverIT.BOB_HASH,
        "gateway.handover.keyword-answer=" + HandOverIT.KEYWORD_ANSWER,
        "gateway.handover.idle-timeout-minutes=30",
        "gateway.handover.idle-check-interval-ms=300"})
class HandOverIT extends GatewayIntegrationTest {

    static final String PAGE_TOKEN = "test-page-token";
    static final String SEND_TOKEN = "test-send-token";
    static final String ALICE_TOKEN = "4f1c0b7e9d2a4c3e8b5f6a7d8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912";
    static final String BOB_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    /** {@code printf %s <token> | sha256sum}, as scripts/operator-token.sh writes it. */
    static final String ALICE_HASH = "20520130cf441aa8502dc14e9282eeec6d40738b01d99f692eab823378a800ee";
    static final String BOB_HASH = "879515ad9e735e371e46407e1517fa99dad756d34fe854fd535f7372eef671e4";
    static final String KEYWORD_ANSWER = "A person will answer you here shortly.";
    static final String ACCOUNT = "106540352242922";
    static final String USER = "16505551234";
    static final String CHAT = "meta:" + ACCOUNT + ":" + USER;

    @DynamicPropertySource
    static void llmAndGraph(DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    private final List<String[]> events = new CopyOnWriteArrayList<>();
    private MessageEvents.Subscription subscription;
    private long clockSeconds = Instant.now().getEpochSecond();

    @BeforeEach
    void stubs() {
        AutoReplyIT.stubSendApis();
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/" + ACCOUNT + "/messages"))
                .willReturn(okJson("{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + USER
                        + "\",\"wa_id\":\"" + USER + "\"}],\"messages\":[{\"id\":\"wamid.HANDOVER_OUT_{{randomValue length=8 type='ALPHANUMERIC'}}\"}]}")));
        subscription = camelContext.getRegistry().lookupByNameAndType("messageEvents", MessageEvents.class)
                .subscribe(new MessageEvents.Sink() {
                    @Override
                    public void send(String type, String json) {
                        events.add(new String[] {type, json});
                    }

                    @Override
                    public void heartbeat() {
                    }

                    @Override
                    public void close() {
                    }
                });
    }

    @AfterEach
    void cleanUp() {
        subscription.cancel();
        chatOwners().setClock(Clock.systemUTC());
    }

    private ChatOwners chatOwners() {
        return camelContext.getRegistry().lookupByNameAndType("chatOwners", ChatOwners.class);
    }

    private static List<LoggedRequest> completions() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/v1/chat/completions")));
    }

    private static List<LoggedRequest> sends() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/" + ACCOUNT + "/messages")));
    }

    private static List<String> sentTexts() {
        return sends().stream().map(r -> {
            try {
                return JSON.readTree(r.getBodyAsString()).path("text").path("body").asText();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static void assertStaysAt(IntSupplier count, int expected) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(8)).until(() -> count.getAsInt() == expected);
    }

    /** webhooks/reference/messages/text: a customer's text, dated now (each call a second later). */
    private String inbound(String id, String text) {
        clockSeconds++;
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{
                  "field":"messages","value":{"messaging_product":"whatsapp",
                 "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
                 "contacts":[{"profile":{"name":"Test User"},"wa_id":"16505551234"}],
                 "messages":[{"from":"16505551234","id":"%s","timestamp":"%d","type":"text",
                              "text":{"body":"%s"}}]}}]}]}""".formatted(id, clockSeconds, text);
    }

    private void deliver(String body) throws Exception {
        HttpResponse<String> r = postMeta(body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> call(String method, String path, String token, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode chat() throws Exception {
        return document("whatsapp-chats", CHAT);
    }

    private HttpResponse<String> setOwner(String token, String owner, String reason) throws Exception {
        return call("POST", "/api/chats/" + encode(CHAT) + "/owner", token,
                "{\"owner\":\"" + owner + "\"" + (reason == null ? "" : ",\"reason\":\"" + reason + "\"") + "}");
    }

    private List<JsonNode> eventsOf(String type) {
        return events.stream().filter(e -> e[0].equals(type)).map(e -> {
            try {
                return JSON.readTree(e[1]);
            } catch (java.io.IOException x) {
                throw new IllegalStateException(x);
            }
        }).toList();
    }

    @Test
    void theHashesOfThisTestAreTheTokensSha256() {
        assertThat(Operators.hash(ALICE_TOKEN)).isEqualTo(ALICE_HASH);
        assertThat(Operators.hash(BOB_TOKEN)).isEqualTo(BOB_HASH);
    }

    @Test
    void aKeywordHandsOverAnOperatorRepliesOnceAndHandBackReenablesTheAutoReply() throws Exception {
        Instant start = Instant.now().minusSeconds(1);
        // the customer asks for a person: the chat becomes human, the keyword answer goes out once, no LLM call
        String asking = inbound("wamid.HANDOVER_IN_1", "Can I talk to a HUMAN, please?");
        deliver(asking);
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);
        assertThat(sentTexts()).containsExactly(KEYWORD_ANSWER);
        JsonNode chat = chat();
        assertThat(chat.path("owner").asText()).isEqualTo("human");
        assertThat(chat.path("owner_by").asText()).isEqualTo("keyword");
        // a redelivery of the same webhook: nothing new (no second answer, no second history entry)
        deliver(asking);
        assertStaysAt(() -> sends().size(), 1);
        assertThat(completions()).isEmpty();
        assertThat(chat().path("owner_history")).hasSize(1);

        // the next customer message is left to the person: no completion, no send
        deliver(inbound("wamid.HANDOVER_IN_2", "My order 1234 has not arrived"));
        assertStaysAt(() -> completions().size(), 0);
        assertThat(sends()).hasSize(1);

        // the operator replies from the page through the send API (twice with one Idempotency-Key): out once
        String reply = "{\"provider\":\"meta\",\"account_id\":\"" + ACCOUNT + "\",\"chat_id\":\"" + USER
                + "\",\"type\":\"text\",\"text\":\"Alice here, I am checking order 1234.\"}";
        HttpResponse<String> sent = call("POST", "/api/messages", ALICE_TOKEN, reply, "Idempotency-Key", "page-1");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
        HttpResponse<String> again = call("POST", "/api/messages", ALICE_TOKEN, reply, "Idempotency-Key", "page-1");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
        String id = JSON.readTree(sent.body()).path("id").asText();
        assertThat(JSON.readTree(again.body()).path("id").asText()).isEqualTo(id);
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 2);
        assertStaysAt(() -> sends().size(), 2);
        assertThat(sentTexts().get(1)).isEqualTo("Alice here, I am checking order 1234.");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "sent".equals(document("whatsapp-replies", id).path("state").asText()));
        assertThat(document("whatsapp-replies", id).path("operator").asText()).isEqualTo("alice");
        JsonNode outbound = message(id);
        assertThat(outbound.path("operator").asText()).isEqualTo("alice");
        assertThat(outbound.path("from_me").asBoolean()).isTrue();
        // the field is mapped: the operator's messages can be searched
        es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);
        HttpResponse<String> byOperator = es("POST", "/" + store().getMessagesIndex() + "/_count",
                "{\"query\":{\"term\":{\"operator\":\"alice\"}}}");
        assertThat(JSON.readTree(byOperator.body()).path("count").asInt()).isEqualTo(1);

        // bob hands the chat back from the page; asking again changes nothing
        HttpResponse<String> back = setOwner(BOB_TOKEN, "app", "order found");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(back.body());
        assertThat(answer.path("chat_key").asText()).isEqualTo(CHAT);
        assertThat(answer.path("owner").asText()).isEqualTo("app");
        assertThat(answer.path("previous_owner").asText()).isEqualTo("human");
        assertThat(answer.path("changed").asBoolean()).isTrue();
        JsonNode repeated = JSON.readTree(setOwner(BOB_TOKEN, "app", null).body());
        assertThat(repeated.path("changed").asBoolean()).isFalse();
        assertThat(repeated.path("owner_history")).hasSize(2);

        // the auto-reply answers the next message again, once
        deliver(inbound("wamid.HANDOVER_IN_3", "Thanks! And when do you open tomorrow?"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 3);
        assertStaysAt(() -> sends().size(), 3);
        assertThat(completions()).hasSize(1);
        assertThat(sentTexts().get(2)).isEqualTo(AutoReplyIT.ANSWER);

        // the history says who, when and by what
        JsonNode history = chat().path("owner_history");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).path("owner").asText()).isEqualTo("human");
        assertThat(history.get(0).path("previous_owner").asText()).isEqualTo("app");
        assertThat(history.get(0).path("by").asText()).isEqualTo("keyword");
        assertThat(history.get(0).path("event").asText()).isEqualTo("meta:" + ACCOUNT + ":wamid.HANDOVER_IN_1");
        assertThat(history.get(1).path("owner").asText()).isEqualTo("app");
        assertThat(history.get(1).path("by").asText()).isEqualTo("operator");
        assertThat(history.get(1).path("operator").asText()).isEqualTo("bob");
        assertThat(history.get(1).path("reason").asText()).isEqualTo("order found");
        for (JsonNode h : history) {
            assertThat(Instant.parse(h.path("at").asText())).isBetween(start, Instant.now());
        }
        assertThat(chat().path("owner_by").asText()).isEqualTo("operator");
        assertThat(chat().path("owner_operator").asText()).isEqualTo("bob");
        // the page reads the history of one chat; the list leaves it out
        JsonNode one = JSON.readTree(call("GET", "/api/chats/" + encode(CHAT), ALICE_TOKEN, null).body());
        assertThat(one.path("owner_history")).hasSize(2);
        assertThat(one.path("owner_by").asText()).isEqualTo("operator");
        JsonNode list = JSON.readTree(call("GET", "/api/chats", ALICE_TOKEN, null).body()).path("items");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("owner").asText()).isEqualTo("app");
        assertThat(list.get(0).has("owner_history")).isFalse();

        // live events: two owner changes; an inbound message made the chat unread
        assertThat(eventsOf("owner")).extracting(e -> e.path("owner").asText() + "/" + e.path("by").asText()
                + "/" + e.path("operator").asText(null)).containsExactly("human/keyword/null", "app/operator/bob");
        assertThat(eventsOf("unread")).anySatisfy(e -> {
            assertThat(e.path("chat_key").asText()).isEqualTo(CHAT);
            assertThat(e.path("has_unread").asBoolean()).isTrue();
        });
        // marking the chat read (an operator's token) publishes has_unread false
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/" + ACCOUNT + "/messages"))
                .willReturn(okJson("{\"success\":true}")));
        HttpResponse<String> read = call("POST", "/api/chats/" + encode(CHAT) + "/read", ALICE_TOKEN, null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> eventsOf("unread").stream()
                .anyMatch(e -> !e.path("has_unread").asBoolean() && e.path("unread_count").asInt(-1) == 0));
    }

    @Test
    void theModelsMarkerHandsOverAndTheCustomerGetsTheRestOfTheAnswer() throws Exception {
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/chat/completions")).willReturn(okJson(
                AutoReplyIT.completion("[[HANDOVER]] I am passing you to a colleague."))));
        deliver(inbound("wamid.HANDOVER_LLM_1", "I want to complain about my invoice"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);
        assertThat(sentTexts()).containsExactly("I am passing you to a colleague.");
        JsonNode asked = JSON.readTree(completions().get(0).getBodyAsString()).path("messages");
        assertThat(asked.get(0).path("content").asText()).contains("[[HANDOVER]]");   // the prompt asks for it
        JsonNode chat = chat();
        assertThat(chat.path("owner").asText()).isEqualTo("human");
        assertThat(chat.path("owner_by").asText()).isEqualTo("llm");
        assertThat(chat.path("owner_history").get(0).path("by").asText()).isEqualTo("llm");
        // the person has the chat now: the next message gets no completion
        deliver(inbound("wamid.HANDOVER_LLM_2", "Hello?"));
        assertStaysAt(() -> completions().size(), 1);
        assertThat(sends()).hasSize(1);
    }

    @Test
    void theIdleTimeoutHandsAQuietChatBackOnce() throws Exception {
        deliver(inbound("wamid.HANDOVER_IDLE_1", "Hi"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);   // the auto-reply answered
        HttpResponse<String> taken = setOwner(SEND_TOKEN, "human", "escalated by the CRM");
        assertThat(taken.statusCode()).as(taken.body()).isEqualTo(200);
        assertThat(chat().path("owner_by").asText()).isEqualTo("api");
        assertThat(chat().path("owner_operator").isMissingNode()).isTrue();
        // 10 minutes later (timeout 30): still the person's
        chatOwners().setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> "human".equals(chat().path("owner").asText()));
        // 31 minutes later: handed back by the timer, once
        chatOwners().setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(31)));
        await().atMost(Duration.ofSeconds(10)).until(() -> "app".equals(chat().path("owner").asText()));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(4))
                .until(() -> chat().path("owner_history").size() == 2);
        JsonNode last = chat().path("owner_history").get(1);
        assertThat(last.path("by").asText()).isEqualTo("timeout");
        assertThat(last.path("previous_owner").asText()).isEqualTo("human");
        assertThat(chat().path("owner_history").get(0).path("by").asText()).isEqualTo("api");
        assertThat(chat().path("owner_history").get(0).path("reason").asText()).isEqualTo("escalated by the CRM");
    }

    @Test
    void racingIdleHandBacksWriteOnce() throws Exception {
        deliver(inbound("wamid.HANDOVER_RACE_1", "Hi"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);
        assertThat(setOwner(ALICE_TOKEN, "human", null).statusCode()).isEqualTo(200);
        camelContext.getRouteController().stopRoute("handover-idle-timeout");
        try {
            chatOwners().setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(31)));
            // four writers at once, as four instances' timers would be: each reads the chat idle, one write wins,
            // the others get 409, read again and find it handed back
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(4);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            List<java.util.concurrent.Future<Integer>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return chatOwners().handBackIdle(30, 500);
                }));
            }
            int handedBack = 0;
            for (java.util.concurrent.Future<Integer> run : runs) {
                handedBack += run.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(handedBack).isEqualTo(1);
            JsonNode history = chat().path("owner_history");
            assertThat(history).hasSize(2);
            assertThat(history.get(1).path("by").asText()).isEqualTo("timeout");
            assertThat(chat().path("owner").asText()).isEqualTo("app");
        } finally {
            camelContext.getRouteController().startRoute("handover-idle-timeout");
        }
    }

    @Test
    void operatorTokensOpenThePageAndSendApisNeverAdmin() throws Exception {
        deliver(inbound("wamid.HANDOVER_AUTH_1", "Hi"));
        await().atMost(Duration.ofSeconds(15)).until(() -> chat() != null);
        JsonNode me = JSON.readTree(call("GET", "/api/me", ALICE_TOKEN, null).body());
        assertThat(me.path("operator").asText()).isEqualTo("alice");
        assertThat(me.path("can_send").asBoolean()).isTrue();
        assertThat(me.path("can_admin").asBoolean()).isFalse();
        JsonNode page = JSON.readTree(call("GET", "/api/me", PAGE_TOKEN, null).body());
        assertThat(page.path("operator").isNull()).isTrue();
        assertThat(page.path("can_read").asBoolean()).isTrue();
        assertThat(page.path("can_send").asBoolean()).isFalse();
        assertThat(call("GET", "/api/me", "wrong-token", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/api/me", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/api/me", ALICE_HASH, null).statusCode()).isEqualTo(401);   // the hash is no token

        for (String path : List.of("/api/chats", "/api/chats/" + encode(CHAT), "/api/messages?size=5",
                "/api/conversation?chat=" + USER)) {
            assertThat(call("GET", path, ALICE_TOKEN, null).statusCode()).as(path).isEqualTo(200);
            assertThat(call("GET", path, "wrong-token", null).statusCode()).as(path).isEqualTo(401);
        }
        // the media API lets an operator in: an unknown object is 404, a wrong token 401
        String sha = "a".repeat(64);
        assertThat(call("GET", "/api/media/" + sha, BOB_TOKEN, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/media/" + sha, "wrong-token", null).statusCode()).isEqualTo(401);
        // the owner API: 400 naming the field, 404 for an unknown chat, 401 for the page token (it cannot send)
        HttpResponse<String> bad = call("POST", "/api/chats/" + encode(CHAT) + "/owner", BOB_TOKEN,
                "{\"owner\":\"robot\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("parameter").asText()).isEqualTo("owner");
        assertThat(call("POST", "/api/chats/" + encode("meta:" + ACCOUNT + ":19999999999") + "/owner", BOB_TOKEN,
                "{\"owner\":\"human\"}").statusCode()).isEqualTo(404);
        assertThat(setOwner(PAGE_TOKEN, "human", null).statusCode()).isEqualTo(401);
        assertThat(setOwner("wrong-token", "human", null).statusCode()).isEqualTo(401);
        // /admin never takes an operator token
        assertThat(call("GET", "/admin/dead-letters", ALICE_TOKEN, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/dead-letters", "test-admin-token", null).statusCode()).isEqualTo(200);
        // the live stream takes an operator token too
        HttpResponse<InputStream> stream = HTTP.sendAsync(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/events/messages"))
                .header("Authorization", "Bearer " + ALICE_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(10, java.util.concurrent.TimeUnit.SECONDS);
        try (InputStream in = stream.body()) {
            assertThat(stream.statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = call("GET", "/events/messages", "wrong-token", null);
        assertThat(refused.statusCode()).isEqualTo(401);
    }
}
