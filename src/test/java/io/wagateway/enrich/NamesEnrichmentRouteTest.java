package io.wagateway.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wagateway.message.CanonicalMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
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
 * The names enricher's tiers, route by route ({@code routes/enrichment.camel.yaml} alone, with Camel's test kit):
 * the names index and its write-back are replaced by in-memory stubs ({@code AdviceWith.weaveById}), the provider's
 * lookup route by {@code mock:api} ({@code interceptSendToEndpoint}).
 */
class NamesEnrichmentRouteTest {

    private static final long LOOKUP_TIMEOUT_MS = 300;
    private static final long BACKOFF_MS = 200;

    private CamelContext context;
    private ProducerTemplate template;
    private MockEndpoint api;
    private MockEndpoint writeBack;
    /** The names index stub: key to name. */
    private final Map<String, String> index = new ConcurrentHashMap<>();
    private final List<String> indexReads = new CopyOnWriteArrayList<>();
    private final List<String> apiThreads = new CopyOnWriteArrayList<>();
    /** Counted down when the provider's API may answer (1: at once). */
    private volatile CountDownLatch apiGate = new CountDownLatch(0);
    /** How many of the next API calls fail. */
    private final AtomicInteger failures = new AtomicInteger();

    /** Stand-in for the {@code gatewayMetrics} bean the name-lookup route names (never called: the route is skipped). */
    public static class MetricsStub {
        public void apiCall(String provider, String what) {
        }
    }

    @BeforeEach
    void start() throws Exception {
        context = new DefaultCamelContext();
        Properties properties = new Properties();
        properties.setProperty("gateway.enrichment.lookup-timeout-ms", Long.toString(LOOKUP_TIMEOUT_MS));
        // a failed API lookup is asked again after this back-off (NameLookupBackoffRouteTest tests the back-off)
        properties.setProperty("gateway.enrichment.lookup-failure-backoff-ms", Long.toString(BACKOFF_MS));
        context.getPropertiesComponent().setInitialProperties(properties);
        context.getRegistry().bind("gatewayMetrics", new MetricsStub());
        // the memory tier, as routes/beans.camel.yaml declares it (its index tier is replaced below)
        EnrichmentCache cache = new EnrichmentCache();
        cache.setLookupTimeoutMs(LOOKUP_TIMEOUT_MS);
        cache.setNamesIndex(new NamesIndex());
        context.getRegistry().bind("enrichmentCache", cache);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:identity-link").routeId("identity-link-stub").log("identity-link stub");
            }
        });
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/enrichment.camel.yaml"));
        AdviceWith.adviceWith(context, "names-load", a -> {
            a.weaveById("names-index-read").replace().process(e -> {
                NameLoad load = e.getMessage().getBody(NameLoad.class);
                indexReads.add(load.key());
                String name = index.get(load.key());
                e.getMessage().setBody(name == null ? load : load.answered(name, "elasticsearch"));
            });
            // the provider's API: answers "Chat <id>" once apiGate opens (outside the mock, whose processing is
            // synchronized), or fails while failures > 0
            a.interceptSendToEndpoint("direct:name-lookup").skipSendToOriginalEndpoint().process(e -> {
                apiThreads.add(Thread.currentThread().getName());
                assertThat(apiGate.await(10, TimeUnit.SECONDS)).isTrue();
                e.getMessage().setBody("Chat " + e.getMessage().getHeader("lookupId"));
            }).to("mock:api").process(e -> {
                if (failures.getAndDecrement() > 0) {
                    throw new IllegalStateException("503 from the provider");
                }
            });
        });
        AdviceWith.adviceWith(context, "names-write-back",
                a -> a.weaveById("names-index-write").replace().to("mock:write-back"));
        api = context.getEndpoint("mock:api", MockEndpoint.class);
        writeBack = context.getEndpoint("mock:write-back", MockEndpoint.class);
        writeBack.whenAnyExchangeReceived(e -> {
            NameLoad load = e.getMessage().getBody(NameLoad.class);
            index.put(load.key(), load.name());
        });
        context.start();
        template = context.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        apiGate.countDown();
        context.stop();
    }

    /** A group message in chat c from someone else (fromMe: no sender lookup), with or without the chat's name. */
    private static CanonicalMessage message(int i, String chat, String chatName) {
        return new CanonicalMessage("periskope", "15550100100@c.us", "m" + i, chat, "group", chatName, null, null,
                true, "text", "hello " + i, null, null, Instant.EPOCH, Instant.EPOCH, "received", null);
    }

    private CanonicalMessage enrich(CanonicalMessage m) {
        return template.requestBody("direct:enrich-names", m, CanonicalMessage.class);
    }

    @Test
    void aNameInMemoryAsksNeitherTheIndexNorTheApi() throws Exception {
        writeBack.expectedMessageCount(1);
        enrich(message(1, "g1@g.us", "Family")); // the payload carries the name: learned, written back
        writeBack.assertIsSatisfied();

        CanonicalMessage second = enrich(message(2, "g1@g.us", null));

        assertThat(second.chatName()).isEqualTo("Family");
        assertThat(indexReads).isEmpty();
        assertThat(api.getReceivedCounter()).isZero();
        assertThat(writeBack.getReceivedExchanges()).singleElement()
                .satisfies(e -> assertThat(e.getMessage().getBody(NameLoad.class).source()).isEqualTo("payload"));
    }

    @Test
    void aNameInTheIndexAsksNoApiAndIsNotWrittenBack() throws Exception {
        index.put("periskope:15550100100@c.us:chat:g2@g.us", "Book club");

        assertThat(enrich(message(1, "g2@g.us", null)).chatName()).isEqualTo("Book club");
        assertThat(enrich(message(2, "g2@g.us", null)).chatName()).isEqualTo("Book club");

        assertThat(indexReads).containsExactly("periskope:15550100100@c.us:chat:g2@g.us");
        assertThat(api.getReceivedCounter()).isZero();
        assertThat(writeBack.getReceivedCounter()).isZero();
    }

    @Test
    void aMissAsksTheApiOnceAndWritesTheNameBack() throws Exception {
        writeBack.expectedMessageCount(1);

        assertThat(enrich(message(1, "g3@g.us", null)).chatName()).isEqualTo("Chat g3@g.us");
        assertThat(enrich(message(2, "g3@g.us", null)).chatName()).isEqualTo("Chat g3@g.us");

        writeBack.assertIsSatisfied();
        NameLoad written = writeBack.getReceivedExchanges().get(0).getMessage().getBody(NameLoad.class);
        assertThat(written.key()).isEqualTo("periskope:15550100100@c.us:chat:g3@g.us");
        assertThat(written.name()).isEqualTo("Chat g3@g.us");
        assertThat(written.source()).isEqualTo("api");
        assertThat(api.getReceivedCounter()).isEqualTo(1);
        assertThat(api.getReceivedExchanges().get(0).getMessage().getHeaders())
                .containsEntry("provider", "periskope").containsEntry("lookupKind", "chat")
                .containsEntry("lookupId", "g3@g.us").containsEntry("chatType", "group")
                .containsEntry("accountId", "15550100100@c.us");
    }

    @Test
    void concurrentMissesForOneChatMakeOneApiCall() throws Exception {
        apiGate = new CountDownLatch(1); // every load is in flight while the messages arrive
        NotifyBuilder allDone = new NotifyBuilder(context).from("direct:enrich-names").whenDone(200).create();
        List<CompletableFuture<CanonicalMessage>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            answers.add(template.asyncRequestBody("direct:enrich-names", message(i, "g" + (i % 4) + "@g.us", null),
                    CanonicalMessage.class));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> apiThreads.size() == 4);
        apiGate.countDown();

        assertThat(allDone.matches(10, TimeUnit.SECONDS)).isTrue();
        for (CompletableFuture<CanonicalMessage> answer : answers) {
            answer.get(5, TimeUnit.SECONDS);
        }
        assertThat(api.getReceivedCounter()).isEqualTo(4);
        assertThat(indexReads).hasSize(4);
        assertThat(enrich(message(999, "g1@g.us", null)).chatName()).isEqualTo("Chat g1@g.us");
    }

    @Test
    void aSlowApiLetsTheMessagePassAfterTheLookupTimeoutAndAnswersALaterOne() throws Exception {
        apiGate = new CountDownLatch(1);
        long start = System.nanoTime();
        CanonicalMessage first = enrich(message(1, "g5@g.us", null));
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(first.chatName()).isNull();
        assertThat(ms).as("held %d ms", ms).isBetween(LOOKUP_TIMEOUT_MS - 50, LOOKUP_TIMEOUT_MS + 1_000);
        assertThat(apiThreads).as("the API is waited for on a names-lookup thread, not the message's")
                .containsExactly("names-lookup");

        apiGate.countDown(); // the API answers at last: the name is remembered for the next message
        await().atMost(Duration.ofSeconds(5)).until(() -> writeBack.getReceivedCounter() == 1);
        assertThat(enrich(message(2, "g5@g.us", null)).chatName()).isEqualTo("Chat g5@g.us");
        assertThat(api.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aFailingApiIsNotCachedAndAskedAgainByALaterMessage() throws Exception {
        failures.set(1);
        assertThat(enrich(message(1, "g6@g.us", null)).chatName()).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> api.getReceivedCounter() == 1);
        // a cached failure would keep every later message nameless; a failure not cached is asked again
        await().atMost(Duration.ofSeconds(5)).until(() -> enrich(message(2, "g6@g.us", null)).chatName() != null);

        assertThat(api.getReceivedCounter()).isEqualTo(2);
        assertThat(writeBack.getReceivedCounter()).isEqualTo(1);
    }
}
