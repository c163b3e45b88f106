package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.send.SendRefusedException;
import io.wagateway.store.StoreUnavailableException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The hand-over keyword as the conversation stage sees it (routes/conversation.camel.yaml ->
 * routes/handover.camel.yaml): a message that leaves the chat with a person reaches neither a flow
 * (direct:flow-dispatch is mock:flow-dispatch) nor the auto-reply (mock:auto-reply), and the keyword answer's send
 * (direct:send-message is mock:send) leaves the stage's variables alone. The chat owner's write
 * ({@code chatOwners.handOver}) is mock:owners, answering {@link #handOver}. The auto-reply policy's view of the chat
 * ({@link #SETTINGS}) is empty, i.e. {@code app}: what an instance whose cache predates the take-over still sees.
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/conversation.camel.yaml,"
                + "classpath:routes/handover.camel.yaml",
        "gateway.handover.keyword-answer=A person will answer you here.",
        "gateway.auto-reply.recovery-delay-ms=3600000"})
class HandOverKeywordRouteTest extends AutoReplyRouteTestSupport {

    private volatile String handOver = "taken";

    @Override
    protected void prepare() throws Exception {
        super.prepareSettings();
        AdviceWith.adviceWith(context, "conversation", false, a -> {
            a.weaveByToUri("direct:flow-dispatch").replace().to("mock:flow-dispatch");
            a.weaveByToUri("direct:auto-reply-decision").replace().to("mock:auto-reply");
        });
        AdviceWith.adviceWith(context, "handover-keyword", false, a -> {
            a.weaveByToString("Bean\\[.*chatOwners.*handOver.*").replace().to("mock:owners");
            a.weaveByToUri("direct:send-message").replace().to("mock:send");
        });
        // the HTTP routes of the file are not under test (no HTTP server here)
        AdviceWith.adviceWith(context, "api-me", false, a -> a.replaceFromWith("direct:api-me"));
        AdviceWith.adviceWith(context, "chats-api-owner", false, a -> a.replaceFromWith("direct:chats-api-owner"));
    }

    @BeforeEach
    void owners() {
        handOver = "taken";
        mock("mock:owners").whenAnyExchangeReceived(e -> e.getMessage().setBody(handOver));
        mock("mock:send").whenAnyExchangeReceived(HandOverKeywordRouteTest::storeTheAnswer);
    }

    /**
     * What direct:send-message does to the exchange it runs on: it stores the answer's outbound message through
     * direct:canonical-message (routes/message-store.camel.yaml), which sets the variables {@code message} and
     * {@code storeOutcome} and runs direct:conversation for it (which sets {@code flowHandled} to false first).
     */
    private static void storeTheAnswer(Exchange e) {
        e.setVariable("message", Items.own("answer-1"));
        e.setVariable("storeOutcome", "STORED");
        e.setVariable("flowHandled", false);
        e.getMessage().setBody("{\"id\":\"waha:default:answer-1\",\"state\":\"queued\"}");
    }

    /** Runs the conversation stage as message-store does, for a redelivered (DUPLICATE) message. */
    private Exchange converse(CanonicalMessage m) {
        Exchange e = new DefaultExchange(context);
        e.setVariable("message", m);
        e.setVariable("storeOutcome", "DUPLICATE");
        e.getMessage().setBody(m);
        return template.send("direct:conversation", e);
    }

    @Test
    void aKeywordThatHandsTheChatOverIsAnsweredOnceAndReachesNeitherAFlowNorTheAutoReply() throws Exception {
        CanonicalMessage m = Items.text("k1", "I want to talk to an agent");
        Exchange e = converse(m);
        assertThat(e.getException()).isNull();
        assertThat(mock("mock:send").getExchanges()).singleElement().satisfies(s -> {
            assertThat(s.getMessage().getHeader("Idempotency-Key")).isEqualTo("handover-" + m.documentId());
            assertThat(s.getMessage().getBody(String.class)).contains("A person will answer you here.");
        });
        assertThat(mock("mock:flow-dispatch").getReceivedCounter()).isZero();
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
        // the stage's variables are still this message's: the answer's store did not replace them
        assertThat(e.getVariable("message")).isSameAs(m);
        assertThat(e.getVariable("storeOutcome")).isEqualTo("DUPLICATE");
        assertThat(String.valueOf(e.getVariable("flowHandled"))).isEqualTo("true");   // a constant: "true"
        assertThat(e.getMessage().getBody()).isSameAs(m);
        assertThat(e.getMessage().getHeader("Idempotency-Key")).isNull();
    }

    @Test
    void aKeywordInAChatAPersonOwnsAlreadyReachesNeitherAFlowNorTheAutoReply() throws Exception {
        handOver = "human";       // another instance made it human; this instance's policy cache still says app
        Exchange e = converse(Items.text("k2", "agent please"));
        assertThat(e.getException()).isNull();
        assertThat(mock("mock:send").getReceivedCounter()).isZero();
        assertThat(mock("mock:flow-dispatch").getReceivedCounter()).isZero();
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
    }

    @Test
    void aMessageWithoutKeywordGoesToTheFlowsAndTheAutoReply() throws Exception {
        CanonicalMessage m = Items.text("n1", "What are your opening hours?");
        Exchange e = converse(m);
        assertThat(e.getException()).isNull();
        assertThat(mock("mock:owners").getReceivedCounter()).isZero();
        assertThat(mock("mock:flow-dispatch").getExchanges()).singleElement()
                .satisfies(f -> assertThat(f.getMessage().getBody()).isSameAs(m));
        assertThat(mock("mock:auto-reply").getExchanges()).singleElement()
                .satisfies(f -> assertThat(f.getMessage().getBody()).isSameAs(m));
    }

    @Test
    void anAnswerTheStoreCouldNotTakeFailsTheWebhookForARedelivery() {
        mock("mock:send").whenAnyExchangeReceived(x -> {
            throw new StoreUnavailableException("store down", null);
        });
        Exchange e = converse(Items.text("k3", "human"));
        assertThat(e.getException()).isInstanceOf(StoreUnavailableException.class);
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
    }

    @Test
    void aRefusedAnswerLeavesTheHandOverStanding() {
        mock("mock:send").whenAnyExchangeReceived(x -> {
            throw new SendRefusedException(422, JsonNodeFactory.instance.objectNode().put("error", "window closed"));
        });
        Exchange e = converse(Items.text("k4", "a person, please"));
        assertThat(e.getException()).isNull();
        assertThat(String.valueOf(e.getVariable("flowHandled"))).isEqualTo("true");   // a constant: "true"
        assertThat(mock("mock:flow-dispatch").getReceivedCounter()).isZero();
        assertThat(mock("mock:auto-reply").getReceivedCounter()).isZero();
    }
}
