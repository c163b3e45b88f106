package io.wagateway.enrich;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ContactUpdate;
import io.wagateway.message.MessageDetails;
import io.wagateway.ops.LogMask;
import io.wagateway.ops.RateLimitedLog;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ids that name one person, kept in the {@code whatsapp-names} index: the chat document of each id
 * ({@code _id = {provider}:{account_id}:chat:{id}}, the names cache's key) carries a {@code linked_ids} keyword array of
 * the person's other ids, written in both directions. A Meta user keyed on the business-scoped user id (BSUID) from
 * 2026 and on the phone before is one conversation through this link (docs/data-rules.md "Meta chat key").
 *
 * <ul>
 *   <li>{@link #learn(CanonicalMessage)}: a message whose sender has both a phone and a BSUID links them, once: a
 *       bounded in-memory set of the links already written answers every later message without a request;</li>
 *   <li>{@link #apply(ContactUpdate)}: identity changes (old and new phone or BSUID) and the Business app's contacts
 *       (names, removals) from Meta's webhooks, durable before the webhook is acknowledged;</li>
 *   <li>{@link #expand(String, String, String)}: the read paths (messages API, conversation history of the AI reply)
 *       turn a chat id into every id linked to it, transitively.</li>
 * </ul>
 * Elasticsearch here has no scripts: a link is read-modify-write with {@code if_seq_no}/{@code if_primary_term} (or
 * create-if-absent), retried on a conflict, so concurrent writers never lose an id.
 */
public class IdentityLinks {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /**
     * @param names the names cache whose memory is renamed when ids are linked (optional: without it only the index
     *              is updated); set by reference ({@code names: "#bean:enrichmentCache"}, routes/beans.camel.yaml)
     */
    public void setNames(EnrichmentCache names) {
        this.names = names;
    }

    private static final Logger LOG = LoggerFactory.getLogger(IdentityLinks.class);
    private static final int WRITE_ATTEMPTS = 5;

    private long cacheSize = 100_000;
    private int maxLinkedIds = 50;
    private int maxDepth = 4;
    private Cache<String, Boolean> written;
    private EnrichmentCache names;

    private synchronized Cache<String, Boolean> written() {
        if (written == null) {
            written = Caffeine.newBuilder().maximumSize(cacheSize).build();
        }
        return written;
    }

    /**
     * Links the sender's phone and BSUID of a message that carries both ({@code sender_phone} and
     * {@code sender_user_id}), once per pair and instance. Best effort: a failure is logged (rate-limited) and the link
     * is written by a later message; the message itself is never failed by it.
     *
     * @param message the canonical message (unchanged)
     */
    public void learn(CanonicalMessage message) {
        MessageDetails d = message.details();
        if (d.senderUserId() == null || d.senderPhone() == null || d.senderUserId().equals(d.senderPhone())) {
            return;
        }
        try {
            link(message.provider(), message.accountId(), List.of(d.senderPhone(), d.senderUserId()));
        } catch (RuntimeException e) {
            RateLimitedLog.warn(LOG, "identity-link:" + message.provider(),
                    "Could not link ids {} of {} now; a later message links them: {}",
                    LogMask.id(d.senderPhone()), message.provider(), e.toString());
        }
    }

    /**
     * Applies a contact update: links its ids, then names the contact (action {@code name}) or forgets its name
     * (action {@code forget}) in the names cache and index.
     *
     * @param update the update
     * @return the outcome word of the webhook's answer: {@code contact_updated}
     * @throws StoreUnavailableException when Elasticsearch cannot take it (the webhook is answered 503 and redelivered)
     */
    public String apply(ContactUpdate update) {
        if (!ContactUpdate.FORGET.equals(update.action())) {
            link(update.provider(), update.accountId(), update.ids());
        }
        EnrichmentCache cache = names;
        if (cache != null && ContactUpdate.NAME.equals(update.action()) && update.name() != null) {
            for (String id : update.ids()) {
                cache.rename(update.provider(), update.accountId(), id, update.name());
            }
        } else if (cache != null && ContactUpdate.FORGET.equals(update.action())) {
            for (String id : update.ids()) {
                cache.rename(update.provider(), update.accountId(), id, null);
            }
        }
        LOG.info("{} contact update {} ({}): {} id(s) of account {}", update.provider(), update.event(),
                update.action(), update.ids().size(), LogMask.id(update.accountId()));
        return "contact_updated";
    }

    /**
     * Links ids as one person: each id's chat document in the names index gets the others in {@code linked_ids}.
     * Cache-first: a set of ids written before (by this instance) costs nothing.
     *
     * @param provider  provider id
     * @param accountId our account
     * @param ids       the person's ids (at least two to link anything)
     * @throws StoreUnavailableException when Elasticsearch cannot take the link
     */
    public void link(String provider, String accountId, Collection<String> ids) {
        Set<String> all = new TreeSet<>();
        for (String id : ids) {
            if (id != null && !id.isBlank()) {
                all.add(id);
            }
        }
        if (all.size() < 2) {
            return;
        }
        String cacheKey = provider + ":" + accountId + ":" + String.join("|", all);
        if (written().getIfPresent(cacheKey) != null) {
            return;
        }
        for (String id : all) {
            Set<String> others = new TreeSet<>(all);
            others.remove(id);
            addLinks(provider, accountId, id, others);
        }
        written().put(cacheKey, Boolean.TRUE);
    }

    private void addLinks(String provider, String accountId, String id, Set<String> others) {
        String docId = EnrichmentCache.key(provider, accountId, "chat", id);
        String index = store.getNamesIndex();
        for (int attempt = 1; ; attempt++) {
            try {
                GetResponse<ObjectNode> current = store.client().get(g -> g.index(index).id(docId), ObjectNode.class);
                Set<String> linked = new TreeSet<>(others);
                if (current.found() && current.source() != null) {
                    current.source().path("linked_ids").forEach(n -> linked.add(n.asText()));
                }
                linked.remove(id);
                if (current.found() && current.source() != null
                        && linked.size() == current.source().path("linked_ids").size()) {
                    return; // nothing new
                }
                ObjectNode doc = JsonNodeFactory.instance.objectNode();
                doc.putArray("linked_ids").addAll(linked.stream()
                        .map(doc::textNode).collect(java.util.stream.Collectors.toList()));
                doc.put("updated_at", Instant.now().toString());
                if (current.found()) {
                    store.client().update(u -> u.index(index).id(docId).doc(doc).requireAlias(true)
                            .ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm()), ObjectNode.class);
                } else {
                    doc.put("provider", provider).put("account_id", accountId).put("kind", "chat").put("id", id);
                    store.client().create(c -> c.index(index).id(docId).document(doc).requireAlias(true));
                }
                return;
            } catch (ElasticsearchException e) {
                if (e.status() == 409 && attempt < WRITE_ATTEMPTS) {
                    continue; // someone wrote the document since we read it: read it again
                }
                throw new StoreUnavailableException("cannot link " + LogMask.id(id) + " in " + index, e);
            } catch (IOException | RuntimeException e) {
                throw new StoreUnavailableException("cannot link " + LogMask.id(id) + " in " + index, e);
            }
        }
    }

    /**
     * Every id linked to a chat id, transitively (a phone to its BSUID, that BSUID to the one that replaced it), up to
     * {@code maxDepth} hops and {@code maxLinkedIds} ids.
     *
     * @param provider  provider id, or null for any
     * @param accountId our account, or null for any
     * @param chatId    a chat id (phone, BSUID, ...)
     * @return the chat id first, then the ids linked to it; just the chat id when none (or the index cannot answer:
     *         a read is never failed by its links)
     */
    public List<String> expand(String provider, String accountId, String chatId) {
        Set<String> seen = new LinkedHashSet<>();
        seen.add(chatId);
        List<String> frontier = List.of(chatId);
        try {
            for (int depth = 0; depth < maxDepth && !frontier.isEmpty() && seen.size() < maxLinkedIds; depth++) {
                List<String> next = new ArrayList<>();
                for (JsonNode doc : chatDocs(provider, accountId, frontier)) {
                    for (JsonNode linked : doc.path("linked_ids")) {
                        if (seen.size() < maxLinkedIds && seen.add(linked.asText())) {
                            next.add(linked.asText());
                        }
                    }
                }
                frontier = next;
            }
        } catch (IOException | RuntimeException e) {
            RateLimitedLog.warn(LOG, "identity-expand", "Linked ids of a chat could not be read; the chat's own id"
                    + " is searched: {}", e.toString());
        }
        return new ArrayList<>(seen);
    }

    /** The names index's chat documents of the ids: real-time by _id when provider and account are known. */
    private List<JsonNode> chatDocs(String provider, String accountId, List<String> ids) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        String index = store.getNamesIndex();
        if (provider != null && accountId != null) {
            List<String> docIds = ids.stream().map(id -> EnrichmentCache.key(provider, accountId, "chat", id)).toList();
            for (var item : store.client().mget(m -> m.index(index).ids(docIds), ObjectNode.class).docs()) {
                if (item.isResult() && item.result().found() && item.result().source() != null) {
                    docs.add(item.result().source());
                }
            }
            return docs;
        }
        List<Query> filters = new ArrayList<>();
        filters.add(Query.of(q -> q.terms(t -> t.field("id")
                .terms(v -> v.value(ids.stream().map(FieldValue::of).toList())))));
        filters.add(Query.of(q -> q.term(t -> t.field("kind").value("chat"))));
        if (provider != null) {
            filters.add(Query.of(q -> q.term(t -> t.field("provider").value(provider))));
        }
        if (accountId != null) {
            filters.add(Query.of(q -> q.term(t -> t.field("account_id").value(accountId))));
        }
        SearchResponse<ObjectNode> r = store.client().search(s -> s.index(index).size(maxLinkedIds)
                .ignoreUnavailable(true).allowNoIndices(true)
                .source(src -> src.filter(f -> f.includes("linked_ids")))
                .query(q -> q.bool(b -> b.filter(filters))), ObjectNode.class);
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            if (hit.source() != null) {
                docs.add(hit.source());
            }
        }
        return docs;
    }

    /** Forgets which links this instance wrote (a restart's state); the index keeps them. */
    public void invalidateMemory() {
        written().invalidateAll();
    }

    /** @param cacheSize how many written links are remembered in memory, in entries */
    public void setCacheSize(long cacheSize) {
        this.cacheSize = cacheSize;
    }

    /** @param maxLinkedIds the most ids a chat id expands to (itself included) */
    public void setMaxLinkedIds(int maxLinkedIds) {
        this.maxLinkedIds = maxLinkedIds;
    }

    /** @param maxDepth how many links deep a chat id is expanded */
    public void setMaxDepth(int maxDepth) {
        this.maxDepth = maxDepth;
    }
}
