package io.wagateway.reply;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The auto-reply and Meta's Conversation Routing (issue 16 item 3): while Meta's Business Agent owns a conversation
 * the gateway neither asks the LLM nor sends (a service message from the app would take the thread over from the
 * agent); after {@code control_passed} to us it answers again, exactly once per message. Standby copies and history
 * are never answered. WireMock stands in for OpenRouter and Meta's Send API (as in {@link AutoReplyIT}); payloads are
 * the examples of Meta's reference pages named beside them (providers.md 1.x).
 */
@TestPropertySource(properties = {
        "gateway.auto-reply.enabled=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.llm.retries=0",
        "gateway.auto-reply.llm.circuit-minimum-calls=1000",
        "gateway.meta.access-token=test-meta-token"})
class ChatOwnerAutoReplyIT extends GatewayIntegrationTest {

    static final String ACCOUNT = "106540352242922";
    static final String USER = "16505551234";

    @DynamicPropertySource
    static void llmAndGraph(DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    @BeforeEach
    void sendApis() {
        AutoReplyIT.stubSendApis();
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/v23.0/" + ACCOUNT + "/messages"))
                .willReturn(okJson("{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + USER
                        + "\",\"wa_id\":\"" + USER + "\"}],\"messages\":[{\"id\":\"wamid.OWNER_REPLY_1\"}]}")));
    }

    private static List<LoggedRequest> completions() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/v1/chat/completions")));
    }

    private static List<LoggedRequest> sends() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/" + ACCOUNT + "/messages")));
    }

    private static void assertStaysAt(IntSupplier count, int expected) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).until(() -> count.getAsInt() == expected);
    }

    private static String change(String field, String value) {
        return """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{
                  "field":"%s","value":%s}]}]}""".formatted(field, value);
    }

    private HttpResponse<String> post(String body) throws Exception {
        HttpResponse<String> r = postMeta(body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    /** webhooks/reference/messages/text: a customer's text on field messages (the app's own thread). */
    static String inbound(String id, long timestamp, String text) {
        return change("messages", """
                {"messaging_product":"whatsapp",
                 "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
                 "contacts":[{"profile":{"name":"Test User"},"wa_id":"16505551234"}],
                 "messages":[{"from":"16505551234","id":"%s","timestamp":"%d","type":"text",
                              "text":{"body":"%s"}}]}""".formatted(id, timestamp, text));
    }

    /** webhooks/reference/standby, "Inbound message": the same customer while Meta's agent owns the thread. */
    static final String STANDBY_INBOUND = change("standby", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "standby":{"contacts":[{"profile":{"name":"Test User"},"wa_id":"16505551234"}],
               "messages":[{"from":"16505551234","id":"wamid.OWNER_STANDBY_1","timestamp":"1750101000",
                            "text":{"body":"Test standby message"},"type":"text"}]}}""");

    /** webhooks/reference/history: a customer's message of the Business app's past (from = the user). */
    static final String HISTORY = change("history", """
            {"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "history":[{"metadata":{"phase":0,"chunk_order":1,"progress":100},
               "threads":[{"id":"16505551234","messages":[
                 {"from":"16505551234","id":"wamid.OWNER_HISTORY_1","timestamp":"1739230970","type":"text",
                  "text":{"body":"Thanks!"},"history_context":{"status":"READ"}}]}]}]}""");

    /** webhooks/reference/messaging-handovers, "control_passed": Meta's agent hands the thread to us. */
    static final String CONTROL_PASSED = change("messaging_handovers", """
            {"messaging_product":"whatsapp","sender":{"phone_number":"16505551234"},
             "recipient":{"phone_number_id":"106540352242922","display_phone_number":"15550783881"},
             "type":"control_passed","timestamp":"1750101060",
             "control_passed":{"previous_owner_app_id":"1066355071287456",
               "previous_owner_app_role":"meta_business_agent","previous_owner_role":"ai_agent",
               "new_owner_role":"escalation","metadata":"WhatsApp user requested human agent",
               "conversation_context":{"type":"summary","summary":{"text":"AI-generated summary string"}}}}""");

    @Test
    void standbyCopiesAndHistoryAreNeverAnsweredEvenWhenTheChatIsOurs() throws Exception {
        // the chat is ours, recorded with a later time than the copies below: only the decision's filter can stop them
        es("PUT", "/whatsapp-chats/_doc/" + encode("meta:" + ACCOUNT + ":" + USER) + "?refresh=true",
                "{\"provider\":\"meta\",\"account_id\":\"" + ACCOUNT + "\",\"chat_id\":\"" + USER
                        + "\",\"owner\":\"app\",\"owner_since\":\"2030-01-01T00:00:00Z\","
                        + "\"owner_event\":\"control_passed\"}");
        assertThat(post(STANDBY_INBOUND).body()).contains("\"stored\":1").contains("\"owner_stale\":1");
        assertThat(post(HISTORY).body()).contains("\"stored\":1");
        assertStaysAt(() -> completions().size(), 0);
        assertThat(sends()).isEmpty();
        assertThat(document("whatsapp-chats", "meta:" + ACCOUNT + ":" + USER).path("owner").asText())
                .isEqualTo("app");
        // the same customer on field messages is answered: the chat was ours all along
        post(inbound("wamid.OWNER_IN_3", 1750101120, "Hello?"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);
        assertStaysAt(() -> completions().size(), 1);
    }

    @Test
    void noCompletionNorSendWhileMetasAgentOwnsTheChatAndExactlyOneAfterControlPassed() throws Exception {
        // Meta's agent owns the thread: we see the customer on standby; history is imported meanwhile
        post(STANDBY_INBOUND);
        post(HISTORY);
        assertThat(document("whatsapp-chats", "meta:" + ACCOUNT + ":" + USER).path("owner").asText())
                .isEqualTo("meta_agent");
        // a message on field messages while the record says Meta's agent owns the chat: stored, not answered
        HttpResponse<String> r = post(inbound("wamid.OWNER_IN_1", 1750101030, "Is my order shipped?"));
        assertThat(r.body()).contains("\"stored\":1");
        assertStaysAt(() -> completions().size(), 0);
        assertThat(sends()).isEmpty();
        assertThat(message("meta:" + ACCOUNT + ":wamid.OWNER_IN_1")).isNotNull();

        // the agent passes the thread to us: the next message is answered, once
        post(CONTROL_PASSED);
        post(inbound("wamid.OWNER_IN_2", 1750101090, "Can you help me with my order?"));
        await().atMost(Duration.ofSeconds(15)).until(() -> sends().size() == 1);
        assertStaysAt(() -> sends().size(), 1);
        assertThat(completions()).hasSize(1);
        JsonNode send = JSON.readTree(sends().get(0).getBodyAsString());
        assertThat(send.path("to").asText()).isEqualTo(USER);
        JsonNode asked = JSON.readTree(completions().get(0).getBodyAsString()).path("messages");
        assertThat(asked.get(asked.size() - 1).path("content").asText()).isEqualTo("Can you help me with my order?");
    }
}
