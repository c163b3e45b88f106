package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.provider.meta.MetaNormalizer;
import io.wagateway.support.Fixtures;
import java.util.Map;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The answer headers of routes/message-store.camel.yaml (issue 19 item 6): a stored button or list answer reaches the
 * routes after the store (here the auto-reply decision, a mock endpoint) with headers named after its stored fields,
 * so a YAML {@code choice} can route on the chosen id. The store and the lifecycle are test doubles; enrichment and
 * the chat update and the live page are mock endpoints. Payloads: the shared Meta fixtures.
 */
@TestPropertySource(properties = "camel.main.routes-include-pattern=classpath:routes/message-store.camel.yaml")
class MessageStoreAnswerHeadersRouteTest extends RouteTestSupport {

    /** Stands in for elasticsearchStore: every message is new. */
    public static class StoreDouble {
        public String storeMessage(CanonicalMessage message) {
            return "STORED";
        }
    }

    /** Stands in for messageLifecycle. */
    public static class LifecycleDouble {
        public void messageStored(CanonicalMessage message) {
        }

        /** The lifecycle-store route's step (same file), not used here. */
        public String keep(Object update) {
            return "update_STORED";
        }
    }

    /** Stands in for outboundLinks: the messages here are inbound, never an echo of a sent message. */
    public static class OutboundLinksDouble {
        public CanonicalMessage echo(CanonicalMessage message) {
            return message;
        }
    }

    @Override
    protected void prepare() throws Exception {
        context.getRegistry().bind("elasticsearchStore", new StoreDouble());
        context.getRegistry().bind("outboundLinks", new OutboundLinksDouble());
        context.getRegistry().bind("messageLifecycle", new LifecycleDouble());
        // the media pending mark and enqueue (routes/media.camel.yaml): these messages have no media
        context.getRegistry().bind("mediaDownloads", new io.wagateway.media.MediaDownloads());
        AdviceWith.adviceWith(context, "message-store", false, a -> a.mockEndpointsAndSkip(
                "direct:enrich-names", "direct:chat-update", "direct:conversation", "seda:message-events*"));
    }

    private static CanonicalMessage meta(String fixture) throws Exception {
        return (CanonicalMessage) new MetaNormalizer()
                .normalize(new ObjectMapper().readTree(Fixtures.bytes(fixture))).get(0);
    }

    /** @return the headers the auto-reply decision received with the stored message */
    private Map<String, Object> headersAfterStoring(CanonicalMessage message) throws Exception {
        MockEndpoint after = mock("mock:direct:conversation");
        after.expectedBodiesReceived(message);
        template.sendBody("direct:canonical-message", message);
        after.assertIsSatisfied();
        return after.getReceivedExchanges().get(0).getMessage().getHeaders();
    }

    @Test
    void aButtonReplyCarriesItsIdAsButtonReplyId() throws Exception {
        // interactive.button_reply {id: reschedule-button, title: Reschedule}
        Map<String, Object> headers = headersAfterStoring(meta("webhooks/meta/interactive_button_reply.json"));
        assertThat(headers.get("buttonReplyId")).isEqualTo("reschedule-button");
        assertThat(headers.get("listReplyId")).isNull();
        assertThat(headers.get("buttonPayload")).isNull();
    }

    @Test
    void aListReplyCarriesItsIdAsListReplyId() throws Exception {
        // interactive.list_reply {id: ship_express, ...}
        Map<String, Object> headers = headersAfterStoring(meta("webhooks/meta/interactive_list_reply.json"));
        assertThat(headers.get("listReplyId")).isEqualTo("ship_express");
        assertThat(headers.get("buttonReplyId")).isNull();
    }

    @Test
    void aTemplateQuickReplyCarriesItsPayloadAsButtonPayload() throws Exception {
        // button {payload: callback_data, text: ...}
        Map<String, Object> headers = headersAfterStoring(meta("peer/meta/pywa__template_quick_reply_no_context.json"));
        assertThat(headers.get("buttonPayload")).isEqualTo("callback_data");
        assertThat(headers.get("buttonReplyId")).isNull();
    }

    @Test
    void aTextHasNoAnswerHeaders() throws Exception {
        Map<String, Object> headers = headersAfterStoring(Items.text("hdr-text-1", "reschedule-button"));
        assertThat(headers).doesNotContainKeys("buttonReplyId", "listReplyId", "buttonPayload");
    }
}
