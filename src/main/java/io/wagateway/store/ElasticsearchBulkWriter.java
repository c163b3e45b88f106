package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkIngester;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkListener;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.ops.RateLimitedLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes documents create-if-absent ({@code op_type=create}) and any other bulk operation so that concurrent webhooks
 * share {@code _bulk} requests (up to {@code maxOperations} operations or {@code maxBytes} bytes,
 * {@code maxConcurrentRequests} in flight) while each caller gets its own item's result: one bad document never
 * fails its neighbours. Every request sets {@code require_alias}. The callers' futures complete on the completion
 * executor, never on the HTTP client's I/O threads.
 *
 * <p>Two ways to batch, per connection ({@link #channel}): {@link #GROUP_COMMIT} (the default,
 * {@link ElasticsearchGroupCommit}: a write that finds a free slot goes out at once, writes that arrive while every
 * slot is taken join the next {@code _bulk}; no timer) and {@link #BULK_INGESTER} (the client's {@link BulkIngester},
 * which sends a partial batch after a {@code flushIntervalMs} linger), kept for comparison. Both report here
 * ({@link BulkListener}): same per-item semantics, same metrics. Connections belong to {@link ElasticsearchStore},
 * which rebuilds a broken client.
 *
 * <p>Traces (docs/tracing.md), when the gateway's tracing is on: each {@code _bulk} request is a span of its own
 * ({@code bulk}, kind client, a trace of its own) with one link per webhook span it carries, the context current on
 * the caller's thread when its operation was added (its Camel span). That caller's future is completed on the
 * completion executor with that context current again, so the webhook's route continues in its own trace after the
 * write is confirmed. One {@code _bulk} carries many webhooks, so it cannot be a child of one: links are OpenTelemetry's
 * model of a batch. With tracing off there is no tracer and nothing is captured.
 */
final class ElasticsearchBulkWriter implements BulkListener<CompletableFuture<BulkResponseItem>> {

    /** The store's logger: operators find these lines under its name. */
    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchStore.class);

    /** {@code gateway.elasticsearch.bulk.mode} of the group commit without a timer. */
    static final String GROUP_COMMIT = "group-commit";
    /** {@code gateway.elasticsearch.bulk.mode} of the client's {@link BulkIngester} (linger of flushIntervalMs). */
    static final String BULK_INGESTER = "bulk-ingester";

    /**
     * Where one connection's operations go until they are sent.
     */
    interface Channel extends AutoCloseable {
        /**
         * @param operation the operation
         * @param result    completed (on the completion executor) with the operation's item, or failed
         * @throws RuntimeException when the channel cannot take it (closed by a rebuild or a stop)
         */
        void add(BulkOperation operation, CompletableFuture<BulkResponseItem> result);

        /**
         * @param operations operations that should travel in the same {@code _bulk}
         * @param results    one future per operation, in the same order, as for {@link #add}
         * @throws RuntimeException when the channel cannot take them (closed by a rebuild or a stop)
         */
        default void addAll(List<BulkOperation> operations, List<CompletableFuture<BulkResponseItem>> results) {
            for (int i = 0; i < operations.size(); i++) {
                add(operations.get(i), results.get(i));
            }
        }

        /** Sends what is queued and waits for every answer (interrupt the caller to stop waiting). */
        @Override
        void close();
    }

    private final String mode;
    private final int maxOperations;
    private final long maxBytes;
    private final int maxConcurrentRequests;
    private final long flushIntervalMs;
    private final long writeTimeoutMs;
    private final Executor completion;
    private final Consumer<Throwable> onRequestFailure;
    private final Runnable onIndexMissing;
    private final DistributionSummary bulkSize = DistributionSummary.builder("gateway.elasticsearch.bulk.operations")
            .baseUnit("operations").register(Metrics.globalRegistry);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong largest = new AtomicLong();
    private final Tracer tracer;
    private final boolean tracing;
    /** The {@code _bulk} spans in flight, by execution id (ended by {@link #afterBulk}). */
    private final Map<Long, Span> bulkSpans = new ConcurrentHashMap<>();

    /** A caller's future that remembers the trace context it was created in (tracing on only). */
    private static final class Traced<T> extends CompletableFuture<T> {
        final Context context = Context.current();
    }

    /**
     * @param mode                  {@link #GROUP_COMMIT} or {@link #BULK_INGESTER}
     * @param maxOperations         most operations in one {@code _bulk}
     * @param maxBytes              most bytes in one {@code _bulk}
     * @param maxConcurrentRequests most {@code _bulk} requests in flight
     * @param flushIntervalMs       {@link #BULK_INGESTER} only: longest wait before a partial {@code _bulk} is sent,
     *                              ms
     * @param writeTimeoutMs        how long a caller waits for its item's result, ms
     * @param completion            where the callers' futures complete
     * @param onRequestFailure      told of a failed request (the store repairs a broken client)
     * @param onIndexMissing        told when an item found its index deleted (the store re-checks its indices)
     * @param tracer                makes the {@code _bulk} spans; null when tracing is off (nothing captured per write)
     */
    ElasticsearchBulkWriter(String mode, int maxOperations, long maxBytes, int maxConcurrentRequests,
            long flushIntervalMs, long writeTimeoutMs, Executor completion, Consumer<Throwable> onRequestFailure,
            Runnable onIndexMissing, Tracer tracer) {
        if (!GROUP_COMMIT.equals(mode) && !BULK_INGESTER.equals(mode)) {
            throw new IllegalArgumentException("gateway.elasticsearch.bulk.mode must be " + GROUP_COMMIT + " or "
                    + BULK_INGESTER + ", not " + mode);
        }
        this.mode = mode;
        this.maxOperations = maxOperations;
        this.maxBytes = maxBytes;
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.flushIntervalMs = flushIntervalMs;
        this.writeTimeoutMs = writeTimeoutMs;
        this.completion = completion;
        this.onRequestFailure = onRequestFailure;
        this.onIndexMissing = onIndexMissing;
        this.tracer = tracer;
        this.tracing = tracer != null;
    }

    /**
     * @param client the client to write through
     * @return a channel on it that reports to this writer: the group commit, or a bulk ingester
     */
    Channel channel(ElasticsearchClient client) {
        if (GROUP_COMMIT.equals(mode)) {
            return new ElasticsearchGroupCommit(client, maxOperations, maxBytes, maxConcurrentRequests, completion,
                    this);
        }
        BulkIngester<CompletableFuture<BulkResponseItem>> ingester = BulkIngester.of(b -> b.client(client)
                .maxOperations(maxOperations)
                .maxSize(maxBytes)
                .maxConcurrentRequests(maxConcurrentRequests)
                .flushInterval(flushIntervalMs, TimeUnit.MILLISECONDS)
                // a write to a missing alias fails instead of auto-creating a concrete index of that name
                .globalSettings(g -> g.requireAlias(true))
                .listener(this));
        return new Channel() {
            @Override
            public void add(BulkOperation operation, CompletableFuture<BulkResponseItem> result) {
                ingester.add(operation, result);
            }

            @Override
            public void close() {
                ingester.close();
            }
        };
    }

    /** @return {@link #GROUP_COMMIT} or {@link #BULK_INGESTER} */
    String mode() {
        return mode;
    }

    /**
     * Adds one create-if-absent operation to the next {@code _bulk}.
     *
     * @param channel     the current connection's channel
     * @param outstanding the current connection's unanswered futures (failed if the connection is retired)
     * @param index       index or alias
     * @param id          document id, or null for an auto-generated one
     * @param document    the document (Jackson-serialisable)
     * @return completes with STORED or DUPLICATE once Elasticsearch confirmed the item; fails with
     *         {@link StoreUnavailableException} (not sent, not confirmed within {@code writeTimeoutMs}, 429/5xx) or
     *         {@link DocumentRejectedException} (refused, or an {@code _id} over 512 bytes)
     */
    CompletableFuture<WriteOutcome> write(Channel channel,
            Set<CompletableFuture<BulkResponseItem>> outstanding, String index, String id, Object document) {
        return write(channel, outstanding, index, id, document, true);
    }

    /**
     * As {@link #write(Channel, Set, String, String, Object)}; with {@code requireAlias} false the operation may name
     * a concrete index (a time partition, docs/partitions.md), which must exist: the writer creates it first.
     */
    CompletableFuture<WriteOutcome> write(Channel channel, Set<CompletableFuture<BulkResponseItem>> outstanding,
            String index, String id, Object document, boolean requireAlias) {
        if (id != null && id.getBytes(StandardCharsets.UTF_8).length > ElasticsearchStore.MAX_ID_BYTES) {
            // Elasticsearch would refuse the whole _bulk request, failing every neighbour: refuse this one alone
            return CompletableFuture.failedFuture(new DocumentRejectedException(id.substring(0, 64) + "...",
                    "_id is longer than " + ElasticsearchStore.MAX_ID_BYTES + " bytes"));
        }
        BulkOperation op = BulkOperation.of(o -> o.create(cr -> {
            cr.index(index).document(document);
            if (!requireAlias) {
                cr.requireAlias(false); // overrides the request's require_alias for this operation only
            }
            if (id != null) {
                cr.id(id);
            }
            return cr;
        }));
        return submit(channel, outstanding, op, id).thenCompose(item -> {
            if (item.error() == null) {
                return CompletableFuture.completedFuture(WriteOutcome.STORED);
            }
            if (item.status() == 409) {
                return CompletableFuture.completedFuture(WriteOutcome.DUPLICATE);
            }
            return CompletableFuture.failedFuture(new DocumentRejectedException(item.id(),
                    item.error().type() + ": " + item.error().reason()));
        });
    }

    /**
     * Adds any operation (create, index with {@code if_seq_no}, ...) to the next {@code _bulk}.
     *
     * @param channel     the current connection's channel
     * @param outstanding the current connection's unanswered futures (failed if the connection is retired)
     * @param op          the operation; its {@code _id}, if any, must be at most 512 bytes
     * @param id          its {@code _id} for error messages, or null
     * @return completes with the operation's own item once Elasticsearch answered it: a success, a 409 conflict or
     *         another refusal (4xx), which the caller reads; fails with {@link StoreUnavailableException} when the
     *         request was not sent or not answered within {@code writeTimeoutMs}, the item is 429/5xx, or its index
     *         is missing
     */
    CompletableFuture<BulkResponseItem> submit(Channel channel,
            Set<CompletableFuture<BulkResponseItem>> outstanding, BulkOperation op, String id) {
        CompletableFuture<BulkResponseItem> result = track(outstanding, tracing);
        try {
            channel.add(op, result);
        } catch (RuntimeException e) { // closed by a rebuild or a stop meanwhile
            notSent(List.of(result), e);
        }
        return withTimeout(result, id);
    }

    /**
     * Adds operations that should travel in the same {@code _bulk} (unless a bound splits them).
     *
     * @param channel     the current connection's channel
     * @param outstanding the current connection's unanswered futures (failed if the connection is retired)
     * @param ops         the operations, as for {@link #submit}
     * @return one future per operation, in order, each as {@link #submit} says
     */
    List<CompletableFuture<BulkResponseItem>> submitAll(Channel channel,
            Set<CompletableFuture<BulkResponseItem>> outstanding, List<BulkOperation> ops) {
        List<CompletableFuture<BulkResponseItem>> results = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            results.add(track(outstanding, tracing));
        }
        try {
            channel.addAll(ops, results);
        } catch (RuntimeException e) { // closed by a rebuild or a stop meanwhile
            notSent(results, e);
        }
        List<CompletableFuture<BulkResponseItem>> answers = new ArrayList<>(ops.size());
        for (CompletableFuture<BulkResponseItem> result : results) {
            answers.add(withTimeout(result, null));
        }
        return answers;
    }

    private static CompletableFuture<BulkResponseItem> track(Set<CompletableFuture<BulkResponseItem>> outstanding,
            boolean traced) {
        CompletableFuture<BulkResponseItem> result = traced ? new Traced<>() : new CompletableFuture<>();
        outstanding.add(result);
        result.whenComplete((r, e) -> outstanding.remove(result));
        return result;
    }

    private void notSent(List<CompletableFuture<BulkResponseItem>> results, RuntimeException e) {
        onRequestFailure.accept(e);
        for (CompletableFuture<BulkResponseItem> result : results) {
            result.completeExceptionally(new StoreUnavailableException("Elasticsearch write not sent: " + e, e));
        }
    }

    private CompletableFuture<BulkResponseItem> withTimeout(CompletableFuture<BulkResponseItem> result, String id) {
        return result.orTimeout(writeTimeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new StoreUnavailableException(
                        "Elasticsearch did not confirm " + id + " within " + writeTimeoutMs + " ms", cause));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** @return {@code _bulk} requests sent since start */
    long requests() {
        return requests.get();
    }

    /** @return operations sent in them */
    long operations() {
        return operations.get();
    }

    /** @return the most operations one of them carried */
    long largest() {
        return largest.get();
    }

    @Override
    public void beforeBulk(long executionId, BulkRequest request, List<CompletableFuture<BulkResponseItem>> contexts) {
        GatewayMetrics.bulkStarted(executionId); // the _bulk duration histogram
        if (tracing) {
            startSpan(executionId, contexts);
        }
    }

    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    private static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("db.operation.batch.size");
    private static final AttributeKey<Long> WEBHOOKS = AttributeKey.longKey("gateway.bulk.linked_spans");
    private static final AttributeKey<Long> ITEM_ERRORS = AttributeKey.longKey("gateway.bulk.item_errors");
    private static final AttributeKey<Long> TOOK = AttributeKey.longKey("elasticsearch.took_ms");

    /**
     * The {@code _bulk} span: a root of its own, linked to each distinct span its operations were added from (the
     * SDK keeps the first {@code OTEL_SPAN_LINK_COUNT_LIMIT}, 128 by default).
     */
    private void startSpan(long executionId, List<CompletableFuture<BulkResponseItem>> contexts) {
        Set<SpanContext> linked = new LinkedHashSet<>();
        for (CompletableFuture<BulkResponseItem> future : contexts) {
            if (future instanceof Traced<BulkResponseItem> t) {
                SpanContext caller = Span.fromContext(t.context).getSpanContext();
                if (caller.isValid()) {
                    linked.add(caller);
                }
            }
        }
        var builder = tracer.spanBuilder("bulk").setNoParent().setSpanKind(SpanKind.CLIENT)
                .setAttribute(DB_SYSTEM, "elasticsearch").setAttribute(DB_OPERATION, "bulk")
                .setAttribute(BATCH_SIZE, (long) contexts.size()).setAttribute(WEBHOOKS, (long) linked.size());
        linked.forEach(builder::addLink);
        bulkSpans.put(executionId, builder.startSpan());
    }

    private void endSpan(long executionId, BulkResponse response, Throwable failure) {
        Span span = bulkSpans.remove(executionId);
        if (span == null) {
            return;
        }
        if (failure != null) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        } else {
            long errors = response.items().stream().filter(i -> i.error() != null && i.status() != 409).count();
            span.setAttribute(TOOK, response.took());
            span.setAttribute(ITEM_ERRORS, errors);
            if (response.errors() && errors > 0) {
                span.setStatus(StatusCode.ERROR, errors + " items failed");
            }
        }
        span.end();
    }

    private void measure(long executionId, int n, boolean ok) {
        GatewayMetrics.bulkDone(executionId, ok);
        bulkSize.record(n);
        requests.incrementAndGet();
        operations.addAndGet(n);
        largest.accumulateAndGet(n, Math::max);
    }

    @Override
    public void afterBulk(long executionId, BulkRequest request, List<CompletableFuture<BulkResponseItem>> contexts,
            BulkResponse response) {
        measure(executionId, contexts.size(), true);
        GatewayMetrics.bulkTook(response.took());
        endSpan(executionId, response, null);
        List<BulkResponseItem> items = response.items();
        for (int i = 0; i < contexts.size(); i++) {
            CompletableFuture<BulkResponseItem> future = contexts.get(i);
            if (future == null) {
                continue;
            }
            BulkResponseItem item = i < items.size() ? items.get(i) : null;
            if (item == null) {
                complete(future, null, new StoreUnavailableException("bulk response has no item " + i, null));
            } else if (item.error() == null || item.status() == 409) {
                complete(future, item, null);
            } else if (item.status() == 404 || "index_not_found_exception".equals(item.error().type())) {
                onIndexMissing.run(); // deleted under us: recreated by the next write, which the provider's retry makes
                complete(future, null, new StoreUnavailableException("index missing for " + item.id()
                        + ": " + item.error().reason(), null));
            } else if (item.status() == 429 || item.status() >= 500) {
                complete(future, null, new StoreUnavailableException("Elasticsearch answered " + item.status()
                        + " for " + item.id() + ": " + item.error().reason(), null));
            } else {
                complete(future, item, null); // refused: the caller says why (DocumentRejectedException for a write)
            }
        }
    }

    @Override
    public void afterBulk(long executionId, BulkRequest request, List<CompletableFuture<BulkResponseItem>> contexts,
            Throwable failure) {
        measure(executionId, contexts.size(), false);
        endSpan(executionId, null, failure);
        onRequestFailure.accept(failure);
        RateLimitedLog.warn(LOG, "bulk-failed:" + failure.getClass().getName(),
                "Elasticsearch bulk request of {} operations failed: {}", contexts.size(), failure.toString());
        for (CompletableFuture<BulkResponseItem> future : contexts) {
            if (future != null) {
                complete(future, null, new StoreUnavailableException(
                        "Elasticsearch bulk request failed: " + failure.getMessage(), failure));
            }
        }
    }

    /** Completes a caller's future on the completion executor, in its caller's trace context when it has one. */
    private <T> void complete(CompletableFuture<T> future, T value, Throwable failure) {
        Executor executor = future instanceof Traced<T> t ? task -> completion.execute(t.context.wrap(task))
                : completion;
        ElasticsearchLookupBatcher.complete(executor, future, value, failure);
    }
}
