package io.wagateway.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies status, edit, delete and reaction updates to stored messages, whatever order they and the message arrive
 * in, without scripted updates (the Elasticsearch we run has no painless).
 *
 * <p>Every update is merged into the message's <b>lifecycle document</b> ({@code whatsapp-message-lifecycle},
 * {@code _id} = the message's document id) with read-modify-write under optimistic concurrency; the merge is
 * commutative and idempotent (statuses keyed by name keeping the earliest time, edits keyed by event, reactions
 * keyed by actor keeping the latest, the earliest delete). The message document is then <b>projected</b> from its
 * original content and that lifecycle document, again with optimistic concurrency. Updates are written in batches
 * ({@link LifecycleBatcher}: one {@code _mget} and one {@code _bulk} per batch, the audit documents included).
 *
 * <p>An update whose message is not stored yet leaves its lifecycle document {@code pending}. The update path writes
 * the lifecycle and then reads the message again; the message path, once the message is stored, reads the lifecycle
 * (off the acknowledgement, batched, within a quarter of {@code pendingVisibleMs}); so whichever comes second applies
 * the update, on any instance. A sweep of pending lifecycle documents covers an instance stopped in between.
 *
 * <p>Projection onto the message: {@code status} only moves forward (pending &lt; sent &lt; delivered &lt; read
 * &lt; played; {@code failed} unless delivered/read/played was seen) with {@code status_history} and
 * {@code status_errors}; the latest edit's text becomes {@code text} with {@code original_text} and
 * {@code edit_history}; a delete sets {@code deleted} and {@code deleted_at} (the text stays); {@code reactions}
 * lists each actor's current emoji; a {@code content} update (the media Meta sends later for a history
 * {@code media_placeholder}) sets {@code type}, {@code media} and, when the message had none, {@code text}.
 */
public class MessageLifecycle {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** The live stream: a {@code status} event when a delivery status is applied to a message (none when null). */
    private io.wagateway.page.MessageEvents events;

    /** @param events the live stream that gets a {@code status} event each time a message's status changes */
    public void setEvents(io.wagateway.page.MessageEvents events) {
        this.events = events;
    }

    /** Publishes the {@code status} event of a message whose new status was just written. */
    private void statusApplied(String id, com.fasterxml.jackson.databind.node.ObjectNode message) {
        io.wagateway.page.MessageEvents e = events;
        if (e == null) {
            return;
        }
        String chatKey = message.path("provider").asText() + ":" + message.path("account_id").asText() + ":"
                + message.path("chat_id").asText();
        String status = message.path("status").asText();
        String at = null;
        for (com.fasterxml.jackson.databind.JsonNode h : message.path("status_history")) {
            if (status.equals(h.path("status").asText())) {
                at = h.path("timestamp").asText(null);
            }
        }
        e.publish(io.wagateway.page.MessageEvents.STATUS, e.statusEvent(id, chatKey, status, at));
    }

    private static final Logger LOG = LoggerFactory.getLogger(MessageLifecycle.class);
    private static final List<String> ORDER = List.of("pending", "sent", "delivered", "read", "played");
    /** Fixed-width UTC times, so that string order is time order. */
    private static final java.time.format.DateTimeFormatter FIXED = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private String lifecycleIndex = "whatsapp-message-lifecycle";
    private volatile boolean indexReady;
    private int batchMax = 500;
    private long pendingVisibleMs = 2000;
    private long sweepIntervalMs = 60_000;
    private int sweepSize = 1000;
    private volatile LifecycleBatcher batcher;

    /**
     * Keeps an update: its audit document (create-if-absent under {@link LifecycleUpdate#documentId()}, so a
     * redelivery is recorded once), its merge into the lifecycle of the message it targets, and the projection onto
     * that message if it is stored, all in the next batch.
     *
     * @param update the update
     * @return completes with {@code update_STORED} or {@code update_DUPLICATE} (the audit document's outcome) once
     *         the batch is confirmed; fails with {@link StoreUnavailableException} (503: the provider redelivers) or
     *         {@link io.wagateway.store.DocumentRejectedException}
     */
    public CompletableFuture<String> keep(LifecycleUpdate update) {
        if (!update.hasTarget()) {
            // kept in the updates index under its content hash; there is no message to apply it to
            Metrics.counter("gateway.lifecycle.updates", "provider", String.valueOf(update.provider()), "update",
                    String.valueOf(update.update()), "outcome", "untargeted").increment();
            return store.storeUpdate(update).thenApply(o -> "update_" + o.name());
        }
        try {
            ensureIndex();
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
        return batcher().add(update);
    }

    /**
     * Called once a message is stored: the updates that arrived before it are applied off its acknowledgement,
     * batched with the other checks and updates, within a quarter of {@code pendingVisibleMs}. Returns at once.
     *
     * @param message the stored message
     */
    public void messageStored(CanonicalMessage message) {
        batcher().check(message.documentId());
    }

    /**
     * Re-checks the most recent pending lifecycle documents (those whose message was not stored when their update
     * was written): each is applied if its message is stored now. Runs every {@code sweepIntervalMs}; a search, so
     * it sees lifecycle documents once refreshed.
     *
     * @return how many pending lifecycle documents it queued for a check
     */
    public int sweep() {
        try {
            ensureIndex();
            var found = store.client().search(s -> s.index(lifecycleIndex).size(sweepSize)
                    .query(q -> q.term(t -> t.field("pending").value(true)))
                    .sort(o -> o.field(f -> f.field("updated_at").order(co.elastic.clients.elasticsearch._types
                            .SortOrder.Desc).unmappedType(co.elastic.clients.elasticsearch._types.mapping
                            .FieldType.Date)))
                    .source(src -> src.fetch(false)), ObjectNode.class);
            LifecycleBatcher b = batcher();
            found.hits().hits().forEach(h -> b.checkNow(h.id()));
            return found.hits().hits().size();
        } catch (Exception e) {
            store.repairIfBroken(e);
            LOG.debug("pending lifecycle sweep failed: {}", e.toString());
            return 0;
        }
    }

    private LifecycleBatcher batcher() {
        LifecycleBatcher b = batcher;
        return b != null ? b : startBatcher();
    }

    private synchronized LifecycleBatcher startBatcher() {
        if (batcher == null) {
            LifecycleBatcher b = new LifecycleBatcher(store, lifecycleIndex, batchMax,
                    Math.max(1, pendingVisibleMs / 4), this::resetIndex);
            b.onStatusApplied(this::statusApplied);
            if (sweepIntervalMs > 0) {
                b.scheduleEvery(this::sweep, sweepIntervalMs);
            }
            batcher = b;
        }
        return batcher;
    }

    /** Stops the batcher; updates still waiting fail with {@link StoreUnavailableException} (503, redelivered). */
    public synchronized void stop() {
        if (batcher != null) {
            batcher.stop();
            batcher = null;
        }
    }

    /** @return the batcher's counters: {@code batches}, {@code conflicts}, {@code retried_targets} */
    public Map<String, Long> batchStats() {
        return batcher().stats();
    }

    /** @param target a message's document id, checked in the next batch (tests) */
    void checkNow(String target) {
        batcher().checkNow(target);
    }

    /** @param hook called with each batch's targets between its read and its write (tests make conflicts there) */
    void afterRead(java.util.function.Consumer<java.util.Collection<String>> hook) {
        batcher().afterRead(hook);
    }

    /** The commutative, idempotent merge of one update into a lifecycle document. */
    static void merge(ObjectNode doc, LifecycleUpdate u) {
        String at = u.timestamp() != null ? FIXED.format(u.timestamp())
                : u.receivedAt() != null ? FIXED.format(u.receivedAt()) : "";
        switch (u.update()) {
            case "status" -> {
                ObjectNode statuses = doc.with("statuses");
                String name = u.status() == null ? "unknown" : u.status();
                JsonNode seen = statuses.get(name);
                if (seen == null || at.compareTo(seen.path("timestamp").asText()) < 0) {
                    ObjectNode entry = statuses.putObject(name).put("timestamp", at);
                    if (u.errors() != null) {
                        entry.set("errors", u.errors());
                    }
                }
            }
            case "edit" -> {
                String key = Objects.requireNonNullElse(u.eventId(), at);
                if (!doc.with("edits").has(key)) {
                    doc.with("edits").putObject(key).put("timestamp", at).put("text", u.text());
                }
            }
            case "delete" -> {
                JsonNode seen = doc.get("deleted");
                if (seen == null || at.compareTo(seen.path("timestamp").asText()) < 0) {
                    doc.putObject("deleted").put("timestamp", at).put("actor_id", u.actorId());
                }
            }
            case "reaction" -> {
                String actor = Objects.requireNonNullElse(u.actorId(), "unknown");
                String event = Objects.requireNonNullElse(u.eventId(), "");
                JsonNode seen = doc.with("reactions").get(actor);
                String seenKey = seen == null ? null : seen.path("timestamp").asText() + "|" + seen.path("event_id").asText();
                if (seen == null || (at + "|" + event).compareTo(seenKey) > 0) {
                    doc.with("reactions").putObject(actor).put("timestamp", at).put("event_id", event)
                            .put("emoji", u.text() == null ? "" : u.text());
                }
            }
            case "content" -> {
                // the contents of a message stored before without them (Meta history: a media_placeholder, then
                // its media under the same wamid); the first contents win, so a redelivery changes nothing
                JsonNode raw = u.raw();
                String type = raw == null ? null : raw.path("type").asText(null);
                if (type != null && !doc.has("content")) {
                    ObjectNode content = doc.putObject("content").put("type", type).put("timestamp", at);
                    if (u.text() != null) {
                        content.put("text", u.text());
                    }
                    JsonNode body = raw.path(type);
                    ObjectNode media = content.putObject("media");
                    for (String[] f : new String[][] {{"mime", "mime_type"}, {"url", "url"}, {"id", "id"},
                            {"caption", "caption"}, {"filename", "filename"}}) {
                        if (body.hasNonNull(f[1])) {
                            media.set(f[0], body.get(f[1]));
                        }
                    }
                    if (media.isEmpty()) {
                        content.remove("media");
                    }
                }
            }
            case MEDIA -> {
                // a media download's outcome (io.wagateway.media.MediaDownloads): per item n, the first stored
                // object wins, the latest error is kept, the earliest deletion (retention) is kept
                JsonNode raw = u.raw();
                if (raw != null && raw.has("n")) {
                    ObjectNode item = doc.with("media").with(raw.get("n").asText());
                    if (raw.has("stored") && !item.has("stored")) {
                        item.set("stored", raw.get("stored"));
                    }
                    JsonNode error = raw.get("download_error");
                    JsonNode seenError = item.get("download_error");
                    if (error != null && (seenError == null
                            || error.path("at").asText().compareTo(seenError.path("at").asText()) > 0)) {
                        item.set("download_error", error);
                    }
                    JsonNode deleted = raw.get("deleted_at");
                    if (deleted != null && (!item.has("deleted_at")
                            || deleted.asText().compareTo(item.get("deleted_at").asText()) < 0)) {
                        item.set("deleted_at", deleted);
                    }
                }
            }
            case LINK -> {
                // the outbound document this provider id was sent as (bean {@code outboundLinks}): the first
                // link wins, so a redelivered or repeated link changes nothing
                if (!doc.hasNonNull(MESSAGE_DOC_ID) && u.eventId() != null) {
                    doc.put(MESSAGE_DOC_ID, u.eventId())
                            .put(PROVIDER_MESSAGE_ID, u.text() != null ? u.text() : u.targetMessageId());
                }
            }
            default -> doc.with("other").put(u.update() + ":" + at, u.text());
        }
    }

    /**
     * The update that links a provider message id to the outbound document it was sent as: its
     * {@link LifecycleUpdate#eventId()} is that document's {@code _id}.
     */
    public static final String LINK = "link";
    /**
     * Lifecycle field: the {@code _id} of the message document this lifecycle projects onto, when it is not the
     * lifecycle's own {@code _id} (a message sent through the gateway: stored at
     * {@code {provider}:{account_id}:out:{key}}, its statuses and echo keyed on the provider's id).
     */
    public static final String MESSAGE_DOC_ID = "message_doc_id";
    /**
     * The update that carries a media download's outcome ({@code raw}: {@code n} and {@code stored},
     * {@code download_error} or {@code deleted_at}; docs/media.md), projected onto {@code media} /
     * {@code attachments[n]} and {@code media_download}.
     */
    public static final String MEDIA = "media";
    /** Lifecycle and message field: the provider's id of a message sent through the gateway. */
    public static final String PROVIDER_MESSAGE_ID = "provider_message_id";

    /**
     * A link update: the messages of {@code provider}/{@code accountId} keyed {@code webhookMessageId} (in its
     * echoes and statuses) are the message stored at {@code messageDocId}. Kept like any update ({@link #keep}): its
     * audit document, its lifecycle document (which then redirects every update of that id, before or after, to
     * {@code messageDocId}) and the projection there ({@code provider_message_id}, the statuses).
     *
     * @param provider          provider id
     * @param accountId         our account
     * @param chatId            the chat, or null
     * @param webhookMessageId  the id the provider's webhooks key the sent message on
     * @param messageDocId      the outbound document's {@code _id}
     * @param providerMessageId the id the send answered (stored as {@code provider_message_id}; usually
     *                          {@code webhookMessageId}, Periskope's {@code unique_id} differs)
     * @param at                when the provider answered the send
     * @return the update
     */
    public static LifecycleUpdate link(String provider, String accountId, String chatId, String webhookMessageId,
            String messageDocId, String providerMessageId, Instant at) {
        return new LifecycleUpdate(provider, accountId, webhookMessageId, chatId, LINK, null, providerMessageId, null,
                messageDocId, null, at, at, null);
    }

    /** The message as its original content plus the lifecycle say it is now. Deterministic. */
    static ObjectNode projection(ObjectNode stored, JsonNode lifecycle) {
        ObjectNode m = stored.deepCopy();
        if (lifecycle.hasNonNull(PROVIDER_MESSAGE_ID)) {
            m.set(PROVIDER_MESSAGE_ID, lifecycle.get(PROVIDER_MESSAGE_ID));
        }
        if (!m.has("status_initial")) {
            m.put("status_initial", m.path("status").asText(null));
        }
        JsonNode statuses = lifecycle.get("statuses");
        if (statuses != null && statuses.size() > 0) {
            List<Map.Entry<String, JsonNode>> seen = new ArrayList<>();
            statuses.fields().forEachRemaining(seen::add);
            seen.sort(Comparator.comparing((Map.Entry<String, JsonNode> e) -> e.getValue().path("timestamp").asText())
                    .thenComparing(e -> rank(e.getKey())));
            ArrayNode history = m.putArray("status_history");
            int best = rank(m.path("status_initial").asText(""));
            String bestName = m.path("status_initial").asText(null);
            boolean failed = false;
            for (Map.Entry<String, JsonNode> e : seen) {
                ObjectNode h = history.addObject().put("status", e.getKey())
                        .put("timestamp", e.getValue().path("timestamp").asText());
                if (e.getValue().has("errors")) {
                    h.set("errors", e.getValue().get("errors"));
                    m.set("status_errors", e.getValue().get("errors"));
                }
                if ("failed".equals(e.getKey())) {
                    failed = true;
                } else if (rank(e.getKey()) > best) {
                    best = rank(e.getKey());
                    bestName = e.getKey();
                }
            }
            m.put("status", failed && best < rank("delivered") ? "failed" : bestName);
        }
        JsonNode content = lifecycle.get("content");
        if (content != null) {
            m.set("type", content.get("type"));
            if (content.has("media")) {
                m.set("media", content.get("media"));
            }
            if (content.hasNonNull("text") && !m.hasNonNull("text")) {
                m.set("text", content.get("text"));
            }
        }
        JsonNode mediaItems = lifecycle.get("media");
        if (mediaItems != null && mediaItems.size() > 0) {
            projectMedia(m, mediaItems);
        }
        JsonNode edits = lifecycle.get("edits");
        if (edits != null && edits.size() > 0) {
            if (!m.has("original_text")) {
                m.set("original_text", m.get("text"));
            }
            List<JsonNode> ordered = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            edits.fieldNames().forEachRemaining(keys::add);
            keys.sort(Comparator.comparing((String k) -> edits.get(k).path("timestamp").asText()).thenComparing(k -> k));
            keys.forEach(k -> ordered.add(edits.get(k)));
            ArrayNode history = m.putArray("edit_history");
            history.add(m.get("original_text"));
            for (int i = 0; i < ordered.size() - 1; i++) {
                history.add(ordered.get(i).get("text"));
            }
            JsonNode latest = ordered.get(ordered.size() - 1).get("text");
            if (latest != null && !latest.isNull()) {
                m.set("text", latest);
            }
            m.put("edited", true);
        }
        JsonNode deleted = lifecycle.get("deleted");
        if (deleted != null) {
            m.put("deleted", true);
            m.put("deleted_at", deleted.path("timestamp").asText());
        }
        JsonNode reactions = lifecycle.get("reactions");
        if (reactions != null) {
            List<String> actors = new ArrayList<>();
            reactions.fieldNames().forEachRemaining(actors::add);
            actors.sort(Comparator.naturalOrder());
            ArrayNode list = m.putArray("reactions");
            for (String actor : actors) {
                String emoji = reactions.get(actor).path("emoji").asText("");
                if (!emoji.isEmpty()) {
                    list.addObject().put("actor_id", actor).put("emoji", emoji)
                            .put("timestamp", reactions.get(actor).path("timestamp").asText());
                }
            }
        }
        return m;
    }

    /**
     * Projects the download outcomes: item n's {@code stored} (with {@code deleted_at} once retention deleted the blob)
     * or {@code download_error} onto {@code attachments[n]} and, for n = 0, {@code media}; then
     * {@code media_download} = {@code stored} when every item is stored, {@code failed} when an item failed, else it
     * stays as it is ({@code pending}).
     */
    private static void projectMedia(ObjectNode m, JsonNode items) {
        JsonNode attachments = m.get("attachments");
        int count = attachments != null && attachments.isArray() && attachments.size() > 0 ? attachments.size()
                : m.get("media") instanceof ObjectNode ? 1 : 0;
        int stored = 0;
        boolean failed = false;
        for (int n = 0; n < count; n++) {
            JsonNode item = items.get(Integer.toString(n));
            if (item == null) {
                continue;
            }
            List<ObjectNode> targets = new ArrayList<>();
            if (attachments != null && attachments.get(n) instanceof ObjectNode a) {
                targets.add(a);
            }
            if (n == 0 && m.get("media") instanceof ObjectNode media) {
                targets.add(media);
            }
            for (ObjectNode target : targets) {
                if (item.has("stored")) {
                    ObjectNode s = item.get("stored").deepCopy();
                    if (item.has("deleted_at")) {
                        s.set("deleted_at", item.get("deleted_at"));
                    }
                    target.set("stored", s);
                    target.remove("download_error");
                } else if (item.has("download_error")) {
                    target.set("download_error", item.get("download_error"));
                }
            }
            if (item.has("stored")) {
                stored++;
            } else if (item.has("download_error")) {
                failed = true;
            }
        }
        if (count > 0 && stored == count) {
            m.put("media_download", "stored");
        } else if (failed) {
            m.put("media_download", "failed");
        }
    }

    private static int rank(String status) {
        int i = ORDER.indexOf(status);
        return i < 0 ? -1 : i;
    }

    private void ensureIndex() {
        if (indexReady) {
            return;
        }
        ensureIndexSlow();
    }

    private synchronized void ensureIndexSlow() {
        if (!indexReady) {
            store.ensureIndex(lifecycleIndex, "elasticsearch/lifecycle-mapping.json");
            indexReady = true;
        }
    }

    /** Creates the lifecycle index if missing (at start, so no webhook waits for it) and starts the batcher. */
    public void start() {
        batcher();
        ensureIndex();
    }

    /** Forgets that the index exists (after it was deleted): it is created again before the next update. */
    public void resetIndex() {
        indexReady = false;
        store.resetIndices();
    }

    /** @param batchMax most messages (targets) read and written together by one batch */
    public void setBatchMax(int batchMax) {
        this.batchMax = batchMax;
    }

    /**
     * @param pendingVisibleMs an update that arrived before its message is visible on it at most this long after the
     *                         message is stored, ms (the stored message is checked within a quarter of it)
     */
    public void setPendingVisibleMs(long pendingVisibleMs) {
        this.pendingVisibleMs = pendingVisibleMs;
    }

    /** @param sweepIntervalMs how often pending lifecycle documents are re-checked, ms (0: never) */
    public void setSweepIntervalMs(long sweepIntervalMs) {
        this.sweepIntervalMs = sweepIntervalMs;
    }

    /** @param sweepSize most pending lifecycle documents one sweep re-checks (the most recent) */
    public void setSweepSize(int sweepSize) {
        this.sweepSize = sweepSize;
    }
    /** @param lifecycleIndex alias of the lifecycle index */
    public void setLifecycleIndex(String lifecycleIndex) {
        this.lifecycleIndex = lifecycleIndex;
    }

    /** @return alias of the lifecycle index */
    public String getLifecycleIndex() {
        return lifecycleIndex;
    }
}
