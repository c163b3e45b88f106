package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.ops.GatewayMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The store's batching reader: lookups issued while an {@code _mget} is in flight are sent together in the next one
 * (up to {@code batchMax} ids), by one thread ({@code store-lookup-batcher}), so the cost per lookup falls as load
 * rises while a lone lookup still costs one request. Real-time, like a GET. Each caller's future completes on the
 * store's completion executor, never on the batcher's thread. Used through {@link ElasticsearchStore#lookup}.
 */
final class ElasticsearchLookupBatcher {

    private record PendingLookup(String index, String id, CompletableFuture<Optional<ObjectNode>> result) {
    }

    private final LinkedBlockingQueue<PendingLookup> lookups = new LinkedBlockingQueue<>();
    private final Supplier<ElasticsearchClient> client;
    private final Consumer<Throwable> onFailure;
    private final Executor completion;
    private final int batchMax;
    private final Thread thread;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong documents = new AtomicLong();

    /**
     * Starts the batcher's thread.
     *
     * @param client     the client to read through (the store's current one, asked per {@code _mget})
     * @param onFailure  told of a failed {@code _mget} (the store repairs a broken client)
     * @param completion where the callers' futures complete
     * @param batchMax   most ids in one {@code _mget}
     */
    ElasticsearchLookupBatcher(Supplier<ElasticsearchClient> client, Consumer<Throwable> onFailure,
            Executor completion, int batchMax) {
        this.client = client;
        this.onFailure = onFailure;
        this.completion = completion;
        this.batchMax = batchMax;
        this.thread = new Thread(this::run, "store-lookup-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param index index or alias
     * @param id    document id
     * @return completes with the document's source, or empty when it does not exist; fails with
     *         {@link StoreUnavailableException} when Elasticsearch cannot answer for it
     */
    CompletableFuture<Optional<ObjectNode>> lookup(String index, String id) {
        PendingLookup pending = new PendingLookup(index, id, new CompletableFuture<>());
        lookups.add(pending);
        return pending.result();
    }

    /** Stops the thread; lookups still queued are not answered. */
    void stop() {
        thread.interrupt();
    }

    /** @return {@code _mget} requests sent since start */
    long requests() {
        return requests.get();
    }

    /** @return documents read by them */
    long documents() {
        return documents.get();
    }

    /** The loop: take what is waiting, one {@code _mget} for all of it, complete each caller. */
    private void run() {
        List<PendingLookup> batch = new ArrayList<>();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(lookups.take());
            } catch (InterruptedException e) {
                return;
            }
            lookups.drainTo(batch, Math.max(0, batchMax - 1));
            try {
                long sent = System.nanoTime();
                MgetResponse<ObjectNode> response = client.get().mget(m -> {
                    for (PendingLookup p : batch) {
                        m.docs(d -> d.index(p.index()).id(p.id()));
                    }
                    return m;
                }, ObjectNode.class);
                GatewayMetrics.mgetDone(System.nanoTime() - sent, batch.size());
                requests.incrementAndGet();
                documents.addAndGet(batch.size());
                List<MultiGetResponseItem<ObjectNode>> docs = response.docs();
                for (int i = 0; i < batch.size(); i++) {
                    PendingLookup p = batch.get(i);
                    MultiGetResponseItem<ObjectNode> doc = i < docs.size() ? docs.get(i) : null;
                    if (doc == null || doc.isFailure()) {
                        String reason = doc == null ? "no item" : doc.failure().error().type() + ": " + doc.failure().error().reason();
                        complete(completion, p.result(), null, new StoreUnavailableException("cannot read " + p.index() + "/" + p.id() + ": " + reason, null));
                    } else {
                        var result = doc.result();
                        complete(completion, p.result(), result.found() ? Optional.ofNullable(result.source()) : Optional.empty(), null);
                    }
                }
            } catch (Exception e) {
                onFailure.accept(e);
                for (PendingLookup p : batch) {
                    complete(completion, p.result(), null, new StoreUnavailableException("Elasticsearch lookup failed: " + e.getMessage(), e));
                }
            }
            batch.clear();
        }
    }

    /**
     * Completes a caller's future on the completion executor (or fails it when the store is stopping).
     *
     * @param completion the executor
     * @param future     the caller's future
     * @param value      its value, when {@code failure} is null
     * @param failure    its failure, or null
     * @param <T>        the value's type
     */
    static <T> void complete(Executor completion, CompletableFuture<T> future, T value, Throwable failure) {
        try {
            completion.execute(() -> {
                if (failure == null) {
                    future.complete(value);
                } else {
                    future.completeExceptionally(failure);
                }
            });
        } catch (RejectedExecutionException stopped) {
            future.completeExceptionally(new StoreUnavailableException("the store is stopping", stopped));
        }
    }
}
