package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.flow.FlowEngine;
import io.wagateway.flow.InMemoryFlowStates;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.MessageDetails;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.deadletter.DeadLetterStore;
import io.wagateway.reply.AutoReplyPolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The engine's decisions as the conversation stage sees them (routes/conversation.camel.yaml ->
 * routes/flows.camel.yaml, the registration flow of routes/flows/ switched on): what is sent (direct:send-message is
 * mock:send, with its Idempotency-Key), whether auto-reply is asked (direct:auto-reply-decision is mock:auto-reply).
 * State lives in memory with Elasticsearch's concurrency rules; the chat owner comes from {@link #SETTINGS}.
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/conversation.camel.yaml,"
                + "classpath:routes/flows.camel.yaml,classpath:routes/flows/registration.camel.yaml",
        "gateway.flows.registration.enabled=true",
        "gateway.flows.registration.result-uri=mock:flow-result",
        "gateway.flows.timeout-check-ms=3600000",
        "gateway.auto-reply.recovery-delay-ms=3600000"})
class FlowDispatchRouteTest extends AutoReplyRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "waha:default:15550100001@c.us";
    private final InMemoryFlowStates states = new InMemoryFlowStates();

    @Override
    protected void prepare() throws Exception {
        super.prepareSettings();
        AdviceWith.adviceWith(context, "conversation", false, a -> {
            a.weaveByToUri("direct:handover-keyword").replace().to("mock:handover");
            a.weaveByToUri("direct:auto-reply-decision").replace().to("mock:auto-reply");
        });
        AdviceWith.adviceWith(context, "flow-send", false, a ->
                a.weaveByToUri("direct:send-message").replace().to("mock:send"));
    }

    @BeforeEach
    void freshState() {
        FlowEngine flows = context.getRegistry().lookupByNameAndType("flows", FlowEngine.class);
        flows.setStates(states);
        flows.setClock(Clock.fixed(Items.NOW.plusSeconds(60), ZoneOffset.UTC));
    }

    private static CanonicalMessage text(String id, String text, int second) {
        Instant at = Items.NOW.plusSeconds(second);
        CanonicalMessage m = Items.text(id, text);
        return new CanonicalMessage(m.provider(), m.accountId(), id, m.chatId(), m.chatType(), null, m.senderId(),
                m.senderName(), false, "text", text, null, null, at, at, "received", null);
    }

    /** @return a Meta-shaped list answer (interactive.list_reply) as WAHA's numbered answers are mapped too */
    private static CanonicalMessage listReply(String id, String rowId, String title, int second) throws Exception {
        CanonicalMessage m = text(id, null, second);
        JsonNode interactive = JSON.readTree("{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"" + rowId
                + "\",\"title\":\"" + title + "\"}}");
        return new CanonicalMessage(m.provider(), m.accountId(), id, m.chatId(), m.chatType(), null, m.senderId(),
                m.senderName(), false, "interactive", null, null, null, m.timestamp(), m.receivedAt(), "received",
                null, null, MessageDetails.NONE.withAnswer(interactive, null));
    }

    private Exchange converse(CanonicalMessage m) {
        return converse(m, java.util.Map.of());
    }

    /** Runs the stage on an exchange that carries these headers too (what the webhook's HTTP request left on it). */
    private Exchange converse(CanonicalMessage m, java.util.Map<String, Object> headers) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setHeaders(new java.util.HashMap<>(headers));
        e.setVariable("message", m);
        e.setVariable("storeOutcome", "STORED");
        e.getMessage().setBody(m);
        Exchange out = template.send("direct:conversation", e);
        assertThat(out.getException()).isNull();
        return out;
    }

    private List<JsonNode> sent() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (Exchange e : mock("mock:send").getExchanges()) {
            JsonNode request = JSON.readTree(e.getMessage().getBody(String.class));
            ((com.fasterxml.jackson.databind.node.ObjectNode) request).put("_key",
                    e.getMessage().getHeader("Idempotency-Key", String.class));
            out.add(request);
        }
        return out;
    }

    private JsonNode state() {
        return states.docs.get(CHAT).doc();
    }

    @Test
    void theKeywordStartsTheFlowAndAutoReplyIsNotAsked() throws Exception {
        Exchange e = converse(text("m1", "Register", 1));
        assertThat(e.getVariable("flowHandled")).isEqualTo(true);
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
        assertThat(sent()).singleElement().satisfies(r -> {
            assertThat(r.path("chat_id").asText()).isEqualTo("15550100001@c.us");
            assertThat(r.path("text").asText()).contains("What is your name?");
            assertThat(r.path("_key").asText()).startsWith("flow:" + CHAT + ":");
        });
        assertThat(state().path("status").asText()).isEqualTo("active");
    }

    @Test
    void anInvalidAnswerIsReAskedWithTheHintAndNeverReachesAutoReply() throws Exception {
        converse(text("m1", "register", 1));
        converse(text("m2", "Ana Lima", 2));
        mock("mock:send").reset();
        Exchange e = converse(text("m3", "ana at example", 3));
        assertThat(e.getVariable("flowHandled")).isEqualTo(true);
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
        List<JsonNode> sent = sent();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).path("text").asText()).contains("does not look like an email");
        assertThat(sent.get(1).path("text").asText()).isEqualTo("Thanks, Ana Lima. What is your email address?");
        assertThat(state().path("step").asText()).isEqualTo("email");
        assertThat(state().path("answers").has("email")).isFalse();
    }

    @Test
    void aStaleAnswerIsRecordedNotAppliedAndNotAnsweredByAnyone() throws Exception {
        converse(text("m1", "register", 1));
        converse(text("m3", "Ana", 30));
        mock("mock:send").reset();
        Exchange e = converse(text("m2", "Bob", 20));          // older than m3, delivered after it
        assertThat(e.getVariable("flowHandled")).isEqualTo(true);
        assertThat(sent()).isEmpty();
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
        assertThat(state().path("answers").path("name").asText()).isEqualTo("Ana");
        assertThat(state().path("stale_ids").toString()).contains("m2");
    }

    @Test
    void aCancelWordEndsTheFlowWithItsMessage() throws Exception {
        converse(text("m1", "register", 1));
        mock("mock:send").reset();
        converse(text("m2", " CANCEL ", 2));
        assertThat(state().path("status").asText()).isEqualTo("cancelled");
        assertThat(sent()).singleElement().satisfies(r ->
                assertThat(r.path("text").asText()).startsWith("Registration cancelled"));
        // the next message is nobody's flow: auto-reply decides
        mock("mock:send").reset();
        Exchange e = converse(text("m3", "hello", 3));
        assertThat(e.getVariable("flowHandled")).isEqualTo(false);
        assertThat(sent()).isEmpty();
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aChatNotOwnedByTheAppPausesTheFlow() throws Exception {
        converse(text("m1", "register", 1));
        SETTINGS.put(CHAT, JSON.readTree("{\"owner\":\"human\"}"));
        context.getRegistry().lookupByNameAndType("autoReplyPolicy", AutoReplyPolicy.class).invalidate();
        mock("mock:send").reset();
        Exchange e = converse(text("m2", "Ana", 2));
        assertThat(e.getVariable("flowHandled")).isEqualTo(false);   // the auto-reply's own owner check skips it
        assertThat(sent()).isEmpty();
        assertThat(state().path("step").asText()).isEqualTo("name");
        assertThat(state().path("answers").has("name")).isFalse();
        // handed back to the app: the flow resumes where it was
        SETTINGS.put(CHAT, JSON.readTree("{\"owner\":\"app\"}"));
        context.getRegistry().lookupByNameAndType("autoReplyPolicy", AutoReplyPolicy.class).invalidate();
        converse(text("m3", "Ana", 3));
        assertThat(state().path("answers").path("name").asText()).isEqualTo("Ana");
    }

    @Test
    void aListAnswerIsTakenByItsIdAndTheFlowCompletesWithOneResult() throws Exception {
        converse(text("m1", "register", 1));
        converse(text("m2", "Ana", 2));
        converse(text("m3", "ana@example.com", 3));
        converse(listReply("m4", "team", "Team", 4));
        assertThat(state().path("answers").path("plan").asText()).isEqualTo("team");
        converse(text("m5", "yes", 5));
        assertThat(state().path("status").asText()).isEqualTo("completed");
        assertThat(states.results).hasSize(1);
        JsonNode result = states.results.values().iterator().next();
        assertThat(result.path("answers").path("email").asText()).isEqualTo("ana@example.com");
        assertThat(sent().get(sent().size() - 1).path("text").asText())
                .isEqualTo("Welcome aboard, Ana! Your Team registration is complete.");
    }

    @Test
    void theResultGoesToItsEndpointWithoutTheWebhooksHeaders() throws Exception {
        converse(text("m1", "register", 1));
        converse(text("m2", "Ana", 2));
        converse(text("m3", "ana@example.com", 3));
        converse(listReply("m4", "team", "Team", 4));
        // the webhook request's headers are still on the exchange the result leaves from: its credentials and
        // signature, and platform-http's CamelHttpPath/CamelHttpUri, which an http endpoint would append or follow
        converse(text("m5", "yes", 5), java.util.Map.of("Authorization", "Bearer provider-webhook-secret",
                "X-Hub-Signature-256", "sha256=abc", "CamelHttpPath", "/webhooks/waha",
                "CamelHttpUri", "/webhooks/waha", "CamelHttpQuery", "x=1", "Idempotency-Key", "k"));
        assertThat(mock("mock:flow-result").getExchanges()).singleElement().satisfies(r -> {
            JsonNode result = JSON.readTree(r.getMessage().getBody(String.class));
            assertThat(result.path("answers").path("name").asText()).isEqualTo("Ana");
            assertThat(r.getMessage().getHeader("flowResultId", String.class)).startsWith(CHAT + ":");
            assertThat(r.getMessage().getHeader("Content-Type", String.class)).isEqualTo("application/json");
            assertThat(r.getMessage().getHeaders()).doesNotContainKeys("Authorization", "X-Hub-Signature-256",
                    "CamelHttpPath", "CamelHttpUri", "CamelHttpQuery", "Idempotency-Key");
        });
    }

    @Test
    void ownMessagesAndOtherChatsAreNotTheFlowsBusiness() throws Exception {
        assertThat(converse(Items.own("m1")).getVariable("flowHandled")).isEqualTo(false);
        assertThat(converse(text("m2", "hello", 2)).getVariable("flowHandled")).isEqualTo(false);
        assertThat(converse(Items.group("m3")).getVariable("flowHandled")).isEqualTo(false);
        assertThat(sent()).isEmpty();
        assertThat(states.docs).isEmpty();
    }
}
