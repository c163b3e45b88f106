package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkIngester;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Elasticsearch writer. Documents are written create-if-absent ({@code op_type=create}) through a
 * group commit ({@link ElasticsearchGroupCommit}, or the client's {@link BulkIngester} with
 * {@code gateway.elasticsearch.bulk.mode: bulk-ingester}), so concurrent webhooks share {@code _bulk} requests while
 * each caller gets its own item's result: {@link WriteOutcome#STORED}, {@link WriteOutcome#DUPLICATE}, or an exception
 * ({@link StoreUnavailableException} → HTTP 503, {@link DocumentRejectedException}).
 *
 * <p>Connection and indices are configured as bean properties (declared in {@code routes/beans.camel.yaml}),
 * so Spring Boot and Camel JBang create it the same way. Indices are aliases over {@code <alias>-000001} created at
 * start from an index template with an explicit mapping ({@code classpath:elasticsearch/*.json}).
 *
 * <p>The store is the facade the other beans use; it keeps the client (rebuilt when its I/O reactor dies) and
 * readiness, and delegates the group commit to {@link ElasticsearchBulkWriter}, the batched real-time reads to
 * {@link ElasticsearchLookupBatcher} and index templates, aliases and mapping updates to
 * {@link ElasticsearchIndexTemplates}.
 */
public class ElasticsearchStore {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchStore.class);
    /** Elasticsearch's limit on {@code _id}, in bytes. */
    static final int MAX_ID_BYTES = 512;
    /** {@code gateway.elasticsearch.partitioning}: one write index per alias (today's layout). */
    public static final String PARTITIONING_NONE = "none";
    /** {@code gateway.elasticsearch.partitioning}: the messages alias partitioned by the message's UTC month. */
    public static final String PARTITIONING_MONTHLY = "monthly";

    private String url = "http://127.0.0.1:9200";
    private String waitForActiveShards;
    private ClusterSettings.Replicas replicas = ClusterSettings.Replicas.parse(ClusterSettings.DEFAULT_REPLICAS);
    private String username;
    private String password;
    private String messagesIndex = "whatsapp-messages";
    private String updatesIndex = "whatsapp-message-updates";
    private String deadLettersIndex = "whatsapp-dead-letters";
    private String namesIndex = "whatsapp-names";
    private String eventsIndex = "whatsapp-events";
    private int bulkMaxOperations = 1000;
    private long bulkMaxBytes = 5L * 1024 * 1024;
    private long bulkFlushIntervalMs = 5;
    private String bulkMode = ElasticsearchBulkWriter.GROUP_COMMIT;
    private int bulkMaxConcurrentRequests = 2;
    private long writeTimeoutMs = 10_000;
    private int completionThreads = 4;
    private int lookupBatchMax = 500;

    /** {@code none} (one write index per alias) or {@code monthly} (the messages alias by month, docs/partitions.md). */
    private String partitioning = PARTITIONING_NONE;
    private int retentionMonths;
    private long maintenanceLeaseMs = 300_000;
    private java.time.Clock clock = java.time.Clock.systemUTC();
    /** The messages alias's partitions when {@code partitioning=monthly}, else null. */
    private volatile ElasticsearchPartitions messagePartitions;
    private final String leaseHolder = hostName() + "/" + java.util.UUID.randomUUID();

    private long closeTimeoutMs = 10_000;
    private long indexRetryIntervalMs = 1_000;
    private long clientRebuildIntervalMs = 1_000;
    private int clientRebuildAttempts = 3;

    private volatile ObjectMapper objectMapper;
    /** The client and its bulk channel; replaced as a whole when the client's I/O reactor dies. */
    private volatile Connection connection;
    private volatile boolean indicesReady;
    /** Why the store is not ready (null when it is): what readiness, {@code /health} and refused writes say. */
    private volatile String notReadyReason = "indices not created yet";
    private volatile boolean failedBefore;
    private volatile long lastIndexFailureNanos;
    /** Counts resets: a check that saw a reset while it ran is made again. */
    private final AtomicLong indicesGeneration = new AtomicLong();
    /** Every alias the store must hold before it is ready: its own five and those other beans asked for. */
    private final Map<String, String> requiredIndices = new java.util.concurrent.ConcurrentHashMap<>();
    /** Fields of the mapping files the existing indices refused, by alias ({@link #mappingConflicts()}). */
    private volatile ElasticsearchIndexTemplates indexTemplates;
    private volatile long lastRebuildAttemptNanos;
    /** When the current connection was made: late failures of a retired client must not retire its replacement. */
    private volatile long connectedAtNanos;
    private final Object rebuildLock = new Object();
    private final AtomicInteger rebuildFailures = new AtomicInteger();
    private final AtomicInteger rebuilds = new AtomicInteger();
    private volatile String lastRebuildError;
    /** Runs what follows a confirmed write (the rest of each webhook's route), never the HTTP client's I/O threads. */
    private ExecutorService completion;
    private ElasticsearchLookupBatcher lookupBatcher;
    private volatile ElasticsearchBulkWriter bulkWriter;
    private io.wagateway.ops.GatewayTracing tracing;

    /**
     * One client and the bulk channel that writes through it.
     *
     * @param client      the Elasticsearch client
     * @param channel     its group commit (or bulk ingester)
     * @param outstanding the futures of operations added and not completed yet (failed when the connection is
     *                    retired without answering them)
     */
    private record Connection(ElasticsearchClient client, ElasticsearchBulkWriter.Channel channel,
            java.util.Set<CompletableFuture<BulkResponseItem>> outstanding) {
    }

    /**
     * Connects and creates the index templates and write indices if absent; idempotent (also called lazily on first
     * use). Elasticsearch being down does not fail it: indices are then created on the first write.
     */
    public void start() {
        if (connection != null) {
            return;
        }
        startOnce();
    }

    private synchronized void startOnce() {
        if (connection != null) {
            return;
        }
        objectMapper = JsonMapperFactory.create();
        indexTemplates = new ElasticsearchIndexTemplates(this::client, this::repairIfBroken, url, objectMapper,
                replicas);
        requiredIndices.put(messagesIndex, "elasticsearch/messages-mapping.json");
        requiredIndices.put(updatesIndex, "elasticsearch/updates-mapping.json");
        requiredIndices.put(deadLettersIndex, "elasticsearch/dead-letters-mapping.json");
        requiredIndices.put(namesIndex, "elasticsearch/names-mapping.json");
        requiredIndices.put(eventsIndex, "elasticsearch/events-mapping.json");
        AtomicInteger threadNumber = new AtomicInteger();
        completion = Executors.newFixedThreadPool(Math.max(1, completionThreads), r -> {
            Thread t = new Thread(r, "store-completion-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        bulkWriter = new ElasticsearchBulkWriter(bulkMode, bulkMaxOperations, bulkMaxBytes, bulkMaxConcurrentRequests,
                bulkFlushIntervalMs, writeTimeoutMs, completion, this::repairIfBroken, this::resetIndices,
                tracing == null || !tracing.isActive() ? null : tracing.tracer("io.wagateway.store"));
        lookupBatcher = new ElasticsearchLookupBatcher(this::client, this::repairIfBroken, completion, lookupBatchMax);
        if (PARTITIONING_MONTHLY.equals(partitioning)) {
            messagePartitions = new ElasticsearchPartitions(new TimePartitions(messagesIndex), this::client,
                    this::repairIfBroken, clock);
        }
        connectedAtNanos = System.nanoTime();
        connection = connect(); // last: a thread that sees the connection sees everything above
        LOG.info("Elasticsearch store: {} ({} node(s); {}; wait_for_active_shards {}; indices {}{}, {}, {}, {}, {});"
                + " bulk: {}, {} ops / {} bytes / {} in flight{}", url, getNodes().size(), replicas,
                waitForActiveShards == null ? "unset" : waitForActiveShards,
                messagesIndex, messagePartitions == null ? "" : " partitioned by month, retention "
                        + (retentionMonths <= 0 ? "none" : retentionMonths + " months"),
                updatesIndex, deadLettersIndex, namesIndex, eventsIndex, bulkMode,
                bulkMaxOperations, bulkMaxBytes, bulkMaxConcurrentRequests,
                ElasticsearchBulkWriter.BULK_INGESTER.equals(bulkMode) ? " / " + bulkFlushIntervalMs + " ms linger"
                        : "");
        try {
            ensureIndices();
        } catch (RuntimeException e) {
            LOG.warn("Elasticsearch store not ready yet ({}); writes are refused (503) and the indices are created"
                    + " as soon as it is", e.getMessage());
        }
    }

    /** A new client and its bulk channel. Every write names an alias and sets {@code require_alias}. */
    private Connection connect() {
        // parsed here, not in setUrl: a URL that cannot be parsed fails the start (or a rebuild), with its reason
        ElasticsearchClient connected = newClient(ClusterSettings.nodes(url), username, password, waitForActiveShards,
                new JacksonJsonpMapper(objectMapper));
        return new Connection(connected, bulkWriter.channel(connected),
                java.util.concurrent.ConcurrentHashMap.newKeySet());
    }

    /**
     * A client over every node (the low-level client's round robin; a node that cannot be reached or answers
     * 502/503/504 is skipped and the request retried on the next), the same credentials for all, and
     * {@code wait_for_active_shards} on every write ({@link StoreTransport}).
     *
     * @param nodes               the nodes' base URLs ({@link ClusterSettings#nodes})
     * @param username            basic-auth user, blank for none
     * @param password            its password
     * @param waitForActiveShards for every write, or null for Elasticsearch's default
     * @param mapper              the JSON mapper of documents
     * @return the client
     */
    static ElasticsearchClient newClient(java.util.List<java.net.URI> nodes, String username, String password,
            String waitForActiveShards, co.elastic.clients.json.JsonpMapper mapper) {
        co.elastic.clients.transport.rest5_client.low_level.Rest5ClientBuilder builder =
                co.elastic.clients.transport.rest5_client.low_level.Rest5Client.builder(nodes);
        if (username != null && !username.isBlank()) {
            String basic = java.util.Base64.getEncoder().encodeToString((username + ":" + (password == null ? ""
                    : password)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            builder.setDefaultHeaders(new org.apache.hc.core5.http.Header[] {
                    new org.apache.hc.core5.http.message.BasicHeader("Authorization", "Basic " + basic)});
        }
        return new ElasticsearchClient(new StoreTransport(builder.build(), mapper, waitForActiveShards));
    }

    /**
     * The low-level client under a store client, for its I/O reactor's state (the liveness probe, tests).
     *
     * @param client a client of this store ({@link #client()})
     * @return its low-level client, or null for a client this store did not build
     */
    public static co.elastic.clients.transport.rest5_client.low_level.Rest5Client restClient(
            ElasticsearchClient client) {
        if (client._transport() instanceof StoreTransport t) {
            return t.restClient();
        }
        if (client._transport() instanceof co.elastic.clients.transport.rest5_client.Rest5ClientTransport t) {
            return t.restClient();
        }
        return null;
    }

    /**
     * Flushes pending bulk operations and closes the connection, within {@code closeTimeoutMs}: a flush Elasticsearch
     * does not answer by then is abandoned, its writes fail with {@link StoreUnavailableException} (their webhooks
     * are answered 503 and redelivered) and the transport is closed at once.
     */
    public void stop() {
        Connection c = connection;
        if (c != null) {
            retire(c, "the store is stopping");
        }
        if (lookupBatcher != null) {
            lookupBatcher.stop();
        }
        if (completion != null) {
            completion.shutdown();
        }
    }

    /**
     * Closes a connection's bulk channel (sending what it holds) within {@code closeTimeoutMs}, then fails what it left
     * unanswered and closes its transport at once.
     */
    private void retire(Connection c, String why) {
        Thread closer = new Thread(() -> {
            try {
                c.channel().close();
            } catch (RuntimeException e) {
                LOG.debug("closing the bulk channel", e);
            }
        }, "store-ingester-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(closeTimeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("Elasticsearch bulk channel did not close within {} ms ({}): {} pending writes failed, transport"
                    + " closed", closeTimeoutMs, why, c.outstanding().size());
        }
        for (CompletableFuture<BulkResponseItem> f : List.copyOf(c.outstanding())) {
            f.completeExceptionally(new StoreUnavailableException("Elasticsearch write abandoned: " + why, null));
        }
        closeTransport(c.client());
        closer.interrupt();
    }

    /** Closes a client's HTTP client immediately (a graceful close may wait for requests that never end). */
    private static void closeTransport(ElasticsearchClient client) {
        try {
            co.elastic.clients.transport.rest5_client.low_level.Rest5Client rest = restClient(client);
            if (rest != null && rest.getHttpClient()
                    instanceof org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient http) {
                http.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
            }
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing Elasticsearch client", e);
        }
    }

    /** @return false when the client's HTTP I/O reactor no longer runs (it can never send a request again) */
    private boolean running(Connection c) {
        co.elastic.clients.transport.rest5_client.low_level.Rest5Client rest = restClient(c.client());
        if (rest == null) {
            return true;
        }
        if (!(rest.getHttpClient() instanceof org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient http)) {
            return rest.isRunning();
        }
        return reactorUsable(http.getStatus(), System.nanoTime() - connectedAtNanos,
                TimeUnit.MILLISECONDS.toNanos(Math.max(clientRebuildIntervalMs, 1000)));
    }

    /**
     * Whether a client's I/O reactor can send requests. {@code CloseableHttpAsyncClient.start()} hands the reactor to a
     * thread of its own, so a client just built is {@code INACTIVE} for a moment: that is starting, not broken (taking
     * it for broken rebuilt the client in a loop and answered the first webhooks of a new gateway 503).
     *
     * @param status    the reactor's state
     * @param ageNanos  how long ago the client was built (ns)
     * @param graceNanos how long a client may stay {@code INACTIVE} after it was built (ns)
     * @return true when {@code ACTIVE}, or {@code INACTIVE} within the grace after it was built
     */
    static boolean reactorUsable(org.apache.hc.core5.reactor.IOReactorStatus status, long ageNanos, long graceNanos) {
        return status == org.apache.hc.core5.reactor.IOReactorStatus.ACTIVE
                || (status == org.apache.hc.core5.reactor.IOReactorStatus.INACTIVE && ageNanos < graceNanos);
    }

    /** True when a failure says the client's I/O reactor is gone ("I/O reactor has been shut down", ...). */
    static boolean reactorFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String text = t.getClass().getName() + " " + t.getMessage();
            if (text.contains("IOReactorShutdownException") || text.contains("I/O reactor")
                    || (t instanceof IllegalStateException && text.contains("reactor"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * Called with each failure of a request: when the client's I/O reactor died (an OutOfMemoryError in an I/O
     * thread, a closed transport), the client and its bulk channel are rebuilt; the old channel's pending writes fail
     * with {@link StoreUnavailableException}, so their webhooks are answered 503 and redelivered.
     *
     * @param failure what a request failed with, or null to check the client's state only
     */
    public void repairIfBroken(Throwable failure) {
        Connection c = connection;
        // a failure that names the reactor while the current client runs is trusted only once that client is older
        // than the rebuild interval: the retired client's in-flight bulks and its flush fail after a rebuild, and
        // would otherwise retire the healthy replacement (closing its in-flight requests: 503s)
        boolean lateFailureOfRetiredClient = System.nanoTime() - connectedAtNanos
                < TimeUnit.MILLISECONDS.toNanos(clientRebuildIntervalMs);
        if (c != null && (!running(c)
                || (failure != null && reactorFailure(failure) && !lateFailureOfRetiredClient))) {
            rebuild(c, failure == null ? "I/O reactor not running" : failure.toString());
        }
    }

    private void rebuild(Connection broken, String why) {
        Connection fresh;
        synchronized (rebuildLock) { // not the store's monitor: preparing indices holds that for seconds
            if (connection != broken) {
                return; // rebuilt by another thread meanwhile
            }
            long now = System.nanoTime();
            // after a failed attempt, wait the interval before the next; after a successful one, a client that dies
            // again is rebuilt at once (connect() itself is cheap: no request is sent)
            if (rebuildFailures.get() > 0 && lastRebuildAttemptNanos != 0
                    && now - lastRebuildAttemptNanos < TimeUnit.MILLISECONDS.toNanos(clientRebuildIntervalMs)) {
                return;
            }
            lastRebuildAttemptNanos = now;
            try {
                fresh = connect();
            } catch (RuntimeException | LinkageError e) {
                int failures = rebuildFailures.incrementAndGet();
                lastRebuildError = e.toString();
                LOG.error("Elasticsearch client is broken ({}) and rebuilding it failed ({} of {} attempts before"
                        + " liveness fails): {}", why, failures, clientRebuildAttempts, e.toString());
                return;
            }
            connectedAtNanos = System.nanoTime();
            connection = fresh;
            rebuildFailures.set(0);
            lastRebuildError = null;
            rebuilds.incrementAndGet();
        }
        LOG.warn("Elasticsearch client rebuilt: the previous one failed ({}); its pending writes are answered 503",
                why);
        Thread retiring = new Thread(() -> retire(broken, "client rebuilt after: " + why), "store-client-retire");
        retiring.setDaemon(true);
        retiring.start();
    }

    /**
     * @return true when the client is broken and rebuilding it failed {@code clientRebuildAttempts} times in a row:
     *         only a restart can help (the liveness probe fails). A mere Elasticsearch outage never makes it true.
     */
    public boolean brokenBeyondRepair() {
        return rebuildFailures.get() >= clientRebuildAttempts;
    }

    /**
     * The client's state, for the liveness probe.
     *
     * @return {@code rebuilds} (how many times the client was rebuilt since start), {@code rebuild_failures} (failed
     *         attempts in a row) and, when the last attempt failed, {@code last_rebuild_error}
     */
    public Map<String, Object> clientState() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("rebuilds", rebuilds.get());
        state.put("rebuild_failures", rebuildFailures.get());
        if (lastRebuildError != null) {
            state.put("last_rebuild_error", lastRebuildError);
        }
        return state;
    }

    /**
     * Stores a message create-if-absent under {@link CanonicalMessage#documentId()}.
     *
     * @param message the canonical message
     * @return completes with STORED or DUPLICATE once Elasticsearch confirmed the item; fails with
     *         {@link StoreUnavailableException} or {@link DocumentRejectedException}
     */
    public CompletableFuture<WriteOutcome> storeMessage(CanonicalMessage message) {
        ElasticsearchPartitions partitions = messagePartitions;
        if (partitions == null) {
            return create(messagesIndex, message.documentId(), message);
        }
        return storePartitioned(partitions, message.documentId(), message.timestamp(), message);
    }

    /**
     * A create into the message's own partition ({@link TimePartitions#partitionOf}), created first if this instance
     * has not seen it; when the legacy index {@code <alias>-000001} may hold the same id (its newest timestamp is not
     * older than the message's), a real-time lookup there (batched with its neighbours into one {@code _mget}) answers
     * DUPLICATE instead. docs/partitions.md.
     */
    private CompletableFuture<WriteOutcome> storePartitioned(ElasticsearchPartitions partitions, String id,
            java.time.Instant timestamp, Object document) {
        boolean checkLegacy;
        try {
            writableConnection();
            checkLegacy = id != null && partitions.needsLegacyCheck(timestamp);
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
        String partition = partitions.rules().partitionOf(timestamp);
        if (!checkLegacy) {
            return writePartition(partitions, partition, id, document);
        }
        // found in the legacy generation: a duplicate, and its month's partition is not even created
        return lookup(partitions.rules().legacyIndex(), id).thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(WriteOutcome.DUPLICATE)
                : writePartition(partitions, partition, id, document));
    }

    private CompletableFuture<WriteOutcome> writePartition(ElasticsearchPartitions partitions, String partition,
            String id, Object document) {
        Connection c;
        try {
            c = writableConnection();
            partitions.ensure(partition); // a request only for the first write to a partition this instance has not seen
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
        return bulkWriter.write(c.channel(), c.outstanding(), partition, id, document, false);
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
     * Writes any document create-if-absent through the shared group commit.
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
        Connection c;
        try {
            c = writableConnection();
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
        return bulkWriter.write(c.channel(), c.outstanding(), index, id, document);
    }

    /** @return the current connection, once the indices are there; fails when Elasticsearch cannot take writes */
    private Connection writableConnection() {
        start();
        Connection c = usableConnection();
        ensureIndicesForWrite();
        return c;
    }

    /**
     * Sends any bulk operation (an {@code index} with {@code if_seq_no}/{@code if_primary_term}, a {@code create},
     * ...) in the shared group commit, so that it shares a {@code _bulk} with its neighbours. The operation must
     * name an alias (every request sets {@code require_alias}) and an {@code _id} of at most 512 bytes.
     *
     * @param operation the operation
     * @return completes with the operation's own item: a success, a 409 conflict or another refusal (4xx), which
     *         the caller reads; fails with {@link StoreUnavailableException} when Elasticsearch cannot be reached,
     *         did not answer within the write timeout, answered 429/5xx for the item, or its index is missing
     */
    public CompletableFuture<BulkResponseItem> bulk(BulkOperation operation) {
        return bulk(List.of(operation)).get(0);
    }

    /**
     * Sends several operations in the shared group commit at once, so that they travel in the same {@code _bulk}
     * (unless the byte or operation bound splits them): one batch's writes, one request.
     *
     * @param operations the operations, as for {@link #bulk(BulkOperation)}
     * @return one future per operation, in order, each as {@link #bulk(BulkOperation)} says
     */
    public List<CompletableFuture<BulkResponseItem>> bulk(List<BulkOperation> operations) {
        Connection c;
        try {
            c = writableConnection();
        } catch (StoreUnavailableException e) {
            List<CompletableFuture<BulkResponseItem>> failed = new ArrayList<>(operations.size());
            operations.forEach(op -> failed.add(CompletableFuture.failedFuture(e)));
            return failed;
        }
        return bulkWriter.submitAll(c.channel(), c.outstanding(), operations);
    }

    /** @return the current connection, rebuilt first if its I/O reactor died; fails when it cannot be */
    private Connection usableConnection() {
        Connection c = connection;
        if (!running(c)) {
            rebuild(c, "I/O reactor not running");
            c = connection;
            if (!running(c)) {
                throw new StoreUnavailableException("the Elasticsearch client is broken and not rebuilt yet"
                        + (lastRebuildError == null ? "" : " (" + lastRebuildError + ")"), null);
            }
        }
        return c;
    }

    /**
     * The store of a Camel context, for what Camel does not create (Spring Boot's health indicators, tests); the YAML
     * beans take it by reference ({@code #bean:elasticsearchStore}, routes/beans.camel.yaml).
     *
     * @param context the Camel context
     * @return the one {@code ElasticsearchStore} in its registry
     * @throws IllegalStateException when there is none (routes/beans.camel.yaml not loaded)
     */
    public static ElasticsearchStore in(org.apache.camel.CamelContext context) {
        ElasticsearchStore store = context == null ? null
                : context.getRegistry().findSingleByType(ElasticsearchStore.class);
        if (store == null) {
            throw new IllegalStateException("no ElasticsearchStore bean: is routes/beans.camel.yaml loaded?");
        }
        return store;
    }

    /**
     * The current client, for the other beans' reads and single writes (writes must name an alias and set
     * {@code requireAlias(true)}). Rebuilt first when its I/O reactor died.
     *
     * @return the client
     * @throws StoreUnavailableException when the client is broken and could not be rebuilt yet
     */
    public ElasticsearchClient client() {
        start();
        return usableConnection().client();
    }

    /** @return the configured Jackson mapper that writes documents (snake_case, ISO dates) */
    public ObjectMapper objectMapper() {
        start();
        return objectMapper;
    }

    /**
     * Creates the index templates and the write indices behind every required alias (the store's five and those
     * other beans asked for with {@link #ensureIndex}) if they are missing. Safe to call concurrently and from
     * several gateway instances (an index created by another instance is accepted).
     *
     * @throws StoreUnavailableException when it cannot: Elasticsearch unreachable, or it answered with a refusal
     *                                   (e.g. a concrete index squats an alias name); the message says which
     */
    public void ensureIndices() {
        if (indicesReady) {
            return;
        }
        ensureIndicesOnce(false);
    }

    private synchronized void ensureIndicesOnce(boolean throttled) {
        start();
        if (indicesReady) {
            return;
        }
        if (throttled) {
            failFastIfTriedRecently(); // another thread just tried (and failed) while this one waited for the lock
        }
        try {
            // a reset meanwhile (an index deleted while this ran) means the check must be made again
            for (int pass = 0; pass < 5; pass++) {
                long generation = indicesGeneration.get();
                for (Map.Entry<String, String> index : List.copyOf(requiredIndices.entrySet())) {
                    ElasticsearchPartitions partitions = messagePartitions;
                    if (partitions != null && index.getKey().equals(messagesIndex)) {
                        indexTemplates.createIndex(index.getKey(), index.getValue(),
                                partitions.rules().partitionOf(clock.instant()));
                        partitions.refresh();
                    } else {
                        indexTemplates.createIndex(index.getKey(), index.getValue());
                    }
                }
                if (generation == indicesGeneration.get()) {
                    break;
                }
            }
        } catch (StoreUnavailableException e) {
            notReadyReason = e.getMessage();
            lastIndexFailureNanos = System.nanoTime();
            failedBefore = true;
            throw e;
        }
        if (failedBefore) {
            LOG.info("Elasticsearch store ready again: aliases {} in place", requiredIndices.keySet());
            failedBefore = false;
        }
        notReadyReason = null;
        indicesReady = true;
    }

    /** Fails fast when the last attempt failed less than an interval ago (a first attempt under way is waited for). */
    private void failFastIfTriedRecently() {
        String reason = notReadyReason;
        long failed = lastIndexFailureNanos;
        if (failed != 0 && reason != null
                && System.nanoTime() - failed < TimeUnit.MILLISECONDS.toNanos(indexRetryIntervalMs)) {
            throw new StoreUnavailableException("store not ready: " + reason, null);
        }
    }

    /**
     * What a write does when the store is not ready: try to prepare it, at most once per {@code indexRetryIntervalMs};
     * in between, fail fast with the last reason.
     */
    private void ensureIndicesForWrite() {
        if (indicesReady) {
            return;
        }
        failFastIfTriedRecently();
        ensureIndicesOnce(true);
    }

    /**
     * Readiness of the store (not of Elasticsearch alone): tries to prepare a store that is not ready (at most once
     * per {@code indexRetryIntervalMs}), so it recovers by itself once the cause is repaired.
     *
     * @return null when every alias exists and the client works, else why not (e.g. a concrete index squats an alias)
     */
    public String notReady() {
        start();
        try {
            usableConnection();
            ensureIndicesForWrite();
            return null;
        } catch (StoreUnavailableException e) {
            return e.getMessage().startsWith("store not ready: ") ? e.getMessage().substring(17) : e.getMessage();
        }
    }

    /** Forgets that indices were created, so the next write re-checks them (used after indices were deleted). */
    public void resetIndices() {
        indicesGeneration.incrementAndGet();
        ElasticsearchPartitions partitions = messagePartitions;
        if (partitions != null) {
            partitions.forget(); // a partition deleted under us is created again before the next write to it
        }
        if (indicesReady) { // when not ready, keep the reason
            notReadyReason = "indices being re-checked";
        }
        lastIndexFailureNanos = 0;
        indicesReady = false;
    }

    /**
     * Makes an alias part of the store (readiness waits for it; it is re-created with the others) and creates its
     * index template {@code <alias>} for {@code <alias>-*} and its write index {@code <alias>-000001} if missing.
     * Safe to call concurrently and from several instances.
     *
     * @param alias           the alias the gateway reads and writes
     * @param mappingResource classpath resource of the mapping JSON
     * @throws StoreUnavailableException when Elasticsearch cannot be reached or refuses (the message says which)
     */
    public void ensureIndex(String alias, String mappingResource) {
        start();
        requiredIndices.put(alias, mappingResource);
        indexTemplates.createIndex(alias, mappingResource);
    }

    /**
     * Fields of the mapping files that the existing indices could not take (a type or parameter conflict), found when
     * the aliases were prepared; the store stays ready (readiness shows them as the detail {@code mapping_conflicts}).
     *
     * @return alias → (dotted field path → Elasticsearch's reason); empty when every field is mapped as the files say
     */
    public Map<String, Map<String, String>> mappingConflicts() {
        ElasticsearchIndexTemplates t = indexTemplates;
        return t == null ? Map.of() : t.mappingConflicts();
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
        return lookupBatcher.lookup(index, id);
    }

    /** @return true when the messages alias is partitioned by month ({@code gateway.elasticsearch.partitioning}) */
    public boolean isPartitioned() {
        start();
        return messagePartitions != null;
    }

    /**
     * The by-id locator of message documents, for every by-id read and write of the messages alias. Unpartitioned:
     * one real-time {@code _mget} on the alias (one index behind it). Partitioned by month: one real-time
     * {@code _mget} of each id over its likely partitions (the hint's month and the one before, the current month and
     * the one before, the legacy {@code <alias>-000001}, {@code <alias>-undated}), then, for the ids not found there,
     * one over every other partition (docs/partitions.md).
     *
     * @param ids   message document ids
     * @param hints per id, a time at or after the message's own (an update's timestamp), or null; may be null
     * @return per id, in order: where found, the {@link GetResult} whose {@code index()} is the concrete index to write
     *         to (with {@code if_seq_no}/{@code if_primary_term} from its {@code seqNo()}/{@code primaryTerm()}); else a
     *         not-found result; null for an id Elasticsearch could not answer for (read it again later)
     * @throws IOException when the request fails as a whole
     * @throws StoreUnavailableException when the client is broken or the partitions cannot be listed
     */
    public List<co.elastic.clients.elasticsearch.core.get.GetResult<ObjectNode>> getMessages(List<String> ids,
            List<java.time.Instant> hints) throws IOException {
        start();
        ElasticsearchPartitions partitions = messagePartitions;
        if (partitions == null) {
            var r = client().mget(m -> {
                ids.forEach(id -> m.docs(d -> d.index(messagesIndex).id(id)));
                return m;
            }, ObjectNode.class);
            List<co.elastic.clients.elasticsearch.core.get.GetResult<ObjectNode>> out = new ArrayList<>(ids.size());
            for (var item : r.docs()) {
                out.add(item.isFailure() ? null : item.result());
            }
            return out;
        }
        List<ElasticsearchPartitions.Wanted> wanted = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            wanted.add(new ElasticsearchPartitions.Wanted(ids.get(i), hints == null ? null : hints.get(i)));
        }
        usableConnection();
        return partitions.locate(wanted);
    }

    /**
     * One message document by id, through {@link #getMessages}.
     *
     * @param id   message document id
     * @param hint a time at or after the message's own, or null
     * @return the document where found (its concrete {@code index()}, {@code seqNo()}, {@code primaryTerm()}), else
     *         empty
     * @throws StoreUnavailableException when Elasticsearch cannot answer for it
     */
    public Optional<co.elastic.clients.elasticsearch.core.get.GetResult<ObjectNode>> locateMessage(String id,
            java.time.Instant hint) {
        try {
            java.util.ArrayList<java.time.Instant> hints = new java.util.ArrayList<>();
            hints.add(hint);
            var r = getMessages(List.of(id), hints).get(0);
            if (r == null) {
                throw new StoreUnavailableException("Elasticsearch could not read message " + id, null);
            }
            return r.found() ? Optional.of(r) : Optional.empty();
        } catch (IOException e) {
            repairIfBroken(e);
            throw new StoreUnavailableException("cannot reach Elasticsearch at " + url + ": " + e, e);
        } catch (ElasticsearchException e) {
            throw new StoreUnavailableException("Elasticsearch answered " + e.status() + " reading message " + id
                    + ": " + e.error().reason(), e);
        }
    }

    /**
     * The index a by-id write of a message document names: the alias when unpartitioned (no request), else the
     * concrete partition the locator finds it in.
     *
     * @param id   message document id
     * @param hint a time at or after the message's own, or null
     * @return the alias, or the concrete index holding the document, or null when partitioned and not found
     * @throws StoreUnavailableException when Elasticsearch cannot answer for it
     */
    public String messageIndexOf(String id, java.time.Instant hint) {
        if (!isPartitioned()) {
            return messagesIndex;
        }
        return locateMessage(id, hint).map(co.elastic.clients.elasticsearch.core.get.GetResult::index).orElse(null);
    }

    /**
     * A message document's source by id, as {@link #lookup} on the messages alias: batched with its neighbours when
     * unpartitioned, through the locator (on a completion thread) when partitioned.
     *
     * @param id message document id
     * @return completes with the source, or empty; fails with {@link StoreUnavailableException}
     */
    public CompletableFuture<Optional<ObjectNode>> lookupMessage(String id) {
        if (!isPartitioned()) {
            return lookup(messagesIndex, id);
        }
        return CompletableFuture.supplyAsync(() -> locateMessage(id, null).map(
                co.elastic.clients.elasticsearch.core.get.GetResult::source), completion);
    }

    /**
     * The partition maintenance of the {@code partition-maintenance} route: when the messages alias is partitioned
     * and this instance holds the lease ({@link #tryLease}), creates the current and next month's partitions and
     * deletes those older than {@code retention-months}.
     *
     * @return what it did (see {@link #maintainPartitionsAt}), or null when unpartitioned or another
     *         instance holds the lease
     * @throws StoreUnavailableException when Elasticsearch cannot answer
     */
    public Map<String, Object> maintainPartitions() {
        if (!isPartitioned() || !tryLease("partition-maintenance", maintenanceLeaseMs)) {
            return null;
        }
        return maintainPartitionsAt(clock.instant());
    }

    /**
     * The maintenance itself, without the lease (idempotent; tests and operators name "now").
     *
     * @param now the current time
     * @return {@code alias}, {@code created} and {@code deleted} (index names), {@code partitions} (count after)
     * @throws IllegalStateException when the messages alias is not partitioned
     * @throws StoreUnavailableException when Elasticsearch cannot answer
     */
    public Map<String, Object> maintainPartitionsAt(java.time.Instant now) {
        start();
        ElasticsearchPartitions partitions = messagePartitions;
        if (partitions == null) {
            throw new IllegalStateException("gateway.elasticsearch.partitioning is " + partitioning);
        }
        ensureIndices();
        return partitions.maintain(retentionMonths, now);
    }

    /**
     * A lease held by one instance at a time: the document {@code lease:<name>} in the names index (a single
     * concrete index), taken when absent ({@code create}) or expired, or renewed by its holder, under
     * {@code if_seq_no}. Two instances racing for it: exactly one write succeeds.
     *
     * @param name    the lease's name
     * @param leaseMs how long it is held, ms
     * @return true when this instance holds it now
     * @throws StoreUnavailableException when Elasticsearch cannot answer
     */
    public boolean tryLease(String name, long leaseMs) {
        start();
        ensureIndices();
        String id = "lease:" + name;
        java.time.Instant now = clock.instant();
        ObjectNode doc = objectMapper.createObjectNode().put("lease", name).put("holder", leaseHolder)
                .put("lease_until", now.plusMillis(leaseMs).toString());
        try {
            var current = client().get(g -> g.index(namesIndex).id(id), ObjectNode.class);
            if (!current.found()) {
                client().create(c -> c.index(namesIndex).id(id).document(doc));
                return true;
            }
            ObjectNode held = current.source();
            boolean mine = held != null && leaseHolder.equals(held.path("holder").asText());
            boolean expired = held == null || !held.hasNonNull("lease_until")
                    || java.time.Instant.parse(held.get("lease_until").asText()).isBefore(now);
            if (!mine && !expired) {
                return false;
            }
            long seqNo = current.seqNo();
            long term = current.primaryTerm();
            client().index(i -> i.index(namesIndex).id(id).document(doc).ifSeqNo(seqNo).ifPrimaryTerm(term));
            return true;
        } catch (ElasticsearchException e) {
            if (e.status() == 409) {
                return false; // another instance took it meanwhile
            }
            throw new StoreUnavailableException("Elasticsearch answered " + e.status() + " for lease " + name + ": "
                    + e.error().reason(), e);
        } catch (IOException e) {
            repairIfBroken(e);
            throw new StoreUnavailableException("cannot reach Elasticsearch at " + url + ": " + e, e);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "gateway";
        }
    }

    /** @return the locator's {@code _mget} requests since start (tests, the benchmark); 0 when unpartitioned */
    public long locateRequests() {
        ElasticsearchPartitions p = messagePartitions;
        return p == null ? 0 : p.locateRequests();
    }

    /** @return the concrete indices behind the messages alias (partitioned), read fresh; empty when unpartitioned */
    public java.util.Set<String> messagePartitions() {
        start();
        ElasticsearchPartitions p = messagePartitions;
        if (p == null) {
            return java.util.Set.of();
        }
        p.refresh();
        return p.existing();
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
        ElasticsearchBulkWriter w = bulkWriter;
        stats.put("bulk_requests", w == null ? 0 : w.requests());
        stats.put("bulk_operations", w == null ? 0 : w.operations());
        stats.put("largest_bulk", w == null ? 0 : w.largest());
        stats.put("lookup_requests", lookupBatcher == null ? 0 : lookupBatcher.requests());
        stats.put("lookup_documents", lookupBatcher == null ? 0 : lookupBatcher.documents());
        return stats;
    }

    // --- bean properties (set from placeholders in the route files) ---

    /**
     * @param url Elasticsearch base URL, e.g. {@code http://127.0.0.1:9200}, or several nodes of one cluster separated
     *            by commas ({@code http://es1:9200,http://es2:9200}); all take the same credentials
     *            (checked when the client is built: {@link ClusterSettings#nodes} says what is wrong)
     */
    public void setUrl(String url) {
        this.url = url;
    }

    /** @return the Elasticsearch base URL as configured (one URL, or the comma-separated node list) */
    public String getUrl() {
        return url;
    }

    /** @return the nodes the client sends requests to (round robin), as configured; empty when the URL is invalid */
    public java.util.List<java.net.URI> getNodes() {
        try {
            return ClusterSettings.nodes(url);
        } catch (IllegalArgumentException e) {
            return java.util.List.of();
        }
    }

    /**
     * @param waitForActiveShards {@code wait_for_active_shards} of every write ({@code _bulk} and the by-id writes):
     *                            blank for Elasticsearch's default (the primary only), a number of shard copies or
     *                            {@code all}. A pre-check before the write, not a durability guarantee.
     * @throws IllegalArgumentException for another value
     */
    public void setWaitForActiveShards(String waitForActiveShards) {
        this.waitForActiveShards = ClusterSettings.waitForActiveShards(waitForActiveShards);
    }

    /** @return the configured {@code wait_for_active_shards}, or null when unset */
    public String getWaitForActiveShards() {
        return waitForActiveShards;
    }

    /**
     * @param replicas replicas of the indices the gateway creates: a range such as {@code 0-1} (the default,
     *                 {@code index.auto_expand_replicas}) or a plain number (that many, auto-expand off); also put on
     *                 the existing indices behind the store's aliases at start
     * @throws IllegalArgumentException for another value
     */
    public void setReplicas(String replicas) {
        this.replicas = ClusterSettings.Replicas.parse(replicas);
    }

    /** @return the replica settings of the indices the gateway creates */
    public ClusterSettings.Replicas getReplicas() {
        return replicas;
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

    /** @param eventsIndex alias of the events index (every event not turned into a message or an update) */
    public void setEventsIndex(String eventsIndex) {
        this.eventsIndex = eventsIndex;
    }

    /** @return alias of the events index */
    public String getEventsIndex() {
        return eventsIndex;
    }

    /** @param bulkMaxOperations flush a bulk request at this many operations */
    public void setBulkMaxOperations(int bulkMaxOperations) {
        this.bulkMaxOperations = bulkMaxOperations;
    }

    /** @param bulkMaxBytes flush a bulk request at this many bytes */
    public void setBulkMaxBytes(long bulkMaxBytes) {
        this.bulkMaxBytes = bulkMaxBytes;
    }

    /**
     * @param bulkFlushIntervalMs {@code bulk-ingester} mode only: flush pending operations after this linger, in ms
     *                            (the group commit has no linger and ignores it)
     */
    public void setBulkFlushIntervalMs(long bulkFlushIntervalMs) {
        this.bulkFlushIntervalMs = bulkFlushIntervalMs;
    }

    /**
     * @param bulkMode {@code group-commit} (default: a write that finds a free {@code _bulk} slot goes out at once,
     *                 writes that arrive while every slot is taken join the next {@code _bulk}; no timer) or
     *                 {@code bulk-ingester} (the client's BulkIngester, which waits up to the flush interval)
     * @throws IllegalArgumentException for any other value
     */
    public void setBulkMode(String bulkMode) {
        if (!ElasticsearchBulkWriter.GROUP_COMMIT.equals(bulkMode)
                && !ElasticsearchBulkWriter.BULK_INGESTER.equals(bulkMode)) {
            throw new IllegalArgumentException("gateway.elasticsearch.bulk.mode must be "
                    + ElasticsearchBulkWriter.GROUP_COMMIT + " or " + ElasticsearchBulkWriter.BULK_INGESTER + ", not "
                    + bulkMode);
        }
        this.bulkMode = bulkMode;
    }

    /**
     * @param bulkMaxConcurrentRequests bulk requests in flight at once; beyond it operations queue for the next (the
     *                                  bulk ingester blocks the caller instead)
     */
    public void setBulkMaxConcurrentRequests(int bulkMaxConcurrentRequests) {
        this.bulkMaxConcurrentRequests = bulkMaxConcurrentRequests;
    }

    /** @param writeTimeoutMs how long a write may wait for Elasticsearch's confirmation, in ms */
    public void setWriteTimeoutMs(long writeTimeoutMs) {
        this.writeTimeoutMs = writeTimeoutMs;
    }

    /**
     * @param tracing the gateway's tracing (routes/beans.camel.yaml): when on, each {@code _bulk} is a span linked to
     *                the spans of the webhooks it carries, and their writes complete in their webhook's context;
     *                null or off: no spans
     */
    public void setTracing(io.wagateway.ops.GatewayTracing tracing) {
        this.tracing = tracing;
    }

    /** @param completionThreads threads that continue webhooks once their writes or lookups are confirmed */
    public void setCompletionThreads(int completionThreads) {
        this.completionThreads = completionThreads;
    }

    /**
     * @param closeTimeoutMs how long a stop (or the retirement of a broken client) waits for the bulk channel to
     *                       flush, in ms; then its pending writes fail (503) and the transport is closed at once
     */
    public void setCloseTimeoutMs(long closeTimeoutMs) {
        this.closeTimeoutMs = closeTimeoutMs;
    }

    /** @param indexRetryIntervalMs while the store is not ready, writes retry creating the indices at most this often, ms */
    public void setIndexRetryIntervalMs(long indexRetryIntervalMs) {
        this.indexRetryIntervalMs = indexRetryIntervalMs;
    }

    /** @param clientRebuildIntervalMs after a failed rebuild of a broken client, the next attempt waits this long, in ms */
    public void setClientRebuildIntervalMs(long clientRebuildIntervalMs) {
        this.clientRebuildIntervalMs = clientRebuildIntervalMs;
    }

    /** @param clientRebuildAttempts failed rebuilds in a row after which the client counts as broken beyond repair */
    public void setClientRebuildAttempts(int clientRebuildAttempts) {
        this.clientRebuildAttempts = clientRebuildAttempts;
    }

    /**
     * @param partitioning {@code none} (default: one write index {@code <alias>-000001}) or {@code monthly} (the
     *                     messages alias partitioned by the message's UTC month, docs/partitions.md)
     * @throws IllegalArgumentException for another value
     */
    public void setPartitioning(String partitioning) {
        String p = partitioning == null || partitioning.isBlank() ? PARTITIONING_NONE : partitioning.trim();
        if (!PARTITIONING_NONE.equals(p) && !PARTITIONING_MONTHLY.equals(p)) {
            throw new IllegalArgumentException("gateway.elasticsearch.partitioning must be " + PARTITIONING_NONE
                    + " or " + PARTITIONING_MONTHLY + ", not " + partitioning);
        }
        this.partitioning = p;
    }

    /** @param retentionMonths monthly partitions kept besides the current month's; 0 (default) keeps all */
    public void setRetentionMonths(int retentionMonths) {
        this.retentionMonths = retentionMonths;
    }

    /** @param maintenanceLeaseMs how long one instance holds the partition maintenance's lease, ms */
    public void setMaintenanceLeaseMs(long maintenanceLeaseMs) {
        this.maintenanceLeaseMs = maintenanceLeaseMs;
    }

    /** @param clock "now" for the current month and leases (tests move it); set before start */
    public void setClock(java.time.Clock clock) {
        this.clock = clock;
    }

    /** @param lookupBatchMax most ids in one batched {@code _mget} */
    public void setLookupBatchMax(int lookupBatchMax) {
        this.lookupBatchMax = lookupBatchMax;
    }
}
