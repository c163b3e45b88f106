package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.message.CanonicalMessage;
import io.wagateway.store.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The content-based router of routes/webhook-pipeline.camel.yaml (routes webhook-pipeline, webhook-item,
 * ignored-event), alone: every item kind reaches its stage - the stages' routes (other files) are mock endpoints - and
 * the webhook's answer counts the outcomes they leave. The events store is a mock endpoint too.
 */
@TestPropertySource(properties = "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/webhook-pipeline.camel.yaml")
class WebhookPipelineRouteTest extends RouteTestSupport {

    static final String[] STAGES = {"direct:canonical-message", "direct:lifecycle-update", "direct:chat-owner-change",
            "direct:contact-update"};

    @Override
    protected void prepare() throws Exception {
        // the stages live in other route files: sending to them is intercepted by mock:direct:<name> and skipped
        AdviceWith.adviceWith(context, "webhook-item", false, a -> a.mockEndpointsAndSkip(STAGES));
        // the events index (eventStore, routes/events.camel.yaml) is replaced by a mock endpoint
        AdviceWith.adviceWith(context, "ignored-event", false,
                a -> a.weaveByToString("Bean\\[.*eventStore.*").replace().to("mock:event-store"));
    }

    /** Each stage answers with the outcome word its real route leaves in the body. */
    private void stagesAnswer() {
        mock("mock:direct:canonical-message").whenAnyExchangeReceived(e -> e.getMessage().setBody("STORED"));
        mock("mock:direct:lifecycle-update").whenAnyExchangeReceived(e -> e.getMessage().setBody("update_stored"));
        mock("mock:direct:chat-owner-change").whenAnyExchangeReceived(e -> e.getMessage().setBody("owner_updated"));
        mock("mock:direct:contact-update").whenAnyExchangeReceived(e -> e.getMessage().setBody("contact_updated"));
    }

    private Exchange webhook(Object items) {
        return template.request("direct:webhook-items", e -> {
            e.setProperty("provider", "waha");
            e.getMessage().setBody(items);
        });
    }

    private void onlyThisStageReceives(String stage, Object item) throws Exception {
        for (String s : STAGES) {
            mock("mock:" + s).expectedMessageCount(s.equals(stage) ? 1 : 0);
        }
        mock("mock:event-store").expectedMessageCount(0);
        mock("mock:" + stage).expectedBodiesReceived(item);
    }

    @Test
    void aMessageGoesToTheMessageStore() throws Exception {
        stagesAnswer();
        CanonicalMessage m = Items.message("m1");
        onlyThisStageReceives("direct:canonical-message", m);
        Exchange answer = webhook(List.of(m));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"ok\",\"stored\":1,\"items\":1}");
    }

    @Test
    void aLifecycleUpdateGoesToTheLifecycleStore() throws Exception {
        stagesAnswer();
        onlyThisStageReceives("direct:lifecycle-update", Items.status("m1"));
        Exchange answer = webhook(List.of(Items.status("m1")));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class))
                .isEqualTo("{\"status\":\"ok\",\"update_stored\":1,\"items\":1}");
    }

    @Test
    void aChatOwnerChangeGoesToTheChatOwnerRoute() throws Exception {
        stagesAnswer();
        onlyThisStageReceives("direct:chat-owner-change", Items.ownerChange());
        Exchange answer = webhook(List.of(Items.ownerChange()));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class))
                .isEqualTo("{\"status\":\"ok\",\"owner_updated\":1,\"items\":1}");
    }

    @Test
    void aContactUpdateGoesToTheIdentityRoute() throws Exception {
        stagesAnswer();
        onlyThisStageReceives("direct:contact-update", Items.contactUpdate());
        Exchange answer = webhook(List.of(Items.contactUpdate()));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class))
                .isEqualTo("{\"status\":\"ok\",\"contact_updated\":1,\"items\":1}");
    }

    @Test
    void anyOtherEventIsKeptInTheEventsIndexAndAnsweredIgnored() throws Exception {
        stagesAnswer();
        for (String s : STAGES) {
            mock("mock:" + s).expectedMessageCount(0);
        }
        mock("mock:event-store").expectedBodiesReceived(Items.event("session.status"));
        Exchange answer = webhook(List.of(Items.event("session.status")));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"ok\",\"ignored\":1,\"items\":1}");
    }

    @Test
    void aGroupMessageIsStoredWhileIgnoreGroupsIsOff() throws Exception {
        stagesAnswer();
        onlyThisStageReceives("direct:canonical-message", Items.group("g1"));
        webhook(List.of(Items.group("g1")));
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void aBatchIsSplitAndEachItemRoutedAndCounted() throws Exception {
        stagesAnswer();
        mock("mock:direct:canonical-message").expectedBodiesReceivedInAnyOrder(Items.message("m1"), Items.message("m2"));
        mock("mock:direct:lifecycle-update").expectedMessageCount(1);
        mock("mock:event-store").expectedMessageCount(1);
        mock("mock:direct:chat-owner-change").expectedMessageCount(1);
        mock("mock:direct:contact-update").expectedMessageCount(1);
        NotifyBuilder done = new NotifyBuilder(context).from("direct:webhook-items").whenCompleted(1).create();

        Exchange answer = webhook(List.of(Items.message("m1"), Items.status("m0"), Items.message("m2"),
                Items.event("presence.update"), Items.ownerChange(), Items.contactUpdate()));

        assertThat(done.matches(5, TimeUnit.SECONDS)).isTrue();
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"ok\",\"contact_updated\":1,"
                + "\"ignored\":1,\"owner_updated\":1,\"stored\":2,\"update_stored\":1,\"items\":6}");
        assertThat(answer.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("application/json");
    }

    @Test
    void aFailingItemFailsTheWholeWebhookSoTheProviderRedeliversIt() throws Exception {
        stagesAnswer();
        mock("mock:direct:lifecycle-update").whenAnyExchangeReceived(e -> {
            throw new StoreUnavailableException("Elasticsearch unavailable", null);
        });
        NotifyBuilder done = new NotifyBuilder(context).from("direct:webhook-items").whenDone(1).create();

        Exchange answer = webhook(List.of(Items.message("m1"), Items.status("m0")));

        assertThat(done.matches(5, TimeUnit.SECONDS)).isTrue();
        // webhook-errors, the provider route's configuration, turns this exception into 503 + Retry-After
        assertThat(answer.getException()).hasRootCauseInstanceOf(StoreUnavailableException.class);
    }
}
