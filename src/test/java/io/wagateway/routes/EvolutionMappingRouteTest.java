package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.deadletter.DeadLetterStore;
import io.wagateway.events.EventStore;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.reply.ProviderSendApi;
import io.wagateway.support.Fixtures;
import java.util.List;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The ignore rule of the provider mapped in YAML (routes/evolution-api.camel.yaml, route evolution-payload, jq):
 * messages.upsert becomes a message, every other event an ignored event kept with its raw body minus the apikey.
 * The pipeline (direct:webhook-items) is mock:direct:webhook-items; the HTTP paths are off (gateway.evolution.enabled=false).
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/evolution-api.camel.yaml,"
                + "classpath:routes/signed-webhook.camel.yaml,classpath:routes/webhook-pipeline.camel.yaml",
        "gateway.evolution.enabled=false"})
class EvolutionMappingRouteTest extends RouteTestSupport {

    @Override
    protected void prepare() throws Exception {
        context.getRegistry().bind("eventStore", new EventStore());
        context.getRegistry().bind("deadLetterStore", new DeadLetterStore());
        context.getRegistry().bind("providerSendApi", new ProviderSendApi());     // send-reply-evolution, unused here
        AdviceWith.adviceWith(context, "evolution-payload", false, a -> a.mockEndpointsAndSkip("direct:webhook-items"));
    }

    private Object mapped(String fixture) throws Exception {
        MockEndpoint items = mock("mock:direct:webhook-items");
        items.expectedMessageCount(1);
        template.sendBody("direct:evolution-payload", Fixtures.bytes("webhooks/evolution/" + fixture));
        MockEndpoint.assertIsSatisfied(context);
        List<?> body = items.getReceivedExchanges().get(0).getMessage().getBody(List.class);
        assertThat(body).hasSize(1);
        return body.get(0);
    }

    @Test
    void anotherEventIsIgnoredAndKeptWithoutItsApiKey() throws Exception {
        assertThat(mapped("connection_update.json")).isInstanceOfSatisfying(IgnoredEvent.class, e -> {
            assertThat(e.provider()).isEqualTo("evolution");
            assertThat(e.accountId()).isEqualTo("shop-main");
            assertThat(e.event()).isEqualTo("connection.update");
            assertThat(e.reason()).isEqualTo("non-message-event");
            assertThat(e.raw().has("apikey")).isFalse();
            assertThat(e.raw().path("event").asText()).isEqualTo("connection.update");
        });
    }

    @Test
    void messagesUpsertIsAMessage() throws Exception {
        assertThat(mapped("messages_upsert_inbound_text.json")).isInstanceOfSatisfying(CanonicalMessage.class, m -> {
            assertThat(m.messageId()).isEqualTo("3EB0EVOFAKE0000000000301");
            assertThat(m.text()).isEqualTo("Hi, is the blue model back in stock?");
        });
    }
}
