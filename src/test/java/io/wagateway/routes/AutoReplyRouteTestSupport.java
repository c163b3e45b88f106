package io.wagateway.routes;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.GetRequest;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.transport.ElasticsearchTransport;
import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.deadletter.DeadLetterStore;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.reply.AutoReplyPolicy;
import io.wagateway.store.ElasticsearchStore;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;

/**
 * Route tests of routes/auto-reply.camel.yaml, route auto-reply-decision. Its collaborators are doubles: the outbox's
 * {@code enqueue} is mock:outbox (answering {@code created} unless a test says otherwise), the worker's queue
 * (seda:auto-reply) is mock:auto-reply-worker, and the real {@code autoReplyPolicy} bean reads its chat settings
 * documents from {@link #SETTINGS} instead of Elasticsearch, on a clock set one minute after {@link Items#NOW}. The
 * beans other files declare (gatewayMetrics, deadLetterStore) are bound unused, for the file's other routes to
 * start; the recovery timer never fires during a test.
 */
abstract class AutoReplyRouteTestSupport extends RouteTestSupport {

    /** Chat documents of the whatsapp-chats index (owner, auto_reply), by _id {provider}:{account_id}:{chat_id}. */
    static final Map<String, JsonNode> SETTINGS = new ConcurrentHashMap<>();

    @Override
    protected void prepare() throws Exception {
        prepareSettings();
        AdviceWith.adviceWith(context, "auto-reply-decision", false, a -> {
            a.weaveByToString("Bean\\[.*replyOutbox.*enqueue.*").replace().to("mock:outbox");
            a.weaveByToUri("seda:auto-reply*").replace().to("mock:auto-reply-worker");
        });
    }

    /** Binds the beans other files declare and points the real autoReplyPolicy at {@link #SETTINGS}. */
    protected void prepareSettings() {
        context.getRegistry().bind("gatewayMetrics", new GatewayMetrics());
        context.getRegistry().bind("deadLetterStore", new DeadLetterStore());
        AutoReplyPolicy policy = context.getRegistry().lookupByNameAndType("autoReplyPolicy", AutoReplyPolicy.class);
        policy.setStore(settingsStore());
        policy.setClock(Clock.fixed(Items.NOW.plusSeconds(60), ZoneOffset.UTC));
    }

    @BeforeEach
    void freshSettings() {
        SETTINGS.clear();
        context.getRegistry().lookupByNameAndType("autoReplyPolicy", AutoReplyPolicy.class).invalidate();
        mock("mock:outbox").whenAnyExchangeReceived(e -> e.getMessage().setBody("created"));
    }

    /**
     * @return a store whose client answers GET whatsapp-chats/_doc/{id} from {@link #SETTINGS} (plain
     *         subclasses rather than Mockito mocks: instrumenting the Elasticsearch client cost seconds per JVM)
     */
    private static ElasticsearchStore settingsStore() {
        ElasticsearchClient client = new ElasticsearchClient((ElasticsearchTransport) null) {
            @Override
            @SuppressWarnings("unchecked")
            public <T> GetResponse<T> get(GetRequest get, Class<T> type) {
                JsonNode doc = SETTINGS.get(get.id());
                return GetResponse.of(r -> r.index(get.index()).id(get.id()).found(doc != null).source((T) doc));
            }
        };
        return new ElasticsearchStore() {
            @Override
            public ElasticsearchClient client() {
                return client;
            }

            @Override
            public void ensureIndex(String alias, String mappingResource) {
                // the settings index exists
            }
        };
    }

    /** Sends a stored message to the decision, as the message-store route does. */
    protected void decide(CanonicalMessage message) {
        template.sendBody("direct:auto-reply-decision", message);
    }

    /** Expects the message to be recorded in the outbox (with that keyword answer, or null) and handed to a worker. */
    protected void expectReply(CanonicalMessage message, String fixedText) throws Exception {
        MockEndpoint outbox = mock("mock:outbox");
        outbox.whenAnyExchangeReceived(e -> e.getMessage().setBody("created"));
        outbox.expectedBodiesReceived(message);
        outbox.expectedVariableReceived("fixedText", fixedText);
        mock("mock:auto-reply-worker").expectedBodiesReceived(message.documentId());
        decide(message);
        MockEndpoint.assertIsSatisfied(context);
    }

    /** Expects no outbox record and no worker for the message. */
    protected void expectNoReply(CanonicalMessage message) throws Exception {
        mock("mock:outbox").expectedMessageCount(0);
        mock("mock:auto-reply-worker").expectedMessageCount(0);
        decide(message);
        MockEndpoint.assertIsSatisfied(context);
    }
}
