package io.wagateway.chat;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.RateLimitedLog;
import io.wagateway.page.MessageEvents;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one document per chat in {@code whatsapp-chats} ({@code _id} {@code {provider}:{account_id}:{chat_id}}),
 * updated by every message that goes through {@code routes/message-store.camel.yaml} (stored or duplicate).
 *
 * <p>The merge of a message into its chat ({@link #merge}) is commutative and idempotent: times are maxima, the
 * preview belongs to the newest message (ties broken by the larger message id), the name to the newest message that
 * carries one; {@code last_inbound_at} counts inbound customer messages only (not {@code from_me}, not a Meta
 * {@code history} sync; Meta {@code standby} copies count: the customer wrote them). Other fields (owner,
 * {@code auto_reply}, {@code last_read_at}, {@code archived}) are kept.
 *
 * <p>Writes are batched like the lifecycle's: the messages waiting when a batch starts are grouped by chat, one
 * real-time {@code _mget} reads their chats, and one {@code _bulk} of the batch's own ({@code require_alias}) writes
 * the changed ones under {@code if_seq_no}/{@code if_primary_term} (or creates them). A 409 re-reads and re-merges only
 * that chat in the next batch. A busy group chat is therefore one read and one write per batch, not one per message.
 *
 * <p>At start the documents of the former {@code whatsapp-chat-settings} index are migrated ({@link #migrate}).
 */
public class Chats {

    private static final Logger LOG = LoggerFactory.getLogger(Chats.class);
    /** Elasticsearch's limit on {@code _id}, in bytes. */
    private static final int MAX_ID_BYTES = 512;
    /** Attempts per chat (409 conflicts) before its messages fail with a 503 (the provider redelivers). */
    static final int MAX_ATTEMPTS = 20;
    /** Characters of a message's text kept as the chat's {@code last_message_preview}. */
    static final int PREVIEW_CHARS = 200;

    private ElasticsearchStore store;
    private String chatsIndex = "whatsapp-chats";
    private String settingsIndex = "whatsapp-chat-settings";
    private int batchMax = 500;
    private long migrationRetryMs = 5000;
    private MessageEvents messageEvents;

    private final LinkedBlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private Thread thread;
    private java.util.concurrent.ScheduledExecutorService timer;
    private volatile boolean stopped;
    private volatile boolean indexReady;
    private volatile boolean migrated;
    private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong batchedMessages = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong conflicts = new java.util.concurrent.atomic.AtomicLong();
    private final io.micrometer.core.instrument.DistributionSummary batchSize = io.micrometer.core.instrument
            .DistributionSummary.builder("gateway.chats.batch.messages")
            .description("Messages merged into their chats by one chats batch (one _mget, at most one _bulk)")
            .baseUnit("messages").register(Metrics.globalRegistry);

    /** One chat's work in a batch: the messages waiting to be merged into it. */
    static final class Work {
        final String id;
        final List<CanonicalMessage> messages = new ArrayList<>();
        final List<CompletableFuture<String>> results = new ArrayList<>();
        int attempts;

        Work(String id) {
            this.id = id;
        }
    }

    /**
     * Creates the chats index if missing, starts the batch thread and migrates {@code whatsapp-chat-settings}
     * (retried every {@code migrationRetryMs} until Elasticsearch answers). Called by {@code GatewayStartup}; also
     * started lazily by the first message.
     */
    public synchronized void start() {
        if (thread == null) {
            stopped = false;
            timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "chats-timer");
                t.setDaemon(true);
                return t;
            });
            thread = new Thread(this::run, "chats-batcher");
            thread.setDaemon(true);
            thread.start();
            timer.execute(this::migrateUntilDone);
        }
        ensureIndex();
    }

    /** Stops the batch thread; messages still queued fail with {@link StoreUnavailableException} (503). */
    public synchronized void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
            timer.shutdownNow();
            thread = null;
        }
        List<Work> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(w -> fail(w, new StoreUnavailableException("the gateway is stopping", null)));
    }

    private void ensureIndex() {
        if (!indexReady) {
            store.ensureIndex(chatsIndex, "elasticsearch/chats-mapping.json");
            indexReady = true;
        }
    }

    /** Forgets that the chats index exists (after it was deleted). */
    public void resetIndex() {
        indexReady = false;
    }

    /**
     * Merges a stored (or duplicate) message into its chat document, in the next batch.
     *
     * @param message the message, as stored
     * @return completes with {@code chat_updated} or {@code chat_unchanged} once the chat document shows the message;
     *         fails with {@link StoreUnavailableException} (503: the provider redelivers, the redelivery repeats the
     *         update) or {@link DocumentRejectedException}
     */
    public CompletableFuture<String> messageStored(CanonicalMessage message) {
        CompletableFuture<String> result = new CompletableFuture<>();
        if (message == null || message.chatId() == null) {
            result.complete("chat_unchanged");
            return result;
        }
        String id = chatId(message.provider(), message.accountId(), message.chatId());
        if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            result.complete("chat_unchanged");       // no document can have this id; the message itself is stored
            return result;
        }
        if (thread == null) {
            try {
                start();
            } catch (StoreUnavailableException e) {
                result.completeExceptionally(e);
                return result;
            }
        }
        Work w = new Work(id);
        w.messages.add(message);
        w.results.add(result);
        queue.add(w);
        if (stopped) {
            queue.remove(w);
            result.completeExceptionally(new StoreUnavailableException("the gateway is stopping", null));
        }
        return result;
    }

    /**
     * @return the chat document id {@code {provider}:{account_id}:{chat_id}}
     */
    public static String chatId(String provider, String accountId, String chatId) {
        return provider + ":" + accountId + ":" + chatId;
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
            Map<String, Work> batch = new LinkedHashMap<>();
            List<Work> overflow = new ArrayList<>();
            for (Work w : taken) {
                Work same = batch.get(w.id);
                if (same != null) {            // messages of one chat merge in one read-modify-write
                    same.messages.addAll(w.messages);
                    same.results.addAll(w.results);
                    same.attempts = Math.max(same.attempts, w.attempts);
                } else if (batch.size() < batchMax) {
                    batch.put(w.id, w);
                } else {
                    overflow.add(w);
                }
            }
            taken.clear();
            queue.addAll(overflow);
            try {
                process(new ArrayList<>(batch.values()));
            } catch (RuntimeException e) {
                RateLimitedLog.warn(LOG, "chats-batch:" + e.getClass().getName(), "chats batch of {} chats failed: {}",
                        batch.size(), e.toString());
                for (Work w : batch.values()) {
                    fail(w, e instanceof StoreUnavailableException ? e
                            : new StoreUnavailableException("chats batch failed: " + e, e));
                }
            }
        }
    }

    /**
     * @return since start: {@code batches} (each one {@code _mget} and at most one {@code _bulk}), {@code messages}
     *         merged by them, {@code writes} (chat documents written) and {@code conflicts} (409s, retried)
     */
    public Map<String, Long> stats() {
        return Map.of("batches", batches.get(), "messages", batchedMessages.get(), "writes", writes.get(),
                "conflicts", conflicts.get());
    }

    private void process(List<Work> works) {
        ensureIndex();
        int messages = works.stream().mapToInt(w -> w.messages.size()).sum();
        batches.incrementAndGet();
        batchedMessages.addAndGet(messages);
        batchSize.record(messages);
        MgetResponse<ObjectNode> read;
        try {
            read = store.client().mget(m -> {
                works.forEach(w -> m.docs(d -> d.index(chatsIndex).id(w.id)));
                return m;
            }, ObjectNode.class);
        } catch (Exception e) {
            store.repairIfBroken(e);
            if (e.toString().contains("index_not_found_exception")) {
                indexReady = false;
            }
            works.forEach(w -> retryLater(w, e));
            return;
        }
        List<Work> writing = new ArrayList<>();
        List<BulkOperation> ops = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        List<ObjectNode> unread = new ArrayList<>();      // per write: the live unread event, or null
        for (int i = 0; i < works.size(); i++) {
            Work w = works.get(i);
            MultiGetResponseItem<ObjectNode> item = i < read.docs().size() ? read.docs().get(i) : null;
            if (item == null || item.isFailure()) {
                if (item != null && "index_not_found_exception".equals(item.failure().error().type())) {
                    indexReady = false;
                }
                retryLater(w, new StoreUnavailableException("cannot read chat " + w.id, null));
                continue;
            }
            GetResult<ObjectNode> current = item.result();
            boolean found = current.found() && current.source() != null;
            ObjectNode base = found ? current.source() : JsonNodeFactory.instance.objectNode();
            ObjectNode doc = base.deepCopy();
            for (CanonicalMessage m : w.messages) {
                merge(doc, m);
            }
            if (doc.equals(base)) {
                complete(w, "chat_unchanged");
                continue;
            }
            doc.put("updated_at", Instant.now().toString());
            if (found) {
                long seqNo = current.seqNo();
                long term = current.primaryTerm();
                ops.add(BulkOperation.of(o -> o.index(x -> x.index(chatsIndex).id(w.id).document(doc)
                        .ifSeqNo(seqNo).ifPrimaryTerm(term))));
            } else {
                ops.add(BulkOperation.of(o -> o.create(c -> c.index(chatsIndex).id(w.id).document(doc))));
            }
            writing.add(w);
            outcomes.add("chat_updated");
            // a newer inbound message made the chat unread: the page's badge changes
            boolean newInbound = !doc.path("last_inbound_at").equals(base.path("last_inbound_at"));
            unread.add(newInbound && doc.path("has_unread").asBoolean() ? unreadEvent(w.id, doc) : null);
        }
        if (ops.isEmpty()) {
            return;
        }
        // the batch's own _bulk, not the group commit's: the messages' bulk requests stay as they were
        List<BulkResponseItem> results;
        try {
            results = store.client().bulk(b -> b.requireAlias(true).operations(ops)).items();
        } catch (Exception e) {
            store.repairIfBroken(e);
            writing.forEach(w -> retryLater(w, e));
            return;
        }
        for (int i = 0; i < writing.size(); i++) {
            Work w = writing.get(i);
            BulkResponseItem r = i < results.size() ? results.get(i) : null;
            if (r == null) {
                retryLater(w, new StoreUnavailableException("no _bulk answer for chat " + w.id, null));
            } else if (r.status() == 409) {
                conflicts.incrementAndGet();
                Metrics.counter("gateway.chats.conflicts").increment();
                if (++w.attempts >= MAX_ATTEMPTS) {
                    fail(w, new StoreUnavailableException("chat " + w.id + " kept changing after " + MAX_ATTEMPTS
                            + " attempts", null));
                } else {
                    queue.add(w);           // only this chat: re-read and re-merged in the next batch
                }
            } else if (r.error() != null) {
                if (r.status() >= 500 || r.status() == 429) {
                    retryLater(w, new StoreUnavailableException("chat " + w.id + ": " + r.error().reason(), null));
                } else {
                    fail(w, new DocumentRejectedException(w.id, r.error().type() + ": " + r.error().reason()));
                }
            } else {
                writes.incrementAndGet();
                if (unread.get(i) != null) {
                    publish(MessageEvents.UNREAD, unread.get(i));
                }
                complete(w, outcomes.get(i));
            }
        }
    }

    /**
     * Merges one message into a chat document: commutative and idempotent (the same set of messages in any order,
     * each any number of times, gives the same document).
     *
     * @param doc     the chat document, changed in place
     * @param message the message
     */
    static void merge(ObjectNode doc, CanonicalMessage message) {
        doc.put("provider", message.provider());
        doc.put("account_id", message.accountId());
        doc.put("chat_id", message.chatId());
        doc.put("chat_key", chatId(message.provider(), message.accountId(), message.chatId()));
        if (message.chatType() != null) {
            doc.put("chat_type", message.chatType());
        }
        Instant at = message.timestamp() != null ? message.timestamp() : message.receivedAt();
        if (at == null) {
            return;
        }
        String id = message.messageId() == null ? "" : message.messageId();
        String name = message.chatName() != null ? message.chatName()
                : "direct".equals(message.chatType()) && !message.fromMe() ? message.senderName() : null;
        if (name != null && newer(at, name, doc, "chat_name_at", "chat_name")) {
            doc.put("chat_name", name);
            doc.put("chat_name_at", at.toString());
        }
        if (newer(at, id, doc, "last_message_at", "last_message_id")) {
            doc.put("last_message_at", at.toString());
            doc.put("last_message_id", id);
            doc.put("last_message_from_me", message.fromMe());
            putOrRemove(doc, "last_message_type", message.type());
            putOrRemove(doc, "last_message_preview", preview(message));
            putOrRemove(doc, "last_message_sender_name", message.senderName());
        }
        if (inbound(message) && newer(at, id, doc, "last_inbound_at", "last_inbound_message_id")) {
            doc.put("last_inbound_at", at.toString());
            doc.put("last_inbound_message_id", id);
        }
        doc.put("has_unread", hasUnread(doc));
    }

    /**
     * @param message a stored message
     * @return true for an inbound customer message: not {@code from_me}, not a Meta {@code history} sync (the same
     *         rule as {@code unread_count})
     */
    static boolean inbound(CanonicalMessage message) {
        return !message.fromMe()
                && (message.details() == null || !Boolean.TRUE.equals(message.details().history()));
    }

    /** @return true when (at, tie) sorts after the document's (timeField, tieField): later time, then larger tie */
    private static boolean newer(Instant at, String tie, ObjectNode doc, String timeField, String tieField) {
        JsonNode t = doc.get(timeField);
        if (t == null || t.isNull()) {
            return true;
        }
        Instant current;
        try {
            current = Instant.parse(t.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
        int c = at.compareTo(current);
        return c > 0 || c == 0 && tie.compareTo(doc.path(tieField).asText("")) > 0;
    }

    /**
     * @param doc a chat document
     * @return true when its newest inbound customer message is after {@code last_read_at} (or it was never read):
     *         the filter of {@code GET /api/chats?unread=true}, kept in the document since both times are there
     */
    /**
     * @param chatKey the chat document's id
     * @param doc     the chat document as written
     * @return the live {@code unread} event of a chat: {@code {"chat_key","has_unread","last_read_at"}}
     *         ({@code unread_count} is left out: counting costs a search; the page reads it from {@code /api/chats})
     */
    public static ObjectNode unreadEvent(String chatKey, JsonNode doc) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("chat_key", chatKey);
        data.put("has_unread", hasUnread(doc));
        data.put("last_read_at", doc.path("last_read_at").asText(null));
        return data;
    }

    /**
     * Publishes a live event (never blocks; a failure is logged and changes nothing).
     *
     * @param type the event type ({@link MessageEvents#UNREAD})
     * @param data its data
     */
    public void publish(String type, ObjectNode data) {
        if (messageEvents != null) {
            try {
                messageEvents.publish(type, data);
            } catch (RuntimeException e) {
                LOG.debug("{} event not published: {}", type, e.toString());
            }
        }
    }

    /** @param messageEvents the live events ({@code #bean:messageEvents}; none: no events) */
    public void setMessageEvents(MessageEvents messageEvents) {
        this.messageEvents = messageEvents;
    }

    static boolean hasUnread(JsonNode doc) {
        if (!doc.hasNonNull("last_inbound_at")) {
            return false;
        }
        if (!doc.hasNonNull("last_read_at")) {
            return true;
        }
        try {
            return Instant.parse(doc.get("last_inbound_at").asText())
                    .isAfter(Instant.parse(doc.get("last_read_at").asText()));
        } catch (java.time.format.DateTimeParseException e) {
            return true;
        }
    }

    /** @return the message's text or caption (at most {@link #PREVIEW_CHARS} characters), else null */
    static String preview(CanonicalMessage message) {
        String text = message.text();
        if ((text == null || text.isBlank()) && message.media() != null) {
            text = message.media().caption();
        }
        if (text == null || text.isBlank()) {
            return null;
        }
        return text.length() <= PREVIEW_CHARS ? text : text.substring(0, PREVIEW_CHARS);
    }

    private static void putOrRemove(ObjectNode doc, String field, String value) {
        if (value == null) {
            doc.remove(field);
        } else {
            doc.put(field, value);
        }
    }

    private void retryLater(Work w, Throwable cause) {
        if (++w.attempts >= 50) {
            fail(w, cause instanceof StoreUnavailableException ? cause
                    : new StoreUnavailableException("cannot read chat " + w.id + ": " + cause, cause));
            return;
        }
        try {
            timer.schedule(() -> queue.add(w), 100, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopping) {
            fail(w, new StoreUnavailableException("the gateway is stopping", stopping));
        }
    }

    private void complete(Work w, String outcome) {
        Metrics.counter("gateway.chats.updates", "outcome", outcome).increment(w.results.size());
        for (CompletableFuture<String> r : w.results) {
            runOnCompletion(() -> r.complete(outcome), r);
        }
    }

    private void fail(Work w, Throwable failure) {
        for (CompletableFuture<String> r : w.results) {
            runOnCompletion(() -> r.completeExceptionally(failure), r);
        }
    }

    private void runOnCompletion(Runnable task, CompletableFuture<String> r) {
        try {
            store.completionExecutor().execute(task);
        } catch (RuntimeException stopped) {
            r.completeExceptionally(new StoreUnavailableException("the store is stopping", stopped));
        }
    }

    // ---- migration of whatsapp-chat-settings ----

    private void migrateUntilDone() {
        if (migrated || stopped) {
            return;
        }
        try {
            int n = migrate();
            migrated = true;
            if (n > 0) {
                LOG.info("Migrated {} chat settings documents from {} to {}", n, settingsIndex, chatsIndex);
            }
        } catch (RuntimeException e) {
            LOG.debug("Chat settings migration not done yet: {}", e.toString());
            try {
                timer.schedule(this::migrateUntilDone, migrationRetryMs, TimeUnit.MILLISECONDS);
            } catch (RuntimeException stopping) {
                // stopping
            }
        }
    }

    /**
     * Copies the documents of the former {@code whatsapp-chat-settings} index into {@code whatsapp-chats}: the owner
     * fields when the chat has no owner or an older {@code owner_since}, {@code auto_reply} when the chat has none.
     * Idempotent and safe on several instances at once (each write under {@code if_seq_no}, re-read on 409); never
     * overwrites a newer value. The old index is left as it is.
     *
     * @return how many chat documents were changed
     * @throws StoreUnavailableException when Elasticsearch cannot be read or written
     */
    public int migrate() {
        ensureIndex();
        int changed = 0;
        try {
            boolean exists = store.client().indices().exists(e -> e.index(settingsIndex)).value();
            if (!exists) {
                return 0;
            }
            // a scroll: the old index is no longer written, and _id cannot be sorted on
            co.elastic.clients.elasticsearch.core.search.ResponseBody<ObjectNode> page = store.client().search(s -> s
                    .index(settingsIndex).size(500)
                    .scroll(t -> t.time("1m")), ObjectNode.class);
            String scrollId = page.scrollId();
            try {
                while (!page.hits().hits().isEmpty()) {
                    for (Hit<ObjectNode> hit : page.hits().hits()) {
                        if (hit.source() != null && migrateOne(hit.id(), hit.source())) {
                            changed++;
                        }
                    }
                    String current = scrollId;
                    page = store.client().scroll(r -> r.scrollId(current).scroll(t -> t.time("1m")),
                            ObjectNode.class);
                    scrollId = page.scrollId();
                }
            } finally {
                String last = scrollId;
                if (last != null) {
                    try {
                        store.client().clearScroll(c -> c.scrollId(last));
                    } catch (java.io.IOException | ElasticsearchException ignored) {
                        // expires by itself after a minute
                    }
                }
            }
            return changed;
        } catch (java.io.IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("chat settings not migrated: " + e.getMessage(), e);
        }
    }

    private boolean migrateOne(String id, ObjectNode settings) throws java.io.IOException {
        for (int attempt = 1; ; attempt++) {
            var current = store.client().get(g -> g.index(chatsIndex).id(id), ObjectNode.class);
            boolean found = current.found() && current.source() != null;
            ObjectNode base = found ? current.source() : JsonNodeFactory.instance.objectNode();
            ObjectNode doc = migrated(id, base, settings);
            if (doc.equals(base)) {
                return false;
            }
            doc.put("updated_at", Instant.now().toString());
            try {
                if (found) {
                    store.client().index(i -> i.index(chatsIndex).id(id).document(doc).requireAlias(true)
                            .ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm()));
                } else {
                    store.client().create(c -> c.index(chatsIndex).id(id).document(doc).requireAlias(true));
                }
                return true;
            } catch (ElasticsearchException e) {
                if (e.status() == 409 && attempt < MAX_ATTEMPTS) {
                    continue;               // another instance or a message got there first: read again
                }
                throw e;
            }
        }
    }

    /** The owner fields of the settings document, copied onto a chat document unless the chat's owner is newer. */
    static final List<String> OWNER_FIELDS = List.of("owner", "owner_since", "owner_event", "owner_role",
            "previous_owner", "owner_inferred", "owner_raw");

    /**
     * @param chat     the chat document (not changed)
     * @param settings a {@code whatsapp-chat-settings} document
     * @return the chat document with the settings' owner (when the chat has none, or an older {@code owner_since})
     *         and {@code auto_reply} (when the chat has none)
     */
    static ObjectNode migrated(ObjectNode chat, ObjectNode settings) {
        return migrated(null, chat, settings);
    }

    /**
     * @param id       the settings document's id {@code {provider}:{account_id}:{chat_id}} (names the chat when the
     *                 document has only {@code auto_reply}, as the recipe writes it); may be null
     * @param chat     the chat document (not changed)
     * @param settings a {@code whatsapp-chat-settings} document
     * @return as {@link #migrated(ObjectNode, ObjectNode)}
     */
    static ObjectNode migrated(String id, ObjectNode chat, ObjectNode settings) {
        ObjectNode doc = chat.deepCopy();
        String[] parts = id == null ? new String[0] : id.split(":", 3);
        if (parts.length == 3) {
            String[] fields = {"provider", "account_id", "chat_id"};
            for (int i = 0; i < 3; i++) {
                if (!doc.hasNonNull(fields[i]) && !settings.hasNonNull(fields[i])) {
                    doc.put(fields[i], parts[i]);
                }
            }
        }
        for (String f : new String[] {"provider", "account_id", "chat_id"}) {
            if (!doc.hasNonNull(f) && settings.hasNonNull(f)) {
                doc.set(f, settings.get(f));
            }
        }
        if (!doc.hasNonNull("chat_key") && doc.hasNonNull("provider") && doc.hasNonNull("account_id")
                && doc.hasNonNull("chat_id")) {
            doc.put("chat_key", chatId(doc.get("provider").asText(), doc.get("account_id").asText(),
                    doc.get("chat_id").asText()));
        }
        if (settings.hasNonNull("owner") && ownerOlder(doc, settings)) {
            for (String f : OWNER_FIELDS) {
                if (settings.has(f)) {
                    doc.set(f, settings.get(f));
                } else {
                    doc.remove(f);
                }
            }
        }
        if (!doc.hasNonNull("auto_reply") && settings.hasNonNull("auto_reply")) {
            doc.set("auto_reply", settings.get("auto_reply"));
        }
        return doc;
    }

    /** @return true when the chat has no owner, or one recorded strictly before the settings' */
    private static boolean ownerOlder(ObjectNode chat, ObjectNode settings) {
        if (!chat.hasNonNull("owner")) {
            return true;
        }
        try {
            Instant mine = chat.hasNonNull("owner_since") ? Instant.parse(chat.get("owner_since").asText()) : null;
            Instant theirs = settings.hasNonNull("owner_since")
                    ? Instant.parse(settings.get("owner_since").asText()) : null;
            return theirs != null && (mine == null || theirs.isAfter(mine));
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @return the store */
    public ElasticsearchStore getStore() {
        return store;
    }

    /** @param chatsIndex alias of the chats index */
    public void setChatsIndex(String chatsIndex) {
        this.chatsIndex = chatsIndex;
    }

    /** @return alias of the chats index */
    public String getChatsIndex() {
        return chatsIndex;
    }

    /** @param settingsIndex the former per-chat settings index migrated at start ({@code whatsapp-chat-settings}) */
    public void setSettingsIndex(String settingsIndex) {
        this.settingsIndex = settingsIndex;
    }

    /** @param batchMax most chats read and written together by one batch */
    public void setBatchMax(int batchMax) {
        this.batchMax = batchMax;
    }

    /** @param migrationRetryMs how long a migration that could not reach Elasticsearch waits before the next try, ms */
    public void setMigrationRetryMs(long migrationRetryMs) {
        this.migrationRetryMs = migrationRetryMs;
    }
}
