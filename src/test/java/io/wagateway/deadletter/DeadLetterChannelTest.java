package io.wagateway.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.inbound.MalformedPayloadException;
import io.wagateway.inbound.SignatureVerificationException;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route-level test of the dead-letter channel (issue 17 item 4): routes/webhook-pipeline.camel.yaml's route
 * configuration {@code webhook-errors} and routes/dead-letter.camel.yaml's {@code dead-letter} route, loaded on their
 * own in a plain Camel context; the durable write ({@code deadLetterStore.record}) is replaced by a mock endpoint.
 * A test route using {@code webhook-errors} stands in for a provider's webhook-path route and throws what the
 * pipeline throws. Checks that direct:dead-letter is the channel that is actually called, with which reason, and the
 * webhook's answer (status, Content-Type, body) - the same as before the channel was declared.
 */
class DeadLetterChannelTest {

    private static final byte[] RAW = "{\"event\":\"message\", broken \u00e9".getBytes(StandardCharsets.UTF_8);

    private DefaultCamelContext context;
    private ProducerTemplate template;
    private MockEndpoint recorded;

    @BeforeEach
    void start() throws Exception {
        context = new DefaultCamelContext();
        // webhook-pipeline.camel.yaml's routes refer to the events store; never called here
        context.getRegistry().bind("eventStore", new io.wagateway.events.EventStore());
        // declared in routes/beans.camel.yaml: the durable write is replaced by mock:dead-letter-store below
        context.getRegistry().bind("deadLetterStore", new DeadLetterStore());
        context.getRegistry().bind("gatewayMetrics", new io.wagateway.ops.GatewayMetrics());
        var loader = PluginHelper.getRoutesLoader(context);
        loader.loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/dead-letter.camel.yaml"));
        loader.loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/webhook-pipeline.camel.yaml"));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:test-webhook").routeId("test-webhook").routeConfigurationId("webhook-errors")
                        .setProperty("provider", constant("waha"))
                        .setProperty("rawBody", constant(RAW))
                        .process(e -> {
                            throw e.getMessage().getHeader("failWith", Exception.class);
                        });
                from("direct:test-reply-failed").routeId("test-reply-failed")   // as auto-reply-failed calls it
                        .setProperty("provider", constant("waha"))
                        .setProperty("deadLetterReason", constant("auto-reply-failed"))
                        .to("direct:dead-letter");
            }
        });
        AdviceWith.adviceWith(context, "dead-letter",
                a -> a.weaveById("dead-letter-record").replace().to("mock:dead-letter-store"));
        context.start();
        template = context.createProducerTemplate();
        recorded = context.getEndpoint("mock:dead-letter-store", MockEndpoint.class);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private Exchange webhookFailingWith(Exception failure) {
        return template.request("direct:test-webhook", e -> {
            e.getMessage().setHeader("failWith", failure);
            e.getMessage().setBody(RAW);
        });
    }

    @Test
    void malformedPayloadGoesThroughTheChannelWithItsRawBytesAndIsAnswered400() throws Exception {
        NotifyBuilder channel = new NotifyBuilder(context).wereSentTo("direct:dead-letter").whenDone(1).create();
        recorded.expectedMessageCount(1);
        recorded.expectedPropertyReceived("deadLetterReason", "malformed-payload");
        recorded.expectedPropertyReceived("provider", "waha");

        Exchange answer = webhookFailingWith(new MalformedPayloadException("bad JSON", new RuntimeException("x")));

        assertThat(channel.matches(5, TimeUnit.SECONDS)).as("direct:dead-letter was called").isTrue();
        recorded.assertIsSatisfied();
        Exchange kept = recorded.getExchanges().get(0);
        assertThat(kept.getProperty("rawBody", byte[].class)).isEqualTo(RAW);
        assertThat(kept.getFromRouteId()).as("route_id of the stored dead letter").isEqualTo("test-webhook");
        assertThat(kept.getProperty(Exchange.EXCEPTION_CAUGHT)).isInstanceOf(MalformedPayloadException.class);
        assertThat(kept.getMessage().getHeader("Content-Type")).as("recorded before the answer is set").isNull();
        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(400);
        assertThat(answer.getMessage().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"error\":\"malformed JSON\"}");
    }

    @Test
    void aRejectedDocumentInsideASplitIsDeadLetteredAndAnswered200() throws Exception {
        recorded.expectedPropertyReceived("deadLetterReason", "rejected-document");
        // a split with stopOnException wraps its item's exception: matched by cause, as onException matches
        Exchange answer = webhookFailingWith(new CamelExchangeException("Parallel processing failed for number 0",
                null, new DocumentRejectedException("waha:default:1", "id too long")));

        recorded.assertIsSatisfied();
        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isNull();
        assertThat(answer.getMessage().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"status\":\"dead-lettered\"}");
    }

    @Test
    void anUnexpectedErrorIsDeadLetteredAndAnswered500() throws Exception {
        recorded.expectedPropertyReceived("deadLetterReason", "unexpected-error");
        Exchange answer = webhookFailingWith(new IllegalStateException("boom"));

        recorded.assertIsSatisfied();
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(500);
        assertThat(answer.getMessage().getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"error\":\"internal error\"}");
    }

    @Test
    void aBadSignatureAndUnavailableStorageAreAnsweredWithoutADeadLetter() throws Exception {
        NotifyBuilder channel = new NotifyBuilder(context).wereSentTo("direct:dead-letter").whenDone(1).create();
        recorded.expectedMessageCount(0);

        Exchange forged = webhookFailingWith(new SignatureVerificationException("waha", "mismatch"));
        Exchange unavailable = webhookFailingWith(new StoreUnavailableException("es down", null));

        assertThat(forged.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(401);
        assertThat(forged.getMessage().getBody(String.class)).isEqualTo("{\"error\":\"invalid signature\"}");
        assertThat(unavailable.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(503);
        assertThat(unavailable.getMessage().getHeader("Retry-After")).isEqualTo("5");
        assertThat(unavailable.getMessage().getBody(String.class))
                .isEqualTo("{\"error\":\"storage unavailable, retry later\"}");
        assertThat(channel.matches(200, TimeUnit.MILLISECONDS)).as("direct:dead-letter not called").isFalse();
        recorded.assertIsSatisfied();
    }

    @Test
    void aCallerNamedReasonIsKeptAndGetsNoWebhookAnswer() throws Exception {
        recorded.expectedPropertyReceived("deadLetterReason", "auto-reply-failed");
        Exchange out = template.request("direct:test-reply-failed", e -> e.getMessage().setBody("waha:default:reply-1"));

        recorded.assertIsSatisfied();
        assertThat(out.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isNull();
        assertThat(out.getMessage().getBody(String.class)).as("the outbox id stays the body").isEqualTo("waha:default:reply-1");
    }
}
