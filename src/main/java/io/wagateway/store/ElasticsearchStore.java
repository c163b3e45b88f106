package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkIngester;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkListener;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Elasticsearch writer. Documents are written create-if-absent ({@code op_type=create}) through the
 * client's {@link BulkIngester}, so concurrent webhooks share {@code _bulk} requests (group commit) while each
 * caller gets its own item's result: {@link WriteOutcome#STORED}, {@link WriteOutcome#DUPLICATE}, or an exception
 * ({@link StoreUnavailableException} → HTTP 503, {@link DocumentRejectedException}).
 *
 * <p>Connection and indices are configured as bean properties (declared in {@code routes/message-store.camel.yaml}),
 * so Spring Boot and Camel JBang create it the same way. Indices are aliases over {@code <alias>-000001} created at
 * start from an index template with an explicit mapping ({@code classpath:elasticsearch/*.json}).
 */
public class ElasticsearchStore {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchStore.class);
    /** Elasticsearch's limit on {@code _id}, in bytes. */
    static final int MAX_ID_BYTES = 512;

    private String url = "http://127.0.0.1:9200";
    private String username;
    private String password;
    private String messagesIndex = "whatsapp-messages";
    private String updatesIndex = "whatsapp-message-updates";
    private String deadLettersIndex = "whatsapp-dead-letters";
    private String namesIndex = "whatsapp-names";
    private int bulkMaxOperations = 1000;
    private long bulkMaxBytes = 5L * 1024 * 1024;
    private long bulkFlushIntervalMs = 5;
    private int bulkMaxConcurrentRequests = 4;
    private long writeTimeoutMs = 10_000;
    private int completionThreads = 4;
    private int lookupBatchMax = 500;

    private volatile ObjectMapper objectMapper;
    private volatile ElasticsearchClient client;
    private BulkIngester<CompletableFuture<WriteOutcome>> ingester;
    private volatile boolean indicesReady;
    /** Runs what follows a confirmed write (the rest of each webhook's route), never the ingester's own threads. */
    private ExecutorService completion;
    private final LinkedBlockingQueue<PendingLookup> lookups = new LinkedBlockingQueue<>();
    private Thread lookupBatcher;
    private final AtomicLong bulkRequests = new AtomicLong();
    private final AtomicLong bulkOperations = new AtomicLong();
    private final AtomicLong largestBulk = new AtomicLong();
    private final AtomicLong lookupRequests = new AtomicLong();
    private final AtomicLong lookupDocuments = new AtomicLong();

    /**
     * Connects and creates the index templates and write indices if absent; idempotent (also called lazily on first
     * use). Elasticsearch being down does not fail it: indices are then created on the first write.
     */
    public void start() {
        if (client != null) {
            return;
        }
        startOnce();
    }

    private synchronized void startOnce() {
        if (client != null) {
            return;
        }
        objectMapper = JsonMapperFactory.create();
        ElasticsearchClient connected = ElasticsearchClient.of(b -> {
            b.host(url).jsonMapper(new JacksonJsonpMapper(objectMapper));
            if (username != null && !username.isBlank()) {
                b.usernameAndPassword(username, password == null ? "" : password);
            }
            return b;
        });
        AtomicInteger threadNumber = new AtomicInteger();
        completion = Executors.newFixedThreadPool(Math.max(1, completionThreads), r -> {
            Thread t = new Thread(r, "store-completion-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        lookupBatcher = new Thread(this::runLookups, "store-lookup-batcher");
        lookupBatcher.setDaemon(true);
        lookupBatcher.start();
        ingester = BulkIngester.of(b -> b.client(connected)
                .maxOperations(bulkMaxOperations)
                .maxSize(bulkMaxBytes)
                .maxConcurrentRequests(bulkMaxConcurrentRequests)
                .flushInterval(bulkFlushIntervalMs, TimeUnit.MILLISECONDS)
                .listener(new FutureCompletingListener()));
        client = connected; // last: a thread that sees the client sees everything above
        LOG.info("Elasticsearch store: {} (indices {}, {}, {}, {}); bulk: {} ops / {} bytes / {} ms linger / {} in flight",
                url, messagesIndex, updatesIndex, deadLettersIndex, namesIndex, bulkMaxOperations, bulkMaxBytes,
                bulkFlushIntervalMs, bulkMaxConcurrentRequests);
        try {
            ensureIndices();
        } catch (RuntimeException e) {
            LOG.warn("Elasticsearch at {} is not reachable yet ({}); indices will be created on first write", url,
                    e.getMessage());
        }
    }

    /** Flushes pending bulk operations and closes the connection. */
    public void stop() {
        if (ingester != null) {
            ingester.close();
        }
        if (lookupBatcher != null) {
            lookupBatcher.interrupt();
        }
        if (completion != null) {
            completion.shutdown();
        }
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                LOG.debug("closing Elasticsearch client", e);
            }
        }
    }

    /**
     * Stores a message create-if-absent under {@link CanonicalMessage#documentId()}.
     *
     * @param message the canonical message
     * @return completes with STORED or DUPLICATE once Elasticsearch confirmed the item; fails with
     *         {@link StoreUnavailableException} or {@link DocumentRejectedException}
     */
    public CompletableFuture<WriteOutcome> storeMessage(CanonicalMessage message) {
        return create(messagesIndex, message.documentId(), message);
    }

    /**
     * Keeps a lifecycle update (status, edit, delete, reaction) create-if-absent under
     * {@link LifecycleUpdate#documentId()}, so a redelivered update is recorded once.
     *
     * @param update the update
     * @return as {@link #storeMessage(CanonicalMessage)}
     */
    public CompletableFuture<WriteOutcome> storeUpdate(LifecycleUpdate update) {
        return create(updatesIndex, update.documentId(), update);
    }

    /**
     * Writes a dead-letter document under its {@code id} field (create-if-absent, so a journal drained twice
     * stores it once), or an auto-generated id when it has none.
     *
     * @param document the fields to store
     * @return completes when Elasticsearch confirmed the write
     */
    public CompletableFuture<WriteOutcome> storeDeadLetter(Map<String, Object> document) {
        Object id = document.get("id");
        return create(deadLettersIndex, id == null ? null : id.toString(), document);
    }

    /**
     * Writes any document create-if-absent through the shared bulk ingester (group commit).
     *
     * @param index    index or alias
     * @param id       document id, or null for an auto-generated one
     * @param document the document (Jackson-serialisable)
     * @return as {@link #storeMessage(CanonicalMessage)}
     */
    public CompletableFuture<WriteOutcome> createDocument(String index, String id, Object document) {
        return create(index, id, document);
    }

    private CompletableFuture<WriteOutcome> create(String index, String id, Object document) {
        start();
        try {
            ensureIndices();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new StoreUnavailableException(
                    "Elasticsearch at " + url + " is not reachable: " + e.getMessage(), e));
        }
        if (id != null && id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            // Elasticsearch would refuse the whole _bulk request, failing every neighbour: refuse this one alone
            return CompletableFuture.failedFuture(new DocumentRejectedException(id.substring(0, 64) + "...",
                    "_id is longer than " + MAX_ID_BYTES + " bytes"));
        }
        CompletableFuture<WriteOutcome> result = new CompletableFuture<>();
        BulkOperation op = BulkOperation.of(o -> o.create(c -> {
            c.index(index).document(document);
            if (id != null) {
                c.id(id);
            }
            return c;
        }));
        ingester.add(op, result);
        return result.orTimeout(writeTimeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new StoreUnavailableException(
                        "Elasticsearch did not confirm " + id + " within " + writeTimeoutMs + " ms", cause));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * The store of a Camel context, found when first needed: route files load in no guaranteed order, so beans
     * declared in other files look it up instead of referencing {@code #bean:elasticsearchStore} at load time.
     *
     * @param context the Camel context
     * @return the one {@code ElasticsearchStore} in its registry
     * @throws IllegalStateException when there is none (routes/message-store.camel.yaml not loaded)
     */
    public static ElasticsearchStore in(org.apache.camel.CamelContext context) {
        ElasticsearchStore store = context == null ? null
                : context.getRegistry().findSingleByType(ElasticsearchStore.class);
        if (store == null) {
            throw new IllegalStateException("no ElasticsearchStore bean: is routes/message-store.camel.yaml loaded?");
        }
        return store;
    }

    /** @return the client (for searches by other beans and tests) */
    public ElasticsearchClient client() {
        start();
        return client;
    }

    /** @return the configured Jackson mapper that writes documents (snake_case, ISO dates) */
    public ObjectMapper objectMapper() {
        start();
        return objectMapper;
    }

    /**
     * Creates the index templates and the write indices behind the aliases if they are missing. Safe to call
     * concurrently and from several gateway instances (an index created by another instance is accepted).
     */
    public void ensureIndices() {
        if (indicesReady) {
            return;
        }
        ensureIndicesOnce();
    }

    private synchronized void ensureIndicesOnce() {
        start();
        if (indicesReady) {
            return;
        }
        ensureIndex(messagesIndex, "elasticsearch/messages-mapping.json");
        ensureIndex(updatesIndex, "elasticsearch/updates-mapping.json");
        ensureIndex(deadLettersIndex, "elasticsearch/dead-letters-mapping.json");
        ensureIndex(namesIndex, "elasticsearch/names-mapping.json");
        indicesReady = true;
    }

    /** Forgets that indices were created, so the next write re-checks them (used after indices were deleted). */
    public synchronized void resetIndices() {
        indicesReady = false;
    }

    /**
     * Creates an index template {@code <alias>} for {@code <alias>-*} with the given mapping and the write index
     * {@code <alias>-000001} behind the alias, if missing. Safe to call concurrently and from several instances.
     *
     * @param alias           the alias the gateway reads and writes
     * @param mappingResource classpath resource of the mapping JSON
     * @throws StoreUnavailableException when Elasticsearch cannot be reached
     */
    public void ensureIndex(String alias, String mappingResource) {
        start();
        String mapping = readResource(mappingResource);
        try {
            client.indices().putIndexTemplate(t -> t.name(alias)
                    .indexPatterns(alias + "-*")
                    .priority(100L)
                    .template(tt -> tt
                            .settings(s -> s.numberOfShards("1").autoExpandReplicas("0-1"))
                            .mappings(m -> m.withJson(new StringReader(mapping)))));
            boolean exists = client.indices().existsAlias(a -> a.name(alias)).value();
            if (!exists) {
                try {
                    client.indices().create(c -> c.index(alias + "-000001")
                            .aliases(alias, a -> a.isWriteIndex(true)));
                    LOG.info("Created Elasticsearch index {}-000001 with alias {}", alias, alias);
                } catch (ElasticsearchException e) {
                    if (!"resource_already_exists_exception".equals(e.error().type())) {
                        throw e;
                    }
                }
            }
            // created just now, maybe by another thread or instance: reads fail until its primary shard is active
            // (yellow is not enough: a brand-new index reports yellow while its primary is still initialising)
            client.cluster().health(h -> h.index(alias).waitForActiveShards(w -> w.count(1))
                    .timeout(tm -> tm.time("30s")));
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot reach Elasticsearch at " + url, e);
        }
    }

    private static String readResource(String name) {
        try (InputStream in = ElasticsearchStore.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }

    /**
     * Reads one document by id through a batching reader: lookups issued while an {@code _mget} is in flight are
     * sent together in the next one (up to {@code lookupBatchMax} ids), so the cost per lookup falls as load rises
     * while a lone lookup still costs one request. Real-time, like a GET: a document written a moment ago is seen.
     *
     * @param index index or alias
     * @param id    document id
     * @return completes (on a completion thread) with the document's source, or empty when it does not exist;
     *         fails with {@link StoreUnavailableException} when Elasticsearch cannot answer for it
     */
    public CompletableFuture<Optional<ObjectNode>> lookup(String index, String id) {
        start();
        if (id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            // no document can have it, and it would fail the whole _mget for its neighbours
            return CompletableFuture.completedFuture(Optional.empty());
        }
        PendingLookup pending = new PendingLookup(index, id, new CompletableFuture<>());
        lookups.add(pending);
        return pending.result();
    }

    /** @return the executor that runs what follows a confirmed write or lookup */
    public java.util.concurrent.Executor completionExecutor() {
        start();
        return completion;
    }

    /**
     * Counters of the group commit since start, for tests and the benchmark.
     *
     * @return {@code bulk_requests}, {@code bulk_operations}, {@code largest_bulk} (operations),
     *         {@code lookup_requests} ({@code _mget} calls), {@code lookup_documents}
     */
    public Map<String, Long> groupCommitStats() {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("bulk_requests", bulkRequests.get());
        stats.put("bulk_operations", bulkOperations.get());
        stats.put("largest_bulk", largestBulk.get());
        stats.put("lookup_requests", lookupRequests.get());
        stats.put("lookup_documents", lookupDocuments.get());
        return stats;
    }

    private record PendingLookup(String index, String id, CompletableFuture<Optional<ObjectNode>> result) {
    }

    /** The batching reader's loop: take what is waiting, one {@code _mget} for all of it, complete each caller. */
    private void runLookups() {
        List<PendingLookup> batch = new ArrayList<>();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(lookups.take());
            } catch (InterruptedException e) {
                return;
            }
            lookups.drainTo(batch, Math.max(0, lookupBatchMax - 1));
            try {
                long sent = System.nanoTime();
                MgetResponse<ObjectNode> response = client.mget(m -> {
                    for (PendingLookup p : batch) {
                        m.docs(d -> d.index(p.index()).id(p.id()));
                    }
                    return m;
                }, ObjectNode.class);
                io.wagateway.ops.GatewayMetrics.mgetDone(System.nanoTime() - sent, batch.size());
                lookupRequests.incrementAndGet();
                lookupDocuments.addAndGet(batch.size());
                List<MultiGetResponseItem<ObjectNode>> docs = response.docs();
                for (int i = 0; i < batch.size(); i++) {
                    PendingLookup p = batch.get(i);
                    MultiGetResponseItem<ObjectNode> doc = i < docs.size() ? docs.get(i) : null;
                    if (doc == null || doc.isFailure()) {
                        String reason = doc == null ? "no item" : doc.failure().error().type() + ": " + doc.failure().error().reason();
                        complete(p.result(), null, new StoreUnavailableException("cannot read " + p.index() + "/" + p.id() + ": " + reason, null));
                    } else {
                        var result = doc.result();
                        complete(p.result(), result.found() ? Optional.ofNullable(result.source()) : Optional.empty(), null);
                    }
                }
            } catch (Exception e) {
                for (PendingLookup p : batch) {
                    complete(p.result(), null, new StoreUnavailableException("Elasticsearch lookup failed: " + e.getMessage(), e));
                }
            }
            batch.clear();
        }
    }

    private <T> void complete(CompletableFuture<T> future, T value, Throwable failure) {
        try {
            completion.execute(() -> {
                if (failure == null) {
                    future.complete(value);
                } else {
                    future.completeExceptionally(failure);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            future.completeExceptionally(new StoreUnavailableException("the store is stopping", stopped));
        }
    }

    /**
     * Completes each caller's future from its own bulk item, so one bad document never fails its neighbours. The
     * futures complete on the completion executor: the rest of each webhook's route runs there, never on the
     * ingester's scheduler (which also times the next flush).
     */
    private final class FutureCompletingListener implements BulkListener<CompletableFuture<WriteOutcome>> {

        private final DistributionSummary bulkSize = DistributionSummary.builder("gateway.elasticsearch.bulk.operations")
                .baseUnit("operations").register(Metrics.globalRegistry);

        @Override
        public void beforeBulk(long executionId, BulkRequest request, List<CompletableFuture<WriteOutcome>> contexts) {
            io.wagateway.ops.GatewayMetrics.bulkStarted(executionId); // the _bulk duration histogram
        }

        private void measure(long executionId, int operations, boolean ok) {
            io.wagateway.ops.GatewayMetrics.bulkDone(executionId, ok);
            bulkSize.record(operations);
            bulkRequests.incrementAndGet();
            bulkOperations.addAndGet(operations);
            largestBulk.accumulateAndGet(operations, Math::max);
        }

        @Override
        public void afterBulk(long executionId, BulkRequest request, List<CompletableFuture<WriteOutcome>> contexts,
                BulkResponse response) {
            measure(executionId, contexts.size(), true);
            io.wagateway.ops.GatewayMetrics.bulkTook(response.took());
            List<BulkResponseItem> items = response.items();
            for (int i = 0; i < contexts.size(); i++) {
                CompletableFuture<WriteOutcome> future = contexts.get(i);
                if (future == null) {
                    continue;
                }
                BulkResponseItem item = i < items.size() ? items.get(i) : null;
                if (item == null) {
                    complete(future, null, new StoreUnavailableException("bulk response has no item " + i, null));
                } else if (item.error() == null) {
                    complete(future, WriteOutcome.STORED, null);
                } else if (item.status() == 409) {
                    complete(future, WriteOutcome.DUPLICATE, null);
                } else if (item.status() == 404 || "index_not_found_exception".equals(item.error().type())) {
                    resetIndices(); // deleted under us: recreated by the next write, which the provider's retry makes
                    complete(future, null, new StoreUnavailableException("index missing for " + item.id()
                            + ": " + item.error().reason(), null));
                } else if (item.status() == 429 || item.status() >= 500) {
                    complete(future, null, new StoreUnavailableException("Elasticsearch answered " + item.status()
                            + " for " + item.id() + ": " + item.error().reason(), null));
                } else {
                    complete(future, null, new DocumentRejectedException(item.id(),
                            item.error().type() + ": " + item.error().reason()));
                }
            }
        }

        @Override
        public void afterBulk(long executionId, BulkRequest request, List<CompletableFuture<WriteOutcome>> contexts,
                Throwable failure) {
            measure(executionId, contexts.size(), false);
            LOG.warn("Elasticsearch bulk request of {} operations failed: {}", contexts.size(), failure.toString());
            for (CompletableFuture<WriteOutcome> future : contexts) {
                if (future != null) {
                    complete(future, null, new StoreUnavailableException(
                            "Elasticsearch bulk request failed: " + failure.getMessage(), failure));
                }
            }
        }
    }

    // --- bean properties (set from placeholders in the route files) ---

    /** @param url Elasticsearch base URL, e.g. {@code http://127.0.0.1:9200} */
    public void setUrl(String url) {
        this.url = url;
    }

    /** @return the Elasticsearch base URL */
    public String getUrl() {
        return url;
    }

    /** @param username basic-auth user, blank for none */
    public void setUsername(String username) {
        this.username = username;
    }

    /** @param password basic-auth password */
    public void setPassword(String password) {
        this.password = password;
    }

    /** @param messagesIndex alias of the messages index */
    public void setMessagesIndex(String messagesIndex) {
        this.messagesIndex = messagesIndex;
    }

    /** @return alias of the messages index */
    public String getMessagesIndex() {
        return messagesIndex;
    }

    /** @param updatesIndex alias of the lifecycle-updates index */
    public void setUpdatesIndex(String updatesIndex) {
        this.updatesIndex = updatesIndex;
    }

    /** @return alias of the lifecycle-updates index */
    public String getUpdatesIndex() {
        return updatesIndex;
    }

    /** @param deadLettersIndex alias of the dead-letters index */
    public void setDeadLettersIndex(String deadLettersIndex) {
        this.deadLettersIndex = deadLettersIndex;
    }

    /** @return alias of the dead-letters index */
    public String getDeadLettersIndex() {
        return deadLettersIndex;
    }

    /** @param namesIndex alias of the names cache index (chat and contact names shared by all instances) */
    public void setNamesIndex(String namesIndex) {
        this.namesIndex = namesIndex;
    }

    /** @return alias of the names cache index */
    public String getNamesIndex() {
        return namesIndex;
    }

    /** @param bulkMaxOperations flush a bulk request at this many operations */
    public void setBulkMaxOperations(int bulkMaxOperations) {
        this.bulkMaxOperations = bulkMaxOperations;
    }

    /** @param bulkMaxBytes flush a bulk request at this many bytes */
    public void setBulkMaxBytes(long bulkMaxBytes) {
        this.bulkMaxBytes = bulkMaxBytes;
    }

    /** @param bulkFlushIntervalMs flush pending operations after this linger, in ms */
    public void setBulkFlushIntervalMs(long bulkFlushIntervalMs) {
        this.bulkFlushIntervalMs = bulkFlushIntervalMs;
    }

    /** @param bulkMaxConcurrentRequests bulk requests in flight at once; {@code add} blocks beyond it */
    public void setBulkMaxConcurrentRequests(int bulkMaxConcurrentRequests) {
        this.bulkMaxConcurrentRequests = bulkMaxConcurrentRequests;
    }

    /** @param writeTimeoutMs how long a write may wait for Elasticsearch's confirmation, in ms */
    public void setWriteTimeoutMs(long writeTimeoutMs) {
        this.writeTimeoutMs = writeTimeoutMs;
    }

    /** @param completionThreads threads that continue webhooks once their writes or lookups are confirmed */
    public void setCompletionThreads(int completionThreads) {
        this.completionThreads = completionThreads;
    }

    /** @param lookupBatchMax most ids in one batched {@code _mget} */
    public void setLookupBatchMax(int lookupBatchMax) {
        this.lookupBatchMax = lookupBatchMax;
    }
}
