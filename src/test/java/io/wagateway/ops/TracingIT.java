package io.wagateway.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Traces end to end (issue 22 item 4, docs/tracing.md) with the in-memory exporter ({@code otel.traces.exporter=memory},
 * {@link InMemorySpanExporterProvider}): one webhook that gets an AI reply is one trace - its path, the signature
 * verification, the pipeline's routing, the enrichment, the store, the LLM call and the send - and every
 * {@code _bulk} is a span of its own that links to the spans of the webhooks it carries. The webhook's route goes on
 * in its trace after its write is confirmed on a store completion thread. WireMock stands in for OpenRouter and
 * WAHA's send API (the property set of AutoReplyIT); Elasticsearch is the real local one.
 */
@TestPropertySource(properties = {
        "gateway.tracing.enabled=true",
        "otel.traces.exporter=memory",
        // one _bulk in flight: writes that arrive meanwhile share the next one (the link test needs shared _bulks)
        "gateway.elasticsearch.bulk.max-concurrent-requests=1",
        "gateway.auto-reply.enabled=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.llm.retries=0",
        "gateway.auto-reply.llm.circuit-minimum-calls=1000",
        "gateway.meta.access-token=test-meta-token"})
class TracingIT extends GatewayIntegrationTest {

    static final String WAHA_CHAT = "15550100001@c.us";
    static final String INVALID_PARENT = SpanId.getInvalid();

    private final ListAppender<ILoggingEvent> outcomeLines = new ListAppender<>();

    @DynamicPropertySource
    static void llmAndGraph(DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    @BeforeEach
    void sendApisAndCapture() {
        AutoReplyIT.stubSendApis();
        tracing().flush();
        InMemorySpanExporterProvider.SPANS.reset();
        outcomeLines.start();
        ((Logger) LoggerFactory.getLogger("io.wagateway.webhook-outcome")).addAppender(outcomeLines);
    }

    @AfterEach
    void stopCapture() {
        ((Logger) LoggerFactory.getLogger("io.wagateway.webhook-outcome")).detachAppender(outcomeLines);
    }

    private GatewayTracing tracing() {
        return camelContext.getRegistry().lookupByNameAndType("gatewayTracing", GatewayTracing.class);
    }

    private static byte[] wahaInbound(String id, String text) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.put("id", "false_" + WAHA_CHAT + "_" + id);
        payload.put("timestamp", Instant.now().getEpochSecond());
        payload.put("body", text);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the spans exported so far (flushed first) */
    private List<SpanData> spans() {
        assertThat(tracing().flush()).isTrue();
        return InMemorySpanExporterProvider.SPANS.getFinishedSpanItems();
    }

    /** @return the root span of a webhook POSTed on {@code path}: the platform-http consumer, no parent */
    private static List<SpanData> webhookRoots(List<SpanData> spans, String path) {
        return spans.stream().filter(s -> INVALID_PARENT.equals(s.getParentSpanId()))
                .filter(s -> String.valueOf(s.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().equals("http.url")).map(Map.Entry::getValue)
                        .findFirst().orElse("")).endsWith(path))
                .toList();
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream().filter(e -> e.getKey().getKey().equals(key))
                .map(e -> String.valueOf(e.getValue())).findFirst().orElse("");
    }

    private static SpanData named(List<SpanData> trace, String name, String op) {
        Optional<SpanData> span = trace.stream()
                .filter(s -> s.getName().equals(name) && (op == null || op.equals(attribute(s, "op")))).findFirst();
        assertThat(span).as("span %s (%s) in %s", name, op, trace.stream().map(SpanData::getName).toList())
                .isPresent();
        return span.get();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aWebhookThatGetsAReplyIsOneTraceAndItsBulkLinksToIt() throws Exception {
        HttpResponse<String> r = postWaha(wahaInbound("3EB0TRACE000000001", "Do you have it in blue?"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText"))).size() == 1);
        // the worker's spans end after the send (the outbox is marked sent): wait until the trace is whole - one
        // tree, every span but the root with its parent in the trace
        List<SpanData>[] found = new List[2];
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<SpanData> exported = spans();
            List<SpanData> roots = webhookRoots(exported, "/webhooks/waha");
            if (roots.size() != 1) {
                return false;
            }
            List<SpanData> spans = exported.stream()
                    .filter(s -> s.getTraceId().equals(roots.get(0).getTraceId())).toList();
            Set<String> ids = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
            found[0] = exported;
            found[1] = spans;
            return spans.stream().anyMatch(s -> s.getName().equals("send-reply"))
                    && spans.stream().allMatch(s -> s == roots.get(0) || ids.contains(s.getParentSpanId()));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the webhook's trace is not one whole tree: " + (found[1] == null ? "no root"
                    : found[1].stream().map(s -> s.getName() + "/" + attribute(s, "op") + " parent "
                            + s.getParentSpanId()).toList()), e);
        }
        List<SpanData> all = found[0];
        List<SpanData> trace = found[1];
        SpanData root = webhookRoots(all, "/webhooks/waha").get(0);
        String traceId = root.getTraceId();
        assertThat(trace.stream().filter(s -> INVALID_PARENT.equals(s.getParentSpanId()))).containsExactly(root);

        // the stages, named after the endpoints Camel sends to (docs/tracing.md)
        assertThat(root.getName()).isEqualTo("POST");                            // the webhook path
        named(trace, "waha-webhook", "EVENT_RECEIVED");                          // signature verification
        named(trace, "webhook-items", "EVENT_RECEIVED");                         // the pipeline's routing
        named(trace, "webhook-item", "EVENT_RECEIVED");
        named(trace, "enrich-names", "EVENT_RECEIVED");                          // enrichment
        SpanData store = named(trace, "canonical-message", "EVENT_RECEIVED");     // the store (message-store)
        named(trace, "auto-reply", "EVENT_RECEIVED");                            // the reply worker (seda)
        SpanData llm = named(trace, "langchain4j-chat", "EVENT_SENT");            // the LLM call
        assertThat(attribute(llm, "camel.uri")).startsWith("langchain4j-chat://openrouter");
        named(trace, "send-reply", "EVENT_SENT");                                // the send
        assertThat(trace).anySatisfy(s -> assertThat(attribute(s, "http.url")).contains("/api/sendText"));

        // the message's _bulk: a trace of its own, linked to the store's span of this webhook
        List<SpanData> bulks = all.stream().filter(s -> s.getName().equals("bulk")).toList();
        SpanData messageBulk = bulks.stream()
                .filter(b -> b.getLinks().stream().anyMatch(l -> l.getSpanContext().getSpanId()
                        .equals(store.getSpanId())))
                .findFirst().orElseThrow(() -> new AssertionError("no _bulk links to " + store + ": " + bulks));
        assertThat(messageBulk.getTraceId()).isNotEqualTo(traceId);
        assertThat(messageBulk.getParentSpanId()).isEqualTo(INVALID_PARENT);
        assertThat(attribute(messageBulk, "db.system.name")).isEqualTo("elasticsearch");
        assertThat(messageBulk.getLinks()).allSatisfy(l -> assertThat(l.getSpanContext().getTraceId())
                .isEqualTo(traceId)); // alone in its _bulk here: every link is this webhook's
        // every _bulk that carried this webhook's writes links into its trace, never elsewhere
        assertThat(bulks).allSatisfy(b -> assertThat(b.getLinks()).allSatisfy(l -> assertThat(
                l.getSpanContext().getTraceId()).isEqualTo(traceId)));

        // after the write was confirmed (on a store completion thread) the route went on as a child of its store span
        for (String next : List.of("chat-update", "conversation")) {
            SpanData after = named(trace, next, "EVENT_SENT");
            assertThat(after.getParentSpanId()).as(next).isEqualTo(store.getSpanId());
            assertThat(after.getStartEpochNanos()).as(next + " starts after the _bulk ended")
                    .isGreaterThanOrEqualTo(messageBulk.getEndEpochNanos());
        }

        // the outcome line carries the trace id
        await().atMost(Duration.ofSeconds(5)).until(() -> outcomeLines.list.stream()
                .anyMatch(e -> e.getFormattedMessage().contains("\"trace_id\":\"" + traceId + "\"")));
    }

    @Test
    void oneBulkCarriesSeveralWebhooksAndLinksToEachOfThem() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            // concurrent webhooks with one _bulk in flight: those arriving while it is out share the next one
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ZERO).until(() -> {
                List<Future<HttpResponse<String>>> sent = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    String id = "3EB0BATCH" + System.nanoTime() + i;
                    byte[] body = wahaInbound(id, "agent " + i); // hand-over keyword: no LLM call, no reply
                    sent.add(clients.submit(() -> postWaha(body)));
                }
                for (Future<HttpResponse<String>> f : sent) {
                    assertThat(f.get().statusCode()).isEqualTo(200);
                }
                return spans().stream().anyMatch(b -> b.getName().equals("bulk") && linkedTraces(b).size() > 1);
            });
        } finally {
            clients.shutdownNow();
        }
        List<SpanData> all = spans();
        Set<String> webhookTraces = webhookRoots(all, "/webhooks/waha").stream().map(SpanData::getTraceId)
                .collect(Collectors.toSet());
        SpanData shared = all.stream().filter(b -> b.getName().equals("bulk") && linkedTraces(b).size() > 1)
                .findFirst().orElseThrow();
        // each link is a span of one of the webhooks: their traces stay separate, the _bulk points into each
        assertThat(webhookTraces).containsAll(linkedTraces(shared));
        assertThat(webhookTraces).doesNotContain(shared.getTraceId());
        Set<String> spanIds = all.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        assertThat(shared.getLinks()).allSatisfy(l -> assertThat(spanIds).contains(l.getSpanContext().getSpanId()));
        assertThat(attribute(shared, "db.operation.batch.size")).isNotEqualTo("1");
    }

    private static Set<String> linkedTraces(SpanData bulk) {
        return bulk.getLinks().stream().map(LinkData::getSpanContext).map(c -> c.getTraceId())
                .collect(Collectors.toSet());
    }
}
