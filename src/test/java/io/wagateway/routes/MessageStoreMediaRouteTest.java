package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.media.MediaDownloads;
import io.wagateway.media.MediaItem;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.Media;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The pending mark and the enqueue of routes/message-store.camel.yaml (docs/media.md sections 1 and 2): a message with
 * media is written with {@code media_download: pending}; once STORED its items go to the download queue (here
 * mock:media-queue); a DUPLICATE enqueues nothing. The store and the lifecycle are doubles; enrichment, the chat
 * update, the live page and the auto-reply decision are mock endpoints.
 */
@TestPropertySource(properties = "camel.main.routes-include-pattern=classpath:routes/message-store.camel.yaml")
class MessageStoreMediaRouteTest extends RouteTestSupport {

    static final List<CanonicalMessage> WRITTEN = new CopyOnWriteArrayList<>();
    static volatile String outcome = "STORED";

    /** Stands in for elasticsearchStore: records what is written, answers {@link #outcome}. */
    public static class StoreDouble {
        public String storeMessage(CanonicalMessage message) {
            WRITTEN.add(message);
            return outcome;
        }

        /** The partition-maintenance timer's call (routes/message-store.camel.yaml): nothing to maintain here. */
        public java.util.Map<String, Object> maintainPartitions() {
            return null;
        }
    }

    @Override
    protected void prepare() throws Exception {
        context.getRegistry().bind("elasticsearchStore", new StoreDouble());
        context.getRegistry().bind("outboundLinks", new MessageStoreAnswerHeadersRouteTest.OutboundLinksDouble());
        context.getRegistry().bind("messageLifecycle", new MessageStoreAnswerHeadersRouteTest.LifecycleDouble());
        context.getRegistry().bind("mediaDownloads", new MediaDownloads());
        AdviceWith.adviceWith(context, "message-store", false, a -> {
            a.mockEndpointsAndSkip("direct:enrich-names", "direct:chat-update", "direct:conversation",
                    "seda:message-events*");
            a.weaveByToUri("seda:media-download*").replace().to("mock:media-queue");
        });
    }

    @BeforeEach
    void clear() {
        WRITTEN.clear();
        outcome = "STORED";
    }

    private static CanonicalMessage image(String id) {
        CanonicalMessage t = Items.text(id, "a photo");
        return new CanonicalMessage(t.provider(), t.accountId(), id, t.chatId(), t.chatType(), null, t.senderId(),
                t.senderName(), false, "image", "a photo", new Media("image/jpeg", "http://waha/f.jpeg", null, null,
                        null, null), null, t.timestamp(), t.receivedAt(), "received", null);
    }

    @Test
    void aStoredMediaMessageIsWrittenPendingAndItsItemQueued() throws Exception {
        MockEndpoint queue = mock("mock:media-queue");
        queue.expectedMessageCount(1);
        assertThat(template.requestBody("direct:canonical-message", image("img-1"))).isEqualTo("STORED");
        queue.assertIsSatisfied();
        assertThat(WRITTEN).singleElement()
                .satisfies(m -> assertThat(m.details().mediaDownload()).isEqualTo("pending"));
        MediaItem item = queue.getReceivedExchanges().get(0).getMessage().getBody(MediaItem.class);
        assertThat(item.jobId()).isEqualTo("waha:default:img-1:media:0");
        assertThat(item.url()).isEqualTo("http://waha/f.jpeg");
    }

    @Test
    void aDuplicateOrATextQueuesNothing() throws Exception {
        MockEndpoint queue = mock("mock:media-queue");
        queue.expectedMessageCount(0);
        outcome = "DUPLICATE";
        assertThat(template.requestBody("direct:canonical-message", image("img-2"))).isEqualTo("DUPLICATE");
        outcome = "STORED";
        template.requestBody("direct:canonical-message", Items.text("txt-1", "hello"));
        queue.assertIsSatisfied();
        assertThat(WRITTEN).extracting(m -> m.details().mediaDownload()).containsExactly("pending", null);
    }
}
