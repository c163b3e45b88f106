package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkIngester;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkListener;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperationBase;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.bulk.CreateOperation;
import co.elastic.clients.elasticsearch.core.bulk.IndexOperation;
import co.elastic.clients.elasticsearch.core.bulk.WriteOperation;
import co.elastic.clients.json.JsonpMapper;
import co.elastic.clients.util.ApiTypeHelper;
import co.elastic.clients.util.BinaryData;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit without a timer, like a database's: an operation that finds fewer than {@code maxConcurrentRequests}
 * {@code _bulk} requests in flight goes out at once, with whatever is queued (up to {@code maxOperations} operations
 * and about {@code maxBytes} bytes); operations that arrive while every slot is taken wait in a queue, and when a
 * {@code _bulk} is answered the next one leaves at once with what queued meanwhile. At light load a write waits for
 * one round trip, never for a linger; at heavy load batches grow by themselves; an idle gateway has nothing
 * scheduled and no thread of its own.
 *
 * <p>Why not the client's {@link BulkIngester} (elasticsearch-java 9.2.3, read in its source): it sends a partial
 * batch only from its flush timer or an explicit {@code flush()}. With no timer and a {@code flush()} after each
 * {@code add}, (1) nothing sends the operations that queued while every slot was taken when a request completes,
 * so they would wait for the next write or for a timer; (2) {@code flush()} waits for a free slot holding the
 * ingester's lock, blocking the caller; (3) with a listener it still starts a scheduler of
 * {@code maxConcurrentRequests + 1} threads to run the listener; (4) its byte bound adds an operation and then
 * flushes, so a batch exceeds {@code maxBytes} and an oversize operation rides with others. It stays selectable
 * ({@code gateway.elasticsearch.bulk.mode: bulk-ingester}) for comparison.
 *
 * <p>Each document is serialised once, on the caller's thread, with the client's mapper (the store's
 * {@code ObjectMapper}) into {@link BinaryData}, which the client writes into the {@code _bulk} body as it is: that
 * gives each operation's size and keeps serialisation off the HTTP client's I/O threads. Requests go through the
 * client's asynchronous API on the same transport, so no thread blocks per request. The I/O thread that receives an
 * answer only frees the slot and sends the next {@code _bulk} (already bytes); the answer itself goes to the
 * completion executor, where the {@link BulkListener} ({@link ElasticsearchBulkWriter}: per-item results and
 * metrics, as with the ingester) completes the callers' futures, never on an I/O thread. Every request sets
 * {@code require_alias}.
 *
 * <p>{@link #add} never blocks its caller (the ingester blocks it while every slot is taken and a full batch waits).
 * The queue is bounded by what waits for it: the webhooks admitted ({@code gateway.webhooks.max-in-flight}) and the
 * write timeout. An operation whose caller's future is already done when its turn comes (its write timed out while
 * queued, or the connection was retired) is not sent, and timed-out operations at the head of the queue are dropped
 * as new ones arrive.
 */
final class ElasticsearchGroupCommit implements ElasticsearchBulkWriter.Channel {

    /** Ids of the {@code _bulk} requests, for the duration metric; unique in the JVM. */
    private static final AtomicLong EXECUTION_IDS = new AtomicLong(1L << 40);

    /** One queued operation: its document already serialised, its approximate size in the body, its caller. */
    private record Pending(BulkOperation operation, long bytes, CompletableFuture<BulkResponseItem> result) {
    }

    private final ElasticsearchAsyncClient client;
    private final JsonpMapper mapper;
    private final BulkListener<CompletableFuture<BulkResponseItem>> listener;
    private final Executor completion;
    private final int maxOperations;
    private final long maxBytes;
    private final int maxConcurrentRequests;

    // guarded by this
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long queuedBytes;
    private int inFlight;
    private boolean closed;
    /** Futures of sent operations not completed yet: a close waits for them too (they complete on other threads). */
    private final AtomicInteger unanswered = new AtomicInteger();

    /**
     * @param client                the client whose transport sends the requests (asynchronously)
     * @param maxOperations         most operations in one {@code _bulk}
     * @param maxBytes              about the most bytes in one {@code _bulk}; an operation larger than this goes
     *                              alone
     * @param maxConcurrentRequests most {@code _bulk} requests in flight
     * @param completion            where answers are handled and the next {@code _bulk} is sent from
     * @param listener              told before each {@code _bulk} and of its answer (on the completion executor)
     */
    ElasticsearchGroupCommit(ElasticsearchClient client, int maxOperations, long maxBytes, int maxConcurrentRequests,
            Executor completion, BulkListener<CompletableFuture<BulkResponseItem>> listener) {
        this.client = new ElasticsearchAsyncClient(client._transport(), client._transportOptions());
        this.mapper = client._jsonpMapper();
        this.maxOperations = Math.max(1, maxOperations);
        this.maxBytes = Math.max(1, maxBytes);
        this.maxConcurrentRequests = Math.max(1, maxConcurrentRequests);
        this.completion = completion;
        this.listener = listener;
    }

    /**
     * Queues an operation and, when a slot is free, sends a {@code _bulk} with what is queued from this thread.
     *
     * @param operation the operation (its document is serialised here)
     * @param result    completed through the listener with the operation's item, or failed
     * @throws IllegalStateException when closed
     */
    @Override
    public void add(BulkOperation operation, CompletableFuture<BulkResponseItem> result) {
        addAll(List.of(operation), List.of(result));
    }

    /**
     * Queues operations together, so that they travel in the same {@code _bulk} (unless a bound splits them), and
     * sends what free slots can carry from this thread.
     *
     * @param operations the operations (their documents are serialised here)
     * @param results    one future per operation, in the same order
     * @throws IllegalStateException when closed
     */
    @Override
    public void addAll(List<BulkOperation> operations, List<CompletableFuture<BulkResponseItem>> results) {
        List<Pending> pending = new ArrayList<>(operations.size());
        for (int i = 0; i < operations.size(); i++) {
            pending.add(prepare(operations.get(i), results.get(i)));
        }
        List<List<Pending>> batches;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the group commit is closed");
            }
            while (!queue.isEmpty() && queue.peekFirst().result().isDone()) { // timed out while every slot was taken
                queuedBytes -= queue.pollFirst().bytes();
            }
            for (Pending p : pending) {
                queue.addLast(p);
                queuedBytes += p.bytes();
            }
            batches = takeBatches();
        }
        batches.forEach(this::send);
    }

    /** @return the batches the free slots take now (each slot taken), possibly none */
    private List<List<Pending>> takeBatches() {
        List<Pending> batch = takeBatch();
        if (batch == null) {
            return List.of();
        }
        List<List<Pending>> batches = new ArrayList<>(1);
        for (; batch != null; batch = takeBatch()) {
            batches.add(batch);
        }
        return batches;
    }

    /**
     * Refuses new operations, sends what is queued and waits until every {@code _bulk} is answered and every
     * caller's future completed. Interrupting the calling thread ends the wait (the store then fails what is left
     * unanswered).
     */
    @Override
    public void close() {
        while (true) {
            List<Pending> batch;
            synchronized (this) {
                closed = true;
                batch = takeBatch();
                if (batch == null) {
                    if (queue.isEmpty() && inFlight == 0 && unanswered.get() == 0) {
                        return;
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    continue;
                }
            }
            send(batch);
        }
    }

    /**
     * @return the next batch when a slot is free and something is queued (the slot is then taken), else null.
     *         Starts with the oldest operation; stops before the operation that would exceed {@code maxOperations}
     *         or {@code maxBytes}, so an oversize operation goes alone.
     */
    private List<Pending> takeBatch() {
        if (inFlight >= maxConcurrentRequests) {
            return null;
        }
        List<Pending> batch = null;
        long bytes = 0;
        while (!queue.isEmpty()) {
            Pending next = queue.peekFirst();
            if (next.result().isDone()) { // timed out while queued, or abandoned: its caller was answered already
                queue.pollFirst();
                queuedBytes -= next.bytes();
                continue;
            }
            if (batch != null && (batch.size() >= maxOperations || bytes + next.bytes() > maxBytes)) {
                break;
            }
            queue.pollFirst();
            queuedBytes -= next.bytes();
            if (batch == null) {
                batch = new ArrayList<>();
            }
            batch.add(next);
            bytes += next.bytes();
        }
        if (batch != null) {
            inFlight++;
        }
        return batch;
    }

    /** Sends one {@code _bulk} (its slot taken); its answer, or its failure to leave, goes to {@link #answered}. */
    private void send(List<Pending> batch) {
        long id = EXECUTION_IDS.incrementAndGet();
        List<BulkOperation> operations = new ArrayList<>(batch.size());
        List<CompletableFuture<BulkResponseItem>> contexts = new ArrayList<>(batch.size());
        unanswered.addAndGet(batch.size());
        for (Pending p : batch) {
            operations.add(p.operation());
            contexts.add(p.result());
            p.result().whenComplete((r, e) -> {
                if (unanswered.decrementAndGet() == 0) {
                    synchronized (this) {
                        notifyAll(); // close() waits for the last caller
                    }
                }
            });
        }
        BulkRequest request = BulkRequest.of(b -> b.requireAlias(true).operations(operations));
        try {
            listener.beforeBulk(id, request, contexts);
            client.bulk(request).whenComplete((response, failure) -> answered(id, request, contexts, response,
                    failure));
        } catch (RuntimeException e) { // transport closed, I/O reactor gone
            answered(id, request, contexts, null, e);
        }
    }

    /**
     * On the I/O thread that received the answer (or the sender's, when the request could not leave): frees the slot
     * and sends the next {@code _bulk} at once if operations queued meanwhile (its body is bytes already: no
     * serialisation here, and a backlog on the completion executor never delays it), then hands this answer to the
     * completion executor, where the listener answers the callers.
     */
    private void answered(long id, BulkRequest request, List<CompletableFuture<BulkResponseItem>> contexts,
            BulkResponse response, Throwable failure) {
        List<List<Pending>> next;
        synchronized (this) {
            inFlight--;
            next = takeBatches();
            notifyAll(); // close() waits for the last answer
        }
        next.forEach(this::send);
        Runnable answer = () -> {
            if (failure == null) {
                listener.afterBulk(id, request, contexts, response);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                listener.afterBulk(id, request, contexts, cause);
            }
        };
        try {
            completion.execute(answer);
        } catch (RejectedExecutionException stopped) {
            answer.run(); // the store is stopping: the listener fails the callers' futures
        }
    }

    /**
     * Serialises the operation's document (create, index) or action (update) once, into {@link BinaryData}, and
     * estimates its size in the {@code _bulk} body: the document's bytes plus its action line.
     */
    private Pending prepare(BulkOperation operation, CompletableFuture<BulkResponseItem> result) {
        BulkOperation prepared = operation;
        long bytes;
        switch (operation._kind()) {
            case Create -> {
                CreateOperation<?> op = operation.create();
                BinaryData document = binary(op.document());
                bytes = actionLineBytes(op) + document.size();
                if (document != op.document()) {
                    prepared = BulkOperation.of(o -> o.create(c -> copyWrite(op, c).document(document)));
                }
            }
            case Index -> {
                IndexOperation<?> op = operation.index();
                BinaryData document = binary(op.document());
                bytes = actionLineBytes(op) + document.size();
                if (document != op.document()) {
                    prepared = BulkOperation.of(o -> o.index(c -> copyWrite(op, c).document(document)));
                }
            }
            case Update -> {
                var op = operation.update();
                bytes = actionLineBytes(op) + (op.binaryAction() != null ? op.binaryAction().size()
                        : BinaryData.of(op.action(), mapper).size());
            }
            default -> bytes = actionLineBytes(operation.delete());
        }
        return new Pending(prepared, bytes, result);
    }

    private BinaryData binary(Object document) {
        return document instanceof BinaryData b ? b : BinaryData.of(document, mapper);
    }

    /** An action line's size: its fixed part and the values that vary (index, id, routing, if_seq_no...). */
    private static long actionLineBytes(BulkOperationBase op) {
        return 96 + length(op.index()) + length(op.id()) + length(op.routing());
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** Copies a create's or an index's metadata to a builder of the same operation with a serialised document. */
    private static <B extends WriteOperation.AbstractBuilder<B>> B copyWrite(WriteOperation op, B b) {
        b.id(op.id()).index(op.index()).routing(op.routing()).ifPrimaryTerm(op.ifPrimaryTerm()).ifSeqNo(op.ifSeqNo())
                .version(op.version()).versionType(op.versionType()).pipeline(op.pipeline())
                .requireAlias(op.requireAlias());
        if (ApiTypeHelper.isDefined(op.dynamicTemplates())) {
            b.dynamicTemplates(op.dynamicTemplates());
        }
        return b;
    }
}
