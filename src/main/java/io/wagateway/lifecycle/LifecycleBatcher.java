package io.wagateway.lifecycle;

import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.ops.LogMask;
import io.wagateway.ops.RateLimitedLog;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import io.wagateway.store.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes lifecycle updates in batches: the updates waiting when a batch starts are grouped by the message they
 * target; one real-time {@code _mget} reads each target's lifecycle document and message together, the updates are
 * merged ({@link MessageLifecycle#merge}, commutative and idempotent), and one {@code _bulk} (through the store's
 * group commit) carries, for the whole batch, the audit documents ({@code whatsapp-message-updates}, create-if-absent:
 * a redelivery is kept once), the lifecycle documents (under {@code if_seq_no}/{@code if_primary_term}, or created)
 * and the message projections (under {@code if_seq_no}). A 409 on one target's lifecycle or message re-reads and
 * re-merges only that target in the next batch; a refused item fails only the updates of its own target.
 *
 * <p>One batch is in flight at a time, on one thread ({@code lifecycle-batcher}) parked on its queue while idle:
 * batches grow with load and a lone update costs one {@code _mget} and one {@code _bulk}. A target whose message
 * is not stored yet is written {@code pending: true} and checked again after {@code checkDelayMs} (the message may
 * have been stored meanwhile); a stored message is checked the same way, off its acknowledgement. A sweep every
 * {@code sweepIntervalMs} re-checks the most recent pending lifecycle documents, so an update whose message was
 * stored by an instance that stopped before its check is applied too.
 */
final class LifecycleBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleBatcher.class);
    /** Elasticsearch's limit on {@code _id}, in bytes: a longer one would fail the whole {@code _bulk}. */
    private static final int MAX_ID_BYTES = 512;
    /** Attempts per target (conflicts, shards not active yet) before its updates fail with a 503. */
    static final int MAX_ATTEMPTS = 20;

    /** One update waiting for its batch, and what its webhook waits for. */
    static final class Pending {
        final LifecycleUpdate update;
        final CompletableFuture<String> result = new CompletableFuture<>();
        /** The audit document's outcome once written (a retried target does not write it again). */
        WriteOutcome audit;

        Pending(LifecycleUpdate update) {
            this.update = update;
        }
    }

    /** A target's work in a batch: its waiting updates (none for a check). */
    static final class Work {
        final String target;
        final List<Pending> updates = new ArrayList<>();
        int attempts;

        Work(String target) {
            this.target = target;
        }
    }

    private final ElasticsearchStore store;
    private final String lifecycleIndex;
    private final int batchMax;
    private final long checkDelayMs;
    private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private final Set<String> checks = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean checkScheduled = new AtomicBoolean();
    private final ScheduledExecutorService timer;
    private final Thread thread;
    private final DistributionSummary batchSize = DistributionSummary.builder("gateway.lifecycle.batch.targets")
            .description("Messages (targets) read and written together by one lifecycle batch")
            .baseUnit("targets").register(Metrics.globalRegistry);
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong retriedTargets = new AtomicLong();
    private final Runnable onIndexMissing;
    private volatile boolean stopped;
    /** Told each message whose status a written projection changed: its document id and the message as written. */
    private volatile java.util.function.BiConsumer<String, ObjectNode> statusApplied = (id, message) -> { };
    /** Called between a batch's read and its write (tests make a concurrent change there). */
    private volatile Consumer<Collection<String>> afterRead = targets -> { };

    /**
     * Starts the batcher's thread.
     *
     * @param store          the store to read and write through
     * @param lifecycleIndex alias of the lifecycle index
     * @param batchMax       most targets in one batch
     * @param checkDelayMs   how long a check of a stored message (or of a pending target) may wait to be batched, ms
     * @param onIndexMissing told when a read found the lifecycle or messages index missing (created again)
     */
    LifecycleBatcher(ElasticsearchStore store, String lifecycleIndex, int batchMax, long checkDelayMs,
            Runnable onIndexMissing) {
        this.onIndexMissing = onIndexMissing;
        this.store = store;
        this.lifecycleIndex = lifecycleIndex;
        this.batchMax = batchMax;
        this.checkDelayMs = checkDelayMs;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "lifecycle-timer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        this.thread = new Thread(this::run, "lifecycle-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues an update for the next batch.
     *
     * @param update a targeted update
     * @return completes with the audit document's outcome once the update is merged into its lifecycle (and applied
     *         to its message, when stored); fails with {@link StoreUnavailableException} (503, redelivered) or
     *         {@link DocumentRejectedException}
     */
    CompletableFuture<String> add(LifecycleUpdate update) {
        Pending p = new Pending(update);
        String target = update.targetDocumentId();
        if (bytes(target) > MAX_ID_BYTES || bytes(update.documentId()) > MAX_ID_BYTES) {
            // it would fail its neighbours' _bulk: refused alone
            p.result.completeExceptionally(new DocumentRejectedException(target.substring(0, 64) + "...",
                    "_id is longer than " + MAX_ID_BYTES + " bytes"));
            return p.result;
        }
        if (stopped) {
            p.result.completeExceptionally(new StoreUnavailableException("the gateway is stopping", null));
            return p.result;
        }
        Work w = new Work(target);
        w.updates.add(p);
        queue.add(w);
        return p.result;
    }

    /**
     * Checks a target within {@code checkDelayMs}: applies its lifecycle to its message if both are stored. Checks
     * made meanwhile share one batch; the timer runs only while checks wait.
     *
     * @param target the message's document id
     */
    void check(String target) {
        if (stopped || bytes(target) > MAX_ID_BYTES) {
            return;
        }
        checks.add(target);
        if (checkScheduled.compareAndSet(false, true)) {
            try {
                timer.schedule(this::releaseChecks, checkDelayMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                checkScheduled.set(false);
            }
        }
    }

    /**
     * Checks a target in the next batch (the sweep's found pending documents: they waited long enough).
     *
     * @param target the message's document id
     */
    void checkNow(String target) {
        if (!stopped && bytes(target) <= MAX_ID_BYTES) {
            queue.add(new Work(target));
        }
    }

    private void releaseChecks() {
        checkScheduled.set(false);
        for (String target : List.copyOf(checks)) {
            checks.remove(target);
            queue.add(new Work(target));
        }
    }

    /**
     * Schedules a task on the batcher's timer.
     *
     * @param task    the task
     * @param delayMs its delay, ms
     */
    void schedule(Runnable task, long delayMs) {
        if (!stopped) {
            timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs a task every {@code periodMs} on the batcher's timer, first at once.
     *
     * @param task     the task
     * @param periodMs its period, ms
     */
    void scheduleEvery(Runnable task, long periodMs) {
        timer.scheduleWithFixedDelay(task, 0, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Stops the thread and the timer; updates still queued fail with {@link StoreUnavailableException}. */
    void stop() {
        stopped = true;
        thread.interrupt();
        timer.shutdownNow();
        List<Work> left = new ArrayList<>();
        queue.drainTo(left);
        for (Work w : left) {
            fail(w, new StoreUnavailableException("the gateway is stopping", null));
        }
    }

    /** @return batches, conflicts (409 items) and targets retried since start */
    Map<String, Long> stats() {
        return Map.of("batches", batches.get(), "conflicts", conflicts.get(), "retried_targets", retriedTargets.get());
    }

    /**
     * @param listener told, after the write, each message whose status a batch changed (its document id and the
     *                 message as written); it must not block
     */
    void onStatusApplied(java.util.function.BiConsumer<String, ObjectNode> listener) {
        this.statusApplied = listener;
    }

    /** @param hook called with a batch's targets between its read and its write (tests) */
    void afterRead(Consumer<Collection<String>> hook) {
        this.afterRead = hook;
    }

    private void run() {
        List<Work> taken = new ArrayList<>();
        while (!stopped) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(taken);
            // one Work per target: updates to the same message merge in one read-modify-write
            Map<String, Work> batch = new LinkedHashMap<>();
            List<Work> overflow = new ArrayList<>();
            for (Work w : taken) {
                Work same = batch.get(w.target);
                if (same != null) {
                    same.updates.addAll(w.updates);
                    same.attempts = Math.max(same.attempts, w.attempts);
                } else if (batch.size() < batchMax) {
                    batch.put(w.target, w);
                } else {
                    overflow.add(w);
                }
            }
            taken.clear();
            queue.addAll(overflow);
            try {
                process(batch.values());
            } catch (RuntimeException e) {
                RateLimitedLog.warn(LOG, "lifecycle-batch:" + e.getClass().getName(),
                        "lifecycle batch of {} targets failed: {}", batch.size(), e.toString());
                for (Work w : batch.values()) {
                    fail(w, e instanceof StoreUnavailableException ? e
                            : new StoreUnavailableException("lifecycle batch failed: " + e, e));
                }
            }
        }
    }

    /** What one target's read found and what its write sends. */
    private static final class Plan {
        final Work work;
        GetResult<ObjectNode> lifecycle;
        GetResult<ObjectNode> message;
        /**
         * The {@code _id} of the message this target's lifecycle projects onto: the target itself, or the outbound
         * document a link names ({@link MessageLifecycle#MESSAGE_DOC_ID}).
         */
        String messageDocId;
        /** True when the target's own message document was read and found although the lifecycle links elsewhere. */
        boolean strayFound;
        /** The concrete index it was found in (a partition, docs/partitions.md), when {@link #strayFound}. */
        String strayIndex;
        /** Deletes the target's own message document: an echo stored before its link (see {@link #plan}). */
        BulkOperation strayOp;
        CompletableFuture<BulkResponseItem> strayWrite;
        /** The audit operations, one per update not audited yet, and which update each is for. */
        final List<BulkOperation> auditOps = new ArrayList<>();
        final List<Pending> audited = new ArrayList<>();
        BulkOperation lifecycleOp;
        BulkOperation messageOp;
        final List<CompletableFuture<BulkResponseItem>> audits = new ArrayList<>();
        CompletableFuture<BulkResponseItem> lifecycleWrite;
        CompletableFuture<BulkResponseItem> messageWrite;
        boolean pending;
        boolean applied;
        boolean merged;
        /** The message as projected when its status changed (a {@code status} event once written), else null. */
        ObjectNode statusChanged;

        Plan(Work work) {
            this.work = work;
            this.messageDocId = work.target;
            for (Pending p : work.updates) {
                if (MessageLifecycle.LINK.equals(p.update.update()) && p.update.eventId() != null) {
                    messageDocId = p.update.eventId(); // read the outbound document at once
                    break;
                }
            }
        }

        /** @return the message document the lifecycle names, else {@link #messageDocId} (after the first read) */
        String linkedDocId() {
            ObjectNode l = lifecycle != null && lifecycle.found() ? lifecycle.source() : null;
            return l != null && l.hasNonNull(MessageLifecycle.MESSAGE_DOC_ID)
                    ? l.get(MessageLifecycle.MESSAGE_DOC_ID).asText() : messageDocId;
        }
    }

    private void process(Collection<Work> works) {
        batches.incrementAndGet();
        batchSize.record(works.size());
        List<Plan> plans = new ArrayList<>(works.size());
        works.forEach(w -> plans.add(new Plan(w)));
        if (!read(plans)) {
            return;
        }
        afterRead.accept(plans.stream().map(p -> p.work.target).toList());
        List<BulkOperation> ops = new ArrayList<>();
        for (Plan plan : plans) {
            plan(plan);
            ops.addAll(plan.auditOps);
            if (plan.lifecycleOp != null) {
                ops.add(plan.lifecycleOp);
            }
            if (plan.messageOp != null) {
                ops.add(plan.messageOp);
            }
            if (plan.strayOp != null) {
                ops.add(plan.strayOp);
            }
        }
        // every operation of the batch at once: they share one _bulk
        List<CompletableFuture<BulkResponseItem>> results = ops.isEmpty() ? List.of() : store.bulk(ops);
        int k = 0;
        for (Plan plan : plans) {
            for (int i = 0; i < plan.auditOps.size(); i++) {
                plan.audits.add(results.get(k++));
            }
            if (plan.lifecycleOp != null) {
                plan.lifecycleWrite = results.get(k++);
            }
            if (plan.messageOp != null) {
                plan.messageWrite = results.get(k++);
            }
            if (plan.strayOp != null) {
                plan.strayWrite = results.get(k++);
            }
        }
        for (Plan plan : plans) {
            settle(plan);
        }
    }

    /**
     * Reads every target's lifecycle, and the message of every target with updates, in one {@code _mget}. A check
     * (no updates) reads its message only when it has a lifecycle, in a second {@code _mget}: most stored messages
     * have none, and a real-time read of a document just written makes Elasticsearch refresh its shard. A target
     * whose lifecycle links it to another message document (a message sent through the gateway,
     * {@link MessageLifecycle#MESSAGE_DOC_ID}) reads that document in the second {@code _mget}: only the statuses of
     * sent messages pay it, every other update reads what it read before.
     *
     * @return false when no target is left to write (each failed read is re-queued or failed)
     */
    private boolean read(List<Plan> plans) {
        List<GetResult<ObjectNode>> first = mget(plans, p -> true, p -> !p.work.updates.isEmpty());
        if (first == null) {
            return false;
        }
        List<Plan> failed = new ArrayList<>();
        int k = 0;
        for (Plan p : plans) {
            p.lifecycle = first.get(k++);
            if (!p.work.updates.isEmpty()) {
                p.message = first.get(k++);
            }
            if (p.lifecycle == null || (!p.work.updates.isEmpty() && p.message == null)) {
                failed.add(p);
            }
        }
        plans.removeAll(failed);
        for (Plan p : plans) {
            String linked = p.linkedDocId();
            if (!linked.equals(p.messageDocId)) {
                p.messageDocId = linked;
                p.strayFound = p.message != null && p.message.found();
                p.strayIndex = p.strayFound ? p.message.index() : null;
                p.message = null; // read the linked document instead
            }
        }
        List<Plan> checks = plans.stream().filter(p -> p.message == null && p.lifecycle.found()).toList();
        if (!checks.isEmpty()) {
            List<GetResult<ObjectNode>> second = mget(checks, p -> false, p -> true);
            if (second == null) {
                plans.removeAll(checks);
            } else {
                for (int i = 0; i < checks.size(); i++) {
                    checks.get(i).message = second.get(i);
                    if (second.get(i) == null) {
                        plans.remove(checks.get(i));
                    }
                }
            }
        }
        // a check whose message has no lifecycle: nothing to read further, nothing to write
        plans.removeIf(p -> p.message == null && p.work.updates.isEmpty());
        return !plans.isEmpty();
    }

    /**
     * One real-time {@code _mget}: for each plan its lifecycle and/or its message, as the predicates say.
     *
     * @return the results in request order, null for an item that failed (its target is re-queued shortly); null
     *         when the whole request failed (every target re-queued)
     */
    private List<GetResult<ObjectNode>> mget(List<Plan> plans, java.util.function.Predicate<Plan> lifecycle,
            java.util.function.Predicate<Plan> message) {
        if (store.isPartitioned()) {
            return mgetPartitioned(plans, lifecycle, message);
        }
        MgetResponse<ObjectNode> response;
        try {
            response = store.client().mget(m -> {
                for (Plan p : plans) {
                    if (lifecycle.test(p)) {
                        m.docs(d -> d.index(lifecycleIndex).id(p.work.target));
                    }
                    if (message.test(p)) {
                        m.docs(d -> d.index(store.getMessagesIndex()).id(p.messageDocId));
                    }
                }
                return m;
            }, ObjectNode.class);
        } catch (Exception e) {
            readFailed(plans, e);
            return null;
        }
        List<MultiGetResponseItem<ObjectNode>> docs = response.docs();
        List<GetResult<ObjectNode>> results = new ArrayList<>(docs.size());
        int k = 0;
        for (Plan p : plans) {
            boolean failed = false;
            int n = (lifecycle.test(p) ? 1 : 0) + (message.test(p) ? 1 : 0);
            for (int j = 0; j < n; j++, k++) {
                MultiGetResponseItem<ObjectNode> item = k < docs.size() ? docs.get(k) : null;
                if (item == null || item.isFailure()) {
                    results.add(null);
                    if (!failed) { // a shard not active yet (index just created, node restarting): read again shortly
                        failed = true;
                        var error = item == null ? null : item.failure().error();
                        if (error != null && "index_not_found_exception".equals(error.type())) {
                            onIndexMissing.run();
                        }
                        String why = error == null ? "no item" : error.type() + ": " + error.reason();
                        retryLater(p.work, new StoreUnavailableException("cannot read " + p.work.target + ": " + why,
                                null));
                    }
                } else {
                    results.add(item.result());
                }
            }
        }
        return results;
    }

    /** A batch read that failed as a whole: the client repaired if broken, a missing index reported, every plan retried. */
    private void readFailed(List<Plan> plans, Exception e) {
        store.repairIfBroken(e);
        if (e.toString().contains("index_not_found_exception")) {
            onIndexMissing.run();
        }
        for (Plan p : plans) {
            retryLater(p.work, e);
        }
    }

    /**
     * {@link #mget} when the messages alias is partitioned by month (docs/partitions.md): the lifecycles in one
     * {@code _mget} of their single index, the messages through the store's locator (its candidates ordered by the
     * earliest update's timestamp, a status comes after its message), so each found message names its concrete
     * partition and the projection's {@code if_seq_no} write goes there.
     */
    private List<GetResult<ObjectNode>> mgetPartitioned(List<Plan> plans,
            java.util.function.Predicate<Plan> lifecycle, java.util.function.Predicate<Plan> message) {
        List<MultiGetResponseItem<ObjectNode>> lifecycles = List.of();
        List<GetResult<ObjectNode>> messages = List.of();
        try {
            List<Plan> withLifecycle = plans.stream().filter(lifecycle).toList();
            if (!withLifecycle.isEmpty()) {
                lifecycles = store.client().mget(m -> {
                    withLifecycle.forEach(p -> m.docs(d -> d.index(lifecycleIndex).id(p.work.target)));
                    return m;
                }, ObjectNode.class).docs();
            }
            List<Plan> withMessage = plans.stream().filter(message).toList();
            if (!withMessage.isEmpty()) {
                List<Instant> hints = new ArrayList<>(withMessage.size());
                for (Plan p : withMessage) {
                    hints.add(p.work.updates.stream().map(u -> u.update.timestamp()).filter(java.util.Objects::nonNull)
                            .min(Instant::compareTo).orElse(null));
                }
                messages = store.getMessages(withMessage.stream().map(p -> p.messageDocId).toList(), hints);
            }
        } catch (Exception e) {
            readFailed(plans, e);
            return null;
        }
        List<GetResult<ObjectNode>> results = new ArrayList<>();
        int l = 0;
        int m = 0;
        for (Plan p : plans) {
            String why = null;
            if (lifecycle.test(p)) {
                MultiGetResponseItem<ObjectNode> item = l < lifecycles.size() ? lifecycles.get(l) : null;
                l++;
                if (item == null || item.isFailure()) {
                    results.add(null);
                    var error = item == null ? null : item.failure().error();
                    if (error != null && "index_not_found_exception".equals(error.type())) {
                        onIndexMissing.run();
                    }
                    why = error == null ? "no item" : error.type() + ": " + error.reason();
                } else {
                    results.add(item.result());
                }
            }
            if (message.test(p)) {
                GetResult<ObjectNode> found = m < messages.size() ? messages.get(m) : null;
                m++;
                results.add(found);
                if (found == null && why == null) {
                    why = "message not readable";
                }
            }
            if (why != null) {
                retryLater(p.work, new StoreUnavailableException("cannot read " + p.work.target + ": " + why, null));
            }
        }
        return results;
    }

    /** Adds the target's operations: audit documents, lifecycle, message projection, a stray echo's delete. */
    private void plan(Plan plan) {
        strayEcho(plan);
        Work w = plan.work;
        for (Pending p : w.updates) {
            if (p.audit == null) {
                LifecycleUpdate u = p.update;
                plan.auditOps.add(BulkOperation.of(o -> o.create(c -> c.index(store.getUpdatesIndex())
                        .id(u.documentId()).document(u))));
                plan.audited.add(p);
            }
        }
        boolean lifecycleFound = plan.lifecycle.found() && plan.lifecycle.source() != null;
        boolean messageFound = plan.message.found() && plan.message.source() != null;
        if (!lifecycleFound && w.updates.isEmpty()) {
            return; // a check of a message no update targets: nothing to do (the common case)
        }
        ObjectNode base = lifecycleFound ? plan.lifecycle.source()
                : store.objectMapper().createObjectNode().put("target", w.target);
        ObjectNode doc = base.deepCopy();
        for (Pending p : w.updates) {
            MessageLifecycle.merge(doc, p.update);
        }
        plan.merged = !doc.equals(base);
        boolean pendingBefore = base.path("pending").asBoolean(false);
        plan.pending = !messageFound;
        long version = base.path("version").asLong(0);
        if (plan.merged || pendingBefore != plan.pending) {
            version++; // under if_seq_no: exactly one writer makes each version
            doc.put("version", version);
            doc.put("pending", plan.pending);
            doc.put("updated_at", Instant.now().toString());
            if (lifecycleFound) {
                long seqNo = plan.lifecycle.seqNo();
                long term = plan.lifecycle.primaryTerm();
                plan.lifecycleOp = BulkOperation.of(o -> o.index(i -> i.index(lifecycleIndex).id(w.target)
                        .document(doc).ifSeqNo(seqNo).ifPrimaryTerm(term)));
            } else {
                plan.lifecycleOp = BulkOperation.of(o -> o.create(c -> c.index(lifecycleIndex).id(w.target)
                        .document(doc)));
            }
        }
        if (messageFound && projects(plan.message.source(), version)) {
            ObjectNode projected = MessageLifecycle.projection(plan.message.source(), doc);
            projected.put(LIFECYCLE_VERSION, version);
            if (!projected.equals(plan.message.source())) {
                long seqNo = plan.message.seqNo();
                long term = plan.message.primaryTerm();
                String messageDocId = plan.messageDocId;
                // partitioned: the concrete partition the locator found it in (require_alias off for this one)
                boolean partitioned = store.isPartitioned();
                String messageIndex = partitioned ? plan.message.index() : store.getMessagesIndex();
                plan.messageOp = BulkOperation.of(o -> o.index(i -> {
                    i.index(messageIndex).id(messageDocId).document(projected).ifSeqNo(seqNo).ifPrimaryTerm(term);
                    return partitioned ? i.requireAlias(false) : i;
                }));
                plan.applied = true;
                if (!projected.path("status").asText("").equals(plan.message.source().path("status").asText(""))) {
                    plan.statusChanged = projected;
                }
            }
        }
    }

    /**
     * A target linked to another message document (a message sent through the gateway) whose own message document
     * exists, or may exist, is the provider's echo stored before the link was written: it is deleted in the same
     * {@code _bulk}. A check of a stored message reads its lifecycle anyway, so an echo stored before its link meets
     * the link here, off its acknowledgement and with no extra request (bean {@code outboundLinks}: the sender,
     * which writes the link and then reads the echo's document, covers the other order).
     */
    private void strayEcho(Plan plan) {
        Work w = plan.work;
        if (!plan.messageDocId.equals(w.target) && (plan.strayFound || w.updates.isEmpty())) {
            String index = !store.isPartitioned() ? store.getMessagesIndex()
                    : plan.strayIndex != null ? plan.strayIndex : store.messageIndexOf(w.target, null);
            if (index != null) { // partitioned and not found: no echo to delete
                plan.strayOp = BulkOperation.of(o -> o.delete(d -> d.index(index).id(w.target)));
            }
        }
    }

    /** The message field naming the lifecycle {@code version} its projection was made from. */
    static final String LIFECYCLE_VERSION = "lifecycle_version";

    /**
     * Whether a projection from lifecycle {@code version} may replace the stored message: not when the message
     * already shows a newer lifecycle. Another instance may write a newer lifecycle and its projection between this
     * batch's read of the lifecycle and its read of the message (one {@code _mget} reads them one after the
     * other); the message's {@code if_seq_no} alone would then let the older projection overwrite the newer one.
     *
     * @param message the stored message
     * @param version the lifecycle version the projection would come from
     * @return true when the message shows this version or an older one
     */
    static boolean projects(ObjectNode message, long version) {
        return message.path(LIFECYCLE_VERSION).asLong(0) <= version;
    }

    /** Reads the target's results: completes its updates, or re-queues the target, or fails it. */
    private void settle(Plan plan) {
        Work w = plan.work;
        Throwable failure = null;
        boolean conflict = false;
        for (int i = 0; i < plan.audits.size(); i++) {
            CompletableFuture<BulkResponseItem> f = plan.audits.get(i);
            Pending p = plan.audited.get(i);
            try {
                BulkResponseItem item = f.join();
                if (item.error() == null) {
                    p.audit = WriteOutcome.STORED;
                } else if (item.status() == 409) {
                    p.audit = WriteOutcome.DUPLICATE;
                } else {
                    // this update alone is refused; its target's other updates go on
                    complete(p, null, new DocumentRejectedException(item.id(),
                            item.error().type() + ": " + item.error().reason()));
                }
            } catch (CompletionException e) {
                complete(p, null, e.getCause());
            }
        }
        for (CompletableFuture<BulkResponseItem> f : new CompletableFuture[] {plan.lifecycleWrite,
                plan.messageWrite}) {
            if (f == null) {
                continue;
            }
            try {
                BulkResponseItem item = f.join();
                if (item.status() == 409) {
                    conflict = true;
                } else if (item.error() != null) {
                    failure = new DocumentRejectedException(item.id(), item.error().type() + ": "
                            + item.error().reason());
                }
            } catch (CompletionException e) {
                failure = e.getCause();
            }
        }
        if (plan.strayWrite != null) {
            try {
                BulkResponseItem item = plan.strayWrite.join();
                if (item.error() == null && item.status() < 300) {
                    String provider = w.target.substring(0, Math.max(0, w.target.indexOf(':')));
                    Metrics.counter("gateway.send.echoes", "provider", provider, "outcome", "deleted_by_echo")
                            .increment();
                } else if (item.status() != 404) {
                    LOG.warn("echo {} stored before its link not deleted: {}", w.target, item.error());
                }
            } catch (CompletionException e) {
                LOG.warn("echo {} stored before its link not deleted: {}", w.target, e.getCause().toString());
            }
        }
        w.updates.removeIf(p -> p.result.isDone());
        if (failure != null) {
            fail(w, failure);
            return;
        }
        if (conflict) {
            conflicts.incrementAndGet();
            if (w.attempts + 1 >= MAX_ATTEMPTS) {
                fail(w, new StoreUnavailableException("lifecycle of " + w.target + " kept changing after "
                        + MAX_ATTEMPTS + " attempts; update not applied", null));
                return;
            }
            w.attempts++;
            retriedTargets.incrementAndGet();
            queue.add(w); // only this target: re-read and re-merged in the next batch
            return;
        }
        if (plan.pending && plan.lifecycleWrite != null) {
            check(w.target); // its message may have been stored while this batch ran: looked at again shortly
        }
        if (plan.statusChanged != null) {
            try {
                statusApplied.accept(plan.messageDocId, plan.statusChanged);
            } catch (RuntimeException e) {
                // a live event: never worth failing the batch's updates, which are written already
                LOG.debug("status event of {} not published: {}", LogMask.id(plan.messageDocId), e.toString());
            }
        }
        String outcome = plan.applied ? "applied" : plan.pending && plan.merged ? "pending" : "unchanged";
        for (Pending p : w.updates) {
            Metrics.counter("gateway.lifecycle.updates", "provider", String.valueOf(p.update.provider()), "update",
                    String.valueOf(p.update.update()), "outcome", outcome).increment();
            complete(p, "update_" + p.audit.name(), null);
        }
    }

    /** Re-queues a target whose read failed (a shard not active yet), after 100 ms; fails it after 50 tries. */
    private void retryLater(Work w, Throwable cause) {
        if (w.attempts + 1 >= 50) {
            fail(w, cause instanceof StoreUnavailableException ? cause
                    : new StoreUnavailableException("cannot read lifecycle of " + w.target + ": " + cause, cause));
            return;
        }
        w.attempts++;
        try {
            schedule(() -> queue.add(w), 100);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            fail(w, new StoreUnavailableException("the gateway is stopping", stopping));
        }
    }

    private void fail(Work w, Throwable failure) {
        for (Pending p : w.updates) {
            complete(p, null, failure);
        }
    }

    private void complete(Pending p, String value, Throwable failure) {
        try {
            store.completionExecutor().execute(() -> {
                if (failure == null) {
                    p.result.complete(value);
                } else {
                    p.result.completeExceptionally(failure);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            p.result.completeExceptionally(new StoreUnavailableException("the store is stopping", stopped));
        }
    }

    private static int bytes(String id) {
        return id == null ? 0 : id.getBytes(StandardCharsets.UTF_8).length;
    }
}
