package io.wagateway.reply;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.page.MessageEvents;
import io.wagateway.ops.LogMask;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records who owns a conversation in its {@code whatsapp-chats} document ({@code _id}
 * {@code {provider}:{account_id}:{chat_id}}, the chat document {@link AutoReplyPolicy} reads and
 * {@link io.wagateway.chat.Chats} keeps): {@code owner} ({@code app},
 * {@code human}, {@code meta_agent}, {@code other_app}), {@code owner_since} (the provider's time of the change),
 * {@code owner_event}, {@code owner_role}, {@code previous_owner}, {@code owner_inferred} and {@code owner_raw} (the
 * provider's item, not indexed). Other fields of the document (an operator's {@code auto_reply}, the last message) are kept.
 *
 * <p>Idempotent and safe against out-of-order delivery: a change older than {@code owner_since} is not applied
 * ({@code owner_stale}); at the same second the one processed last wins; a redelivery finds the same values
 * ({@code owner_unchanged}). An inferred change (a standby copy) must be strictly newer and replaces only an unknown
 * owner or {@code app} ({@code owner_kept} otherwise). Concurrent writers are serialised by Elasticsearch's optimistic
 * concurrency ({@code if_seq_no}/{@code if_primary_term}, retried). After a write the auto-reply's cached settings of
 * that chat are dropped on this instance (other instances see it within
 * {@code gateway.auto-reply.settings-cache-seconds}).
 *
 * <p>Issue 21: the gateway's own changes - a hand-over keyword, the model's hand-over marker, an operator's click, the
 * API, the idle timeout ({@link #change}, {@link #handOver}, {@link #handBackIdle}) - go through the same optimistic
 * concurrency. Every change, Meta's included, is appended to {@code owner_history} (newest last, the last
 * {@value #HISTORY_SIZE} kept: {@code {"owner","previous_owner","at","by","operator","reason","event"}}, {@code by}
 * one of {@code provider|keyword|llm|operator|api|timeout|flow}), sets {@code owner_by} and {@code owner_operator}
 * (the current owner's, searchable) and is published as a live {@code owner} event once written.
 */
public class ChatOwners {

    /** How many owner changes a chat document keeps in {@code owner_history}. */
    public static final int HISTORY_SIZE = 50;

    /** The owners a chat can have. */
    public static final Set<String> OWNERS = Set.of("app", "human", "meta_agent", "other_app");

    /** Who may have handed a chat to a person, so that the idle timeout may hand it back. */
    static final List<String> IDLE_BY = List.of("keyword", "llm", "operator", "api");

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;
    private AutoReplyPolicy autoReplyPolicy;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param autoReplyPolicy the policy whose cached chat settings a recorded owner change invalidates */
    public void setAutoReplyPolicy(AutoReplyPolicy autoReplyPolicy) {
        this.autoReplyPolicy = autoReplyPolicy;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChatOwners.class);
    private static final int ATTEMPTS = 5;

    private String settingsIndex = "whatsapp-chats";
    private Clock clock = Clock.systemUTC();
    private volatile boolean indexReady;
    private MessageEvents messageEvents;

    /**
     * Applies one ownership change.
     *
     * @param change the change
     * @return the item's outcome word: {@code owner_updated}, {@code owner_unchanged}, {@code owner_stale} or
     *         {@code owner_kept}
     * @throws StoreUnavailableException when Elasticsearch cannot be read or written (the webhook answers 503 and
     *                                   the provider redelivers)
     * @throws DocumentRejectedException when Elasticsearch refuses the document (4xx; the webhook is dead-lettered)
     */
    public String apply(ChatOwnerChange change) {
        String id = change.settingsId();
        try {
            if (!indexReady) {
                store.ensureIndex(settingsIndex, "elasticsearch/chats-mapping.json");
                indexReady = true;
            }
            for (int attempt = 1; ; attempt++) {
                GetResponse<ObjectNode> current = store.client().get(g -> g.index(settingsIndex).id(id),
                        ObjectNode.class);
                ObjectNode doc = current.found() && current.source() != null ? current.source()
                        : JsonNodeFactory.instance.objectNode();
                String verdict = verdict(change, doc);
                if (verdict != null) {
                    LOG.debug("Owner change {} of chat {} not applied: {}", change.event(), LogMask.id(id), verdict);
                    return verdict;
                }
                write(change, doc);
                try {
                    if (current.found()) {
                        store.client().index(i -> i.index(settingsIndex).id(id).document(doc)
                                .ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm()));
                    } else {
                        store.client().create(c -> c.index(settingsIndex).id(id).document(doc));
                    }
                } catch (ElasticsearchException e) {
                    if (e.status() == 409 && attempt < ATTEMPTS) {
                        continue;                 // another writer got there first: read again and decide again
                    }
                    throw e;
                }
                forgetCachedSettings(id);
                publish(id, doc);
                LOG.info("Chat {} of {} account {} is now owned by {} ({}{})", LogMask.id(change.chatId()),
                        change.provider(), LogMask.id(change.accountId()), change.owner(), change.event(),
                        change.newOwnerRole() == null ? "" : ", new owner role " + change.newOwnerRole());
                return "owner_updated";
            }
        } catch (ElasticsearchException e) {
            if (e.status() >= 400 && e.status() < 500 && e.status() != 409 && e.status() != 429) {
                throw new DocumentRejectedException(id, e.getMessage());    // dead-lettered: a retry cannot help
            }
            throw new StoreUnavailableException("chat owner of " + LogMask.id(id) + " not recorded: " + e.getMessage(),
                    e);
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof StoreUnavailableException || e instanceof DocumentRejectedException) {
                throw (RuntimeException) e;
            }
            throw new StoreUnavailableException("chat owner of " + LogMask.id(id) + " not recorded: " + e, e);
        }
    }

    /** @return why the change is not applied to {@code doc}, or null to apply it */
    static String verdict(ChatOwnerChange change, JsonNode doc) {
        String owner = doc.hasNonNull("owner") ? doc.get("owner").asText() : null;
        Instant since = doc.hasNonNull("owner_since") ? Instant.parse(doc.get("owner_since").asText()) : null;
        Instant at = change.at();
        if (since != null && at.isBefore(since)) {
            return "owner_stale";
        }
        if (change.inferred()) {
            if (owner != null && !ChatOwnerChange.APP.equals(owner)) {
                return owner.equals(change.owner()) ? "owner_unchanged" : "owner_kept";
            }
            if (since != null && !at.isAfter(since)) {
                return "owner_stale";
            }
        }
        if (change.owner().equals(owner) && at.equals(since)
                && change.event().equals(doc.path("owner_event").asText(null))) {
            return "owner_unchanged";
        }
        return null;
    }

    private void write(ChatOwnerChange change, ObjectNode doc) {
        String before = doc.hasNonNull("owner") ? doc.get("owner").asText() : null;
        doc.put("provider", change.provider());
        doc.put("account_id", change.accountId());
        doc.put("chat_id", change.chatId());
        doc.put("chat_key", change.settingsId());
        doc.put("owner", change.owner());
        doc.put("owner_since", change.at().toString());
        doc.put("owner_event", change.event());
        doc.put("owner_inferred", change.inferred());
        putOrRemove(doc, "owner_role", change.newOwnerRole());
        putOrRemove(doc, "previous_owner", change.previousOwner());
        if (change.raw() != null) {
            doc.set("owner_raw", change.raw());
        } else {
            doc.remove("owner_raw");
        }
        String now = clock.instant().toString();
        doc.put("updated_at", now);
        // the provider's own previous owner when it says one, else the one recorded here
        String previous = change.previousOwner() != null ? change.previousOwner() : before;
        record(doc, change.owner(), previous, now, "provider", null, null, change.event());
    }

    /**
     * Appends one change to {@code owner_history} (keeping the last {@value #HISTORY_SIZE}) and sets {@code owner_by}
     * and {@code owner_operator}.
     */
    static void record(ObjectNode doc, String owner, String previous, String at, String by, String operator,
            String reason, String event) {
        ArrayNode history = doc.get("owner_history") instanceof ArrayNode a ? a : doc.putArray("owner_history");
        ObjectNode entry = history.addObject();
        entry.put("owner", owner);
        entry.put("previous_owner", previous == null ? ChatOwnerChange.APP : previous);
        entry.put("at", at);
        entry.put("by", by);
        entry.put("operator", operator);
        entry.put("reason", reason);
        entry.put("event", event);
        while (history.size() > HISTORY_SIZE) {
            history.remove(0);
        }
        doc.put("owner_by", by);
        putOrRemove(doc, "owner_operator", operator);
    }

    /** What a change of the gateway's own decides for the chat document it read. */
    private enum Decision { WRITE, KEEP }

    /**
     * Sets a chat's owner: an operator's click or the API ({@code POST /api/chats/{id}/owner}). Setting the owner it
     * already has changes nothing (no history entry).
     *
     * @param chatKey  {@code {provider}:{account_id}:{chat_id}}
     * @param owner    {@code app}, {@code human}, {@code meta_agent} or {@code other_app}
     * @param operator the operator who asked (the request's variable {@code operator}), or null for the shared send
     *                 token: {@code by} is then {@code api}, else {@code operator}
     * @param reason   free text recorded in the history, may be null
     * @return {@code {"chat_key","owner","previous_owner","changed","owner_history"}}, or null when there is no such
     *         chat
     * @throws IllegalArgumentException for an owner outside the vocabulary
     * @throws StoreUnavailableException when Elasticsearch cannot be read or written
     */
    public ObjectNode change(String chatKey, String owner, String operator, String reason) {
        if (!OWNERS.contains(owner)) {
            throw new IllegalArgumentException("owner must be one of " + OWNERS);
        }
        String by = operator == null ? "api" : "operator";
        return write(chatKey, doc -> owner.equals(currentOwner(doc)) ? Decision.KEEP : Decision.WRITE,
                owner, by, operator, reason, owner.equals(ChatOwnerChange.APP) ? "hand_back" : "take_over");
    }

    /**
     * Hands a chat that the app owns to a person ({@code human}): a hand-over keyword or the model's hand-over
     * marker. A chat owned by anyone else is left as it is.
     *
     * @param chatKey {@code {provider}:{account_id}:{chat_id}}
     * @param by      {@code keyword} or {@code llm}
     * @param event   what triggered it (the message's or the reply's id): recorded in the history, so a redelivery
     *                of that same trigger can tell that it made the change
     * @return {@code taken} (this trigger made the chat {@code human}, now or on an earlier delivery), {@code human}
     *         (a person owned it already), {@code not_app} (Meta's agent or another app owns it) or {@code no_chat}
     */
    public String handOver(String chatKey, String by, String event) {
        ObjectNode result = write(chatKey, doc -> ChatOwnerChange.APP.equals(currentOwner(doc))
                ? Decision.WRITE : Decision.KEEP, "human", by, null, null, event);
        if (result == null) {
            return "no_chat";
        }
        if (result.path("changed").asBoolean()) {
            return "taken";
        }
        String owner = result.path("owner").asText();
        if (!"human".equals(owner)) {
            return "not_app";
        }
        JsonNode history = result.path("owner_history");
        JsonNode last = history.isArray() && !history.isEmpty() ? history.get(history.size() - 1) : null;
        return last != null && event != null && event.equals(last.path("event").asText(null)) ? "taken" : "human";
    }

    /**
     * A hand-over keyword in a customer's message ({@code by} {@code keyword}, the message's document id as event).
     *
     * @param message the inbound message
     * @return what {@link #handOver(String, String, String)} answers
     */
    public String handOver(io.wagateway.message.CanonicalMessage message) {
        return handOver(message.provider() + ":" + message.accountId() + ":" + message.chatId(), "keyword",
                message.documentId());
    }

    /**
     * The model asked for a person ({@code by} {@code llm}, the reply's outbox id as event).
     *
     * @param task the reply being generated
     * @return what {@link #handOver(String, String, String)} answers
     */
    public String handOver(ReplyTask task) {
        return handOver(task.provider() + ":" + task.accountId() + ":" + task.chatId(), "llm", task.id());
    }

    /**
     * The idle timeout: hands back to the app every chat that a person owns (made {@code human} by a keyword, the
     * model, an operator or the API) with no message either way and no owner change for {@code minutes}. Each chat is
     * re-read and written under optimistic concurrency, so with several instances one writer wins and the others find
     * the chat no longer idle.
     *
     * @param minutes the idle time; 0 or less does nothing
     * @param max     most chats handed back by one run
     * @return how many chats were handed back
     */
    public int handBackIdle(long minutes, int max) {
        if (minutes <= 0) {
            return 0;
        }
        Instant cutoff = clock.instant().minusSeconds(minutes * 60);
        String before = cutoff.toString();
        SearchResponse<ObjectNode> r;
        try {
            r = store.client().search(s -> s.index(settingsIndex).size(max).ignoreUnavailable(true)
                    .allowNoIndices(true).query(q -> q.bool(b -> b
                            .filter(f -> f.term(t -> t.field("owner").value("human")))
                            .filter(f -> f.terms(t -> t.field("owner_by").terms(v -> v.value(IDLE_BY.stream()
                                    .map(FieldValue::of).toList()))))
                            .filter(f -> f.range(g -> g.date(d -> d.field("owner_since").lt(before))))
                            .mustNot(m -> m.range(g -> g.date(d -> d.field("last_message_at").gte(before)))))),
                    ObjectNode.class);
        } catch (java.io.IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("cannot search idle chats: " + e.getMessage(), e);
        }
        int handedBack = 0;
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            ObjectNode result = write(hit.id(), doc -> idle(doc, cutoff) ? Decision.WRITE : Decision.KEEP,
                    ChatOwnerChange.APP, "timeout", null, "idle for " + minutes + " min", "hand_back");
            if (result != null && result.path("changed").asBoolean()) {
                handedBack++;
            }
        }
        return handedBack;
    }

    /** @return true when a person owns the chat and nothing happened in it since {@code cutoff} */
    static boolean idle(JsonNode doc, Instant cutoff) {
        if (!"human".equals(currentOwner(doc)) || !IDLE_BY.contains(doc.path("owner_by").asText())) {
            return false;
        }
        for (String field : new String[] {"owner_since", "last_message_at"}) {
            Instant at = instant(doc.get(field));
            if (at != null && !at.isBefore(cutoff)) {
                return false;
            }
        }
        return true;
    }

    private static Instant instant(JsonNode value) {
        try {
            return value == null || value.isNull() ? null : Instant.parse(value.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** @return the chat's owner; absent = {@code app} */
    static String currentOwner(JsonNode doc) {
        return doc.hasNonNull("owner") ? doc.get("owner").asText() : ChatOwnerChange.APP;
    }

    /**
     * One change of the gateway's own under optimistic concurrency: read, decide, write with {@code if_seq_no},
     * again on 409. After a write the auto-reply's cache of the chat is dropped and an {@code owner} event published.
     *
     * @return the answer of {@link #change}, or null when the chat does not exist
     */
    private ObjectNode write(String chatKey, Function<ObjectNode, Decision> decide,
            String owner, String by, String operator, String reason, String event) {
        try {
            if (!indexReady) {
                store.ensureIndex(settingsIndex, "elasticsearch/chats-mapping.json");
                indexReady = true;
            }
            for (int attempt = 1; ; attempt++) {
                GetResponse<ObjectNode> current = store.client().get(g -> g.index(settingsIndex).id(chatKey),
                        ObjectNode.class);
                if (!current.found() || current.source() == null) {
                    return null;
                }
                ObjectNode doc = current.source();
                String previous = currentOwner(doc);
                if (decide.apply(doc) == Decision.KEEP) {
                    return answer(chatKey, doc, previous, false);
                }
                String now = clock.instant().toString();
                doc.put("owner", owner);
                doc.put("owner_since", now);
                doc.put("owner_event", event);
                doc.put("owner_inferred", false);
                doc.put("previous_owner", previous);
                doc.remove("owner_role");
                doc.remove("owner_raw");
                doc.put("updated_at", now);
                record(doc, owner, previous, now, by, operator, reason, event);
                try {
                    store.client().index(i -> i.index(settingsIndex).id(chatKey).document(doc)
                            .ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm())
                            .refresh(co.elastic.clients.elasticsearch._types.Refresh.WaitFor));
                } catch (ElasticsearchException e) {
                    if (e.status() == 409 && attempt < ATTEMPTS) {
                        continue;                 // another writer got there first: read again and decide again
                    }
                    throw e;
                }
                forgetCachedSettings(chatKey);
                publish(chatKey, doc);
                LOG.info("Chat {} is now owned by {} (by {}{})", LogMask.id(chatKey), owner, by,
                        operator == null ? "" : ", operator " + operator);
                return answer(chatKey, doc, previous, true);
            }
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return null;                      // no chats index yet: no such chat
            }
            throw new StoreUnavailableException("chat owner of " + LogMask.id(chatKey) + " not changed: "
                    + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new StoreUnavailableException("chat owner of " + LogMask.id(chatKey) + " not changed: " + e, e);
        }
    }

    private static ObjectNode answer(String chatKey, ObjectNode doc, String previous, boolean changed) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("chat_key", chatKey);
        out.put("owner", currentOwner(doc));
        out.put("previous_owner", changed ? previous : doc.path("previous_owner").asText(null));
        out.put("changed", changed);
        out.set("owner_history", doc.has("owner_history") ? doc.get("owner_history") : out.arrayNode());
        return out;
    }

    /** Publishes the live {@code owner} event of a written chat document (never blocks, never fails the change). */
    private void publish(String chatKey, ObjectNode doc) {
        MessageEvents events = messageEvents;
        if (events == null) {
            return;
        }
        JsonNode history = doc.path("owner_history");
        JsonNode last = history.isArray() && !history.isEmpty() ? history.get(history.size() - 1) : null;
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("chat_key", chatKey);
        data.put("owner", currentOwner(doc));
        data.put("previous_owner", last == null ? null : last.path("previous_owner").asText(null));
        data.put("by", last == null ? null : last.path("by").asText(null));
        data.put("operator", last == null ? null : last.path("operator").asText(null));
        data.put("at", last == null ? doc.path("updated_at").asText(null) : last.path("at").asText(null));
        try {
            events.publish(MessageEvents.OWNER, data);
        } catch (RuntimeException e) {
            LOG.debug("owner event of {} not published: {}", LogMask.id(data.path("chat_key").asText()), e.toString());
        }
    }

    /** @param messageEvents the live events an owner change is published to ({@code #bean:messageEvents}; none: none) */
    public void setMessageEvents(MessageEvents messageEvents) {
        this.messageEvents = messageEvents;
    }

    private static void putOrRemove(ObjectNode doc, String field, String value) {
        if (value == null) {
            doc.remove(field);
        } else {
            doc.put(field, value);
        }
    }

    private void forgetCachedSettings(String id) {
        if (autoReplyPolicy != null) {
            autoReplyPolicy.forget(id);
        }
    }

    /** Forgets that the settings index exists (after it was deleted). */
    public void resetIndex() {
        indexReady = false;
    }

    /** @param settingsIndex alias of the chats index ({@code whatsapp-chats}), which holds the per-chat settings */
    public void setSettingsIndex(String settingsIndex) {
        this.settingsIndex = settingsIndex;
    }

    /** @return alias of the chats index, which holds the per-chat settings */
    public String getSettingsIndex() {
        return settingsIndex;
    }

    /** @param clock the clock of {@code updated_at} (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
