package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The ignore rule of routes/webhook-pipeline.camel.yaml (route webhook-item): with gateway.ignore-groups=true a group
 * message of any provider is acknowledged without storing - no stage and no events index see it - while a direct
 * message is still stored.
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/webhook-pipeline.camel.yaml",
        "gateway.ignore-groups=true"})
class IgnoreGroupsRouteTest extends RouteTestSupport {

    @Override
    protected void prepare() throws Exception {
        AdviceWith.adviceWith(context, "webhook-item", false,
                a -> a.mockEndpointsAndSkip(WebhookPipelineRouteTest.STAGES));
        AdviceWith.adviceWith(context, "ignored-event", false,
                a -> a.weaveByToString("Bean\\[.*eventStore.*").replace().to("mock:event-store"));
    }

    private Exchange webhook(Object items) {
        return template.request("direct:webhook-items", e -> {
            e.setProperty("provider", "waha");
            e.getMessage().setBody(items);
        });
    }

    @Test
    void aGroupMessageIsAcknowledgedWithoutStoring() throws Exception {
        mock("mock:direct:canonical-message").expectedMessageCount(0);
        mock("mock:event-store").expectedMessageCount(0);
        Exchange answer = webhook(List.of(Items.group("g1")));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"ok\",\"ignored\":1,\"items\":1}");
    }

    @Test
    void aDirectMessageIsStillStored() throws Exception {
        mock("mock:direct:canonical-message").whenAnyExchangeReceived(e -> e.getMessage().setBody("STORED"));
        mock("mock:direct:canonical-message").expectedBodiesReceived(Items.message("m1"));
        Exchange answer = webhook(List.of(Items.group("g1"), Items.message("m1")));
        MockEndpoint.assertIsSatisfied(context);
        assertThat(answer.getMessage().getBody(String.class))
                .isEqualTo("{\"status\":\"ok\",\"ignored\":1,\"stored\":1,\"items\":2}");
    }
}
