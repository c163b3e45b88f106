package io.wagateway.lifecycle;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies status, edit, delete and reaction updates to stored messages, whatever order they and the message arrive
 * in, without scripted updates (the Elasticsearch we run has no painless).
 *
 * <p>Every update is first merged into the message's <b>lifecycle document</b> ({@code whatsapp-message-lifecycle},
 * {@code _id} = the message's document id) with read-modify-write under optimistic concurrency; the merge is
 * commutative and idempotent (statuses keyed by name keeping the earliest time, edits keyed by event, reactions
 * keyed by actor keeping the latest, the earliest delete). The message document is then <b>projected</b> from its
 * original content and that lifecycle document, again with optimistic concurrency. The update path writes the
 * lifecycle and then reads the message; the message path writes the message and then reads the lifecycle — so
 * whichever comes second applies the update, and an update that arrives before its message is kept until it
 * does.
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

    private static final Logger LOG = LoggerFactory.getLogger(MessageLifecycle.class);
    private static final List<String> ORDER = List.of("pending", "sent", "delivered", "read", "played");
    private static final int MAX_ATTEMPTS = 20;
    /** Fixed-width UTC times, so that string order is time order. */
    private static final java.time.format.DateTimeFormatter FIXED = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private String lifecycleIndex = "whatsapp-message-lifecycle";
    private volatile boolean indexReady;

    /**
     * Merges an update into its message's lifecycle and applies it to the message if the message is stored.
     *
     * @param update the update
     * @return {@code applied} (the message changed), {@code pending} (the message is not stored yet: the update waits
     *         for it), {@code unchanged} (already applied: a redelivery) or {@code untargeted} (the update names no
     *         message: kept, never applied)
     * @throws StoreUnavailableException when Elasticsearch cannot be reached (the webhook answers 503 and is redelivered)
     */
    public String apply(LifecycleUpdate update) {
        if (!update.hasTarget()) {
            // kept in the updates index under its content hash by the route; there is no message to apply it to
            Metrics.counter("gateway.lifecycle.updates", "provider", String.valueOf(update.provider()), "update",
                    String.valueOf(update.update()), "outcome", "untargeted").increment();
            return "untargeted";
        }
        ensureIndex();
        String target = update.targetDocumentId();
        boolean merged = mergeIntoLifecycle(target, update);
        String outcome = project(target);
        Metrics.counter("gateway.lifecycle.updates", "provider", update.provider(), "update", update.update(),
                "outcome", outcome == null ? (merged ? "pending" : "unchanged") : outcome).increment();
        return outcome != null ? outcome : merged ? "pending" : "unchanged";
    }

    /**
     * Called once a message is stored: applies the updates that arrived before it. The check for such updates is a
     * batched real-time read ({@link ElasticsearchStore#lookup}), so concurrent webhooks share one {@code _mget} and
     * no thread waits for it; only a message that has earlier updates (rare) pays for the projection.
     *
     * @param message the stored message
     * @return completes with {@code applied} when earlier updates changed it, else {@code none}; fails with
     *         {@link StoreUnavailableException} when Elasticsearch cannot be read
     */
    public java.util.concurrent.CompletableFuture<String> messageStored(CanonicalMessage message) {
        ensureIndex();
        String target = message.documentId();
        return store.lookup(lifecycleIndex, target).handle((lifecycle, failure) -> {
            if (failure == null && lifecycle.isEmpty()) {
                return java.util.concurrent.CompletableFuture.completedFuture("none");
            }
            // earlier updates exist (rare), or the batched read failed (e.g. a shard still recovering): the
            // blocking path with its retries
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                String outcome = project(target);
                return outcome == null || "unchanged".equals(outcome) ? "none" : outcome;
            }, store.completionExecutor());
        }).thenCompose(f -> f);
    }

    private boolean mergeIntoLifecycle(String target, LifecycleUpdate u) {
        ObjectMapper mapper = store.objectMapper();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            GetResponse<ObjectNode> current = get(lifecycleIndex, target);
            ObjectNode doc = current.found() && current.source() != null ? current.source().deepCopy()
                    : mapper.createObjectNode().put("target", target);
            ObjectNode before = doc.deepCopy();
            merge(doc, u);
            if (doc.equals(before)) {
                return false;
            }
            doc.put("updated_at", Instant.now().toString());
            if (write(lifecycleIndex, target, doc, current)) {
                return true;
            }
        }
        throw new StoreUnavailableException("lifecycle of " + target + " kept changing; update not applied", null);
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
            default -> doc.with("other").put(u.update() + ":" + at, u.text());
        }
    }

    /**
     * Projects the lifecycle onto the stored message; null when the message is not stored (yet). The lifecycle is
     * read first: most stored messages have none, so the message path costs one read, not two.
     */
    private String project(String target) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            GetResponse<ObjectNode> lifecycle = get(lifecycleIndex, target);
            if (!lifecycle.found() || lifecycle.source() == null) {
                return "unchanged";
            }
            GetResponse<ObjectNode> message = get(store.getMessagesIndex(), target);
            if (!message.found() || message.source() == null) {
                return null;
            }
            ObjectNode projected = projection(message.source(), lifecycle.source());
            if (projected.equals(message.source())) {
                return "unchanged";
            }
            if (write(store.getMessagesIndex(), target, projected, message)) {
                return "applied";
            }
        }
        throw new StoreUnavailableException("message " + target + " kept changing; update not applied", null);
    }

    /** The message as its original content plus the lifecycle say it is now. Deterministic. */
    static ObjectNode projection(ObjectNode stored, JsonNode lifecycle) {
        ObjectNode m = stored.deepCopy();
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

    private static int rank(String status) {
        int i = ORDER.indexOf(status);
        return i < 0 ? -1 : i;
    }

    /** Shard not active yet (index just created, node restarting): worth a short wait, not a 503. */
    private static boolean transientShardState(Exception e) {
        String text = e.toString();
        return text.contains("no_shard_available_action_exception") || text.contains("unavailable_shards_exception")
                || text.contains("illegal_index_shard_state_exception");
    }

    private static void pause(int attempt, Exception cause) {
        if (attempt >= 50) {
            throw new StoreUnavailableException("shard still unavailable after 5 s: " + cause, cause);
        }
        try {
            Thread.sleep(100);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", ie);
        }
    }

    private GetResponse<ObjectNode> get(String index, String id) {
        for (int attempt = 0; ; attempt++) {
            try {
                return getOnce(index, id);
            } catch (StoreUnavailableException e) {
                if (!transientShardState(e)) {
                    throw e;
                }
                pause(attempt, e);
            }
        }
    }

    private GetResponse<ObjectNode> getOnce(String index, String id) {
        try {
            return store.client().get(g -> g.index(index).id(id), ObjectNode.class);
        } catch (ElasticsearchException e) {
            if ("index_not_found_exception".equals(e.error().type())) {
                indexReady = false;
                store.resetIndices();
            }
            throw new StoreUnavailableException("cannot read " + index + "/" + id + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read " + index + "/" + id + ": " + e, e);
        }
    }

    /** Writes {@code doc} if {@code base} is still current (create when it did not exist); false on a conflict. */
    private boolean write(String index, String id, ObjectNode doc, GetResponse<ObjectNode> base) {
        for (int attempt = 0; ; attempt++) {
            try {
                return writeOnce(index, id, doc, base);
            } catch (StoreUnavailableException e) {
                if (!transientShardState(e)) {
                    throw e;
                }
                pause(attempt, e);
            }
        }
    }

    private boolean writeOnce(String index, String id, ObjectNode doc, GetResponse<ObjectNode> base) {
        try {
            if (base.found()) {
                store.client().index(i -> i.index(index).id(id).document(doc).requireAlias(true)
                        .ifSeqNo(base.seqNo()).ifPrimaryTerm(base.primaryTerm()));
            } else {
                store.client().create(c -> c.index(index).id(id).document(doc).requireAlias(true));
            }
            return true;
        } catch (ElasticsearchException e) {
            if (e.status() == 409) {
                LOG.debug("concurrent change of {}/{}, retrying", index, id);
                return false;
            }
            if (e.status() == 404) { // the alias is missing (require_alias): re-created before the next write
                indexReady = false;
                store.resetIndices();
            }
            throw new StoreUnavailableException("cannot write " + index + "/" + id + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write " + index + "/" + id + ": " + e, e);
        }
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

    /** Creates the lifecycle index if missing (at start, so no webhook waits for it). */
    public void start() {
        ensureIndex();
    }

    /** Forgets that the index exists (after it was deleted). */
    public void resetIndex() {
        indexReady = false;
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
