package io.wagateway.reply;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.IndexResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import io.wagateway.store.WriteOutcome;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI-reply outbox: one Elasticsearch document per inbound message that deserves a reply ({@code _id} = the
 * inbound message's document id, created create-if-absent), moved through
 * {@code pending → claimed → sending → sent | failed | unknown} with optimistic concurrency
 * ({@code if_seq_no}/{@code if_primary_term}), so provider redeliveries, restarts and several gateway instances never
 * send twice.
 * <ul>
 *   <li>{@code claimed}: a worker holds it until {@code lease_until}; it is safe to redo (nothing was sent), so an
 *       expired claim (the worker died) is claimed again;</li>
 *   <li>{@code sending}: the provider call is in flight. If the worker dies here nobody can know whether the provider
 *       accepted the message: an expired {@code sending} entry follows {@code unknownPolicy} — {@code mark-unknown}
 *       (default: state {@code unknown}, never resent) or {@code resend}.</li>
 * </ul>
 */
public class ReplyOutbox {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReplyOutbox.class);

    private String repliesIndex = "whatsapp-replies";
    private long leaseMs = 300_000;
    private String unknownPolicy = "mark-unknown";
    private final String instanceId = ManagementFactory.getRuntimeMXBean().getName() + "/"
            + UUID.randomUUID().toString().substring(0, 8);
    private Clock clock = Clock.systemUTC();
    private volatile boolean indexReady;

    private synchronized void ensureIndex() {
        if (!indexReady) {
            store.ensureIndex(repliesIndex, "elasticsearch/replies-mapping.json");
            indexReady = true;
        }
    }

    /** Creates the outbox index if missing (at start, so operators can query it at once). */
    public void start() {
        ensureIndex();
    }

    /** Forgets that the index exists (after it was deleted). */
    public void resetIndex() {
        indexReady = false;
    }

    /**
     * Records that a message deserves a reply (create-if-absent, group-committed with other writes).
     *
     * @param message   the stored inbound message
     * @param fixedText the answer of a matching keyword rule, or null for an LLM answer
     * @return completes with {@code created} (a worker should take it now) or {@code exists} (recorded before, by
     *         this or another instance: nothing to do)
     */
    public CompletableFuture<String> enqueue(CanonicalMessage message, String fixedText) {
        ensureIndex();
        ObjectNode doc = store.objectMapper().createObjectNode();
        doc.put("provider", message.provider());
        doc.put("account_id", message.accountId());
        doc.put("chat_id", message.chatId());
        doc.put("chat_type", message.chatType());
        doc.put("inbound_message_id", message.messageId());
        doc.put("inbound_text", message.text());
        doc.put("state", "pending");
        doc.put("mode", fixedText == null ? "llm" : "keyword");
        doc.put("fixed_text", fixedText);
        doc.put("attempts", 0);
        String now = clock.instant().toString();
        doc.put("created_at", now);
        doc.put("updated_at", now);
        return store.createDocument(repliesIndex, message.documentId(), doc)
                .thenApply(o -> o == WriteOutcome.STORED ? "created" : "exists");
    }

    /**
     * Records a message to send through the send API (issue 19, contract C2): create-if-absent on the outbound id,
     * which makes the outbox the idempotency point of a retried {@code Idempotency-Key}.
     *
     * @param id       the outbound id ({@code {provider}:{account_id}:out:{key}}, also the message document's _id)
     * @param request  the flat send request (contract C1), kept as {@code request}
     * @param chatType {@code direct} or {@code group}
     * @return completes with {@code created} (a worker should take it now) or {@code exists} (recorded before)
     */
    public CompletableFuture<String> enqueueSend(String id, ObjectNode request, String chatType) {
        return enqueueSend(id, request, chatType, null);
    }

    /**
     * {@link #enqueueSend(String, ObjectNode, String)} of a request an operator made (issue 21).
     *
     * @param id       outbound id
     * @param request  the checked flat request
     * @param chatType the chat's type
     * @param operator the named operator who sent it (recorded as {@code operator}), or null
     * @return completes with {@code created} or {@code exists}
     */
    public CompletableFuture<String> enqueueSend(String id, ObjectNode request, String chatType, String operator) {
        ensureIndex();
        ObjectNode doc = store.objectMapper().createObjectNode();
        doc.put("kind", "send");
        doc.put("provider", request.path("provider").asText());
        doc.put("account_id", request.path("account_id").asText());
        doc.put("chat_id", request.path("chat_id").asText());
        doc.put("chat_type", chatType);
        if (operator != null) {
            doc.put("operator", operator);
        }
        doc.set("request", request);
        doc.put("state", "pending");
        doc.put("attempts", 0);
        String now = clock.instant().toString();
        doc.put("created_at", now);
        doc.put("updated_at", now);
        return store.createDocument(repliesIndex, id, doc)
                .thenApply(o -> o == WriteOutcome.STORED ? "created" : "exists");
    }

    /**
     * Claims an entry for this worker: a {@code pending} entry, or a {@code claimed} one whose lease expired. An
     * expired {@code sending} entry is handled by {@code unknownPolicy} instead.
     *
     * @param id outbox id
     * @return the claimed task, or null when there is nothing to do here (sent, failed, claimed by another worker or
     *         instance, or lost the race)
     */
    public ReplyTask claim(String id) {
        ensureIndex();
        ReplyTask current = read(id);
        if (current == null) {
            return null;
        }
        String state = current.doc().path("state").asText();
        boolean expired = leaseExpired(current.doc());
        if ("sending".equals(state) && expired) {
            if (!"resend".equals(unknownPolicy)) {
                ObjectNode doc = current.doc().deepCopy();
                doc.put("state", "unknown");
                doc.put("error", "the process stopped while the provider call was in flight; not resent (policy "
                        + unknownPolicy + ")");
                if (write(current, doc) != null) { // else another worker or instance marked it first
                    LOG.warn("Reply {} left in 'sending' by a stopped worker: marked unknown, not resent", id);
                    Metrics.counter("gateway.replies", "provider", current.provider(), "outcome", "unknown").increment();
                }
                return null;
            }
            LOG.warn("Reply {} left in 'sending' by a stopped worker: resent (policy resend)", id);
        } else if (!"pending".equals(state) && !("claimed".equals(state) && expired)) {
            return null;
        }
        ObjectNode doc = current.doc().deepCopy();
        doc.put("state", "claimed");
        doc.put("claimed_by", instanceId);
        doc.put("lease_until", clock.instant().plusMillis(leaseMs).toString());
        doc.put("attempts", doc.path("attempts").asInt() + 1);
        return write(current, doc);
    }

    /**
     * Moves a claimed task to {@code sending} just before the provider call, keeping the text being sent.
     *
     * @param task the claimed task
     * @param text the reply text
     * @return the task at its new version
     * @throws ClaimLostException when another worker changed the entry meanwhile (this worker must not send)
     */
    public ReplyTask markSending(ReplyTask task, String text) {
        ObjectNode doc = task.doc().deepCopy();
        doc.put("state", "sending");
        doc.put("reply_text", text);
        doc.put("lease_until", clock.instant().plusMillis(leaseMs).toString());
        ReplyTask next = write(task, doc);
        if (next == null) {
            throw new ClaimLostException(task.id());
        }
        return next;
    }

    /**
     * Records the provider's acceptance.
     *
     * @param task              the task in {@code sending}
     * @param providerMessageId the provider's id of the sent message, may be null
     * @return the task at its new version, or null when the entry was changed meanwhile (logged)
     */
    public ReplyTask markSent(ReplyTask task, String providerMessageId) {
        ObjectNode doc = task.doc().deepCopy();
        doc.put("state", "sent");
        doc.put("provider_message_id", providerMessageId);
        doc.put("sent_at", clock.instant().toString());
        doc.remove("lease_until");
        ReplyTask next = write(task, doc);
        Metrics.counter("gateway.replies", "provider", task.provider(), "outcome", "sent").increment();
        if (next == null) {
            LOG.warn("Reply {} was sent but its outbox entry changed meanwhile", task.id());
        }
        return next;
    }

    /**
     * Marks an entry failed (retries exhausted, circuit open, provider rejected): it is never retried automatically;
     * the failure is also kept in the dead-letter store by the route. An entry another worker owns meanwhile, or one
     * already sent, is left alone.
     *
     * @param id    outbox id
     * @param error what failed
     */
    public void markFailed(String id, String error) {
        ReplyTask current = read(id);
        if (current == null || !ownedOrFree(current)) {
            return;
        }
        ObjectNode doc = current.doc().deepCopy();
        doc.put("state", "failed");
        doc.put("error", error);
        doc.remove("lease_until");
        if (write(current, doc) != null) {
            Metrics.counter("gateway.replies", "provider", current.provider(), "outcome", "failed").increment();
        }
    }

    /**
     * Puts an entry whose LLM answer could not be had back to {@code pending} with a fixed fallback text, so a worker
     * sends that instead.
     *
     * @param id   outbox id
     * @param text the fallback text
     * @return the id, for the worker queue
     */
    public String useFallback(String id, String text) {
        ReplyTask current = read(id);
        if (current != null && ownedOrFree(current)) {
            ObjectNode doc = current.doc().deepCopy();
            doc.put("state", "pending");
            doc.put("mode", "fallback");
            doc.put("fixed_text", text);
            doc.remove("lease_until");
            write(current, doc);
        }
        return id;
    }

    /**
     * Puts a {@code failed} or {@code unknown} entry back to {@code pending} (an operator's replay); a sent entry is
     * left alone, so a replay never sends a reply twice.
     *
     * @param id outbox id
     * @return true when the entry is pending again and should be handed to a worker
     */
    public boolean requeue(String id) {
        ReplyTask current = read(id);
        if (current == null) {
            return false;
        }
        String state = current.doc().path("state").asText();
        if (!"failed".equals(state) && !"unknown".equals(state) && !"pending".equals(state)) {
            return false;
        }
        ObjectNode doc = current.doc().deepCopy();
        doc.put("state", "pending");
        doc.remove("lease_until");
        return write(current, doc) != null;
    }

    /** Not sent yet, and not held by another worker. */
    private boolean ownedOrFree(ReplyTask task) {
        String state = task.doc().path("state").asText();
        if ("sent".equals(state) || "unknown".equals(state)) {
            return false;
        }
        boolean held = "claimed".equals(state) || "sending".equals(state);
        return !held || instanceId.equals(task.doc().path("claimed_by").asText()) || leaseExpired(task.doc());
    }

    /**
     * Entries a worker should (re)try: {@code pending}, and {@code claimed}/{@code sending} whose lease expired.
     *
     * @param max at most this many ids
     * @return outbox ids, oldest first
     */
    public List<String> recoverable(int max) {
        return recoverable(max, null);
    }

    /**
     * As {@link #recoverable(int)}, of one kind of entry only.
     *
     * @param max  at most this many ids
     * @param kind {@code send} (send API entries), {@code reply} (AI replies: every other entry) or null (all)
     * @return outbox ids, oldest first
     */
    public List<String> recoverable(int max, String kind) {
        ensureIndex();
        String now = clock.instant().toString();
        try {
            SearchResponse<JsonNode> r = store.client().search(s -> s.index(repliesIndex).size(max)
                    .sort(so -> so.field(f -> f.field("created_at")))
                    .query(q -> q.bool(b -> b
                            .should(sh -> sh.term(t -> t.field("state").value("pending")))
                            .should(sh -> sh.bool(bb -> bb
                                    .filter(f -> f.terms(t -> t.field("state").terms(v -> v.value(List.of(
                                            co.elastic.clients.elasticsearch._types.FieldValue.of("claimed"),
                                            co.elastic.clients.elasticsearch._types.FieldValue.of("sending"))))))
                                    .filter(f -> f.range(rg -> rg.date(d -> d.field("lease_until").lt(now))))))
                            .minimumShouldMatch("1")
                            .filter(f -> "send".equals(kind) ? f.term(t -> t.field("kind").value("send"))
                                    : f.matchAll(m -> m))
                            .mustNot(n -> "reply".equals(kind) ? n.term(t -> t.field("kind").value("send"))
                                    : n.matchNone(m -> m)))), JsonNode.class);
            List<String> ids = new ArrayList<>();
            for (Hit<JsonNode> hit : r.hits().hits()) {
                ids.add(hit.id());
            }
            return ids;
        } catch (ElasticsearchException e) {
            if ("index_not_found_exception".equals(e.error().type())) {
                indexReady = false; // deleted under us (tests, an operator): recreated on the next call
                return List.of();
            }
            throw e;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search the reply outbox", e);
        }
    }

    /**
     * @param id outbox id
     * @return the entry as stored, or null
     */
    public ReplyTask read(String id) {
        ensureIndex();
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(repliesIndex).id(id), ObjectNode.class);
            if (!r.found()) {
                return null;
            }
            return new ReplyTask(id, r.seqNo(), r.primaryTerm(), r.source());
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read reply " + id, e);
        }
    }

    /** Writes {@code doc} only if the entry is still at {@code base}'s version; null when it was not. */
    private ReplyTask write(ReplyTask base, ObjectNode doc) {
        doc.put("updated_at", clock.instant().toString());
        try {
            IndexResponse r = store.client().index(i -> i.index(repliesIndex).id(base.id()).document(doc)
                    .requireAlias(true).ifSeqNo(base.seqNo()).ifPrimaryTerm(base.primaryTerm()));
            return new ReplyTask(base.id(), r.seqNo(), r.primaryTerm(), doc);
        } catch (ElasticsearchException e) {
            if (e.status() == 409) {
                return null;
            }
            if (e.status() == 404) { // the alias is missing (require_alias): re-created before the next write
                indexReady = false;
                throw new StoreUnavailableException("cannot update reply " + base.id() + ": " + e.getMessage(), e);
            }
            throw e;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot update reply " + base.id(), e);
        }
    }

    private boolean leaseExpired(JsonNode doc) {
        JsonNode lease = doc.get("lease_until");
        return lease == null || lease.isNull() || Instant.parse(lease.asText()).isBefore(clock.instant());
    }

    /** @return this instance's worker identity, written to {@code claimed_by} */
    public String instanceId() {
        return instanceId;
    }

    /** @param clock the clock leases are measured with (tests move it) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }





    /** @param repliesIndex alias of the outbox index */
    public void setRepliesIndex(String repliesIndex) {
        this.repliesIndex = repliesIndex;
    }

    /** @return alias of the outbox index */
    public String getRepliesIndex() {
        return repliesIndex;
    }

    /** @param leaseMs how long a claim or an in-flight send holds an entry before it counts as abandoned, in ms */
    public void setLeaseMs(long leaseMs) {
        this.leaseMs = leaseMs;
    }

    /** @param unknownPolicy {@code mark-unknown} (default, never resend) or {@code resend} */
    public void setUnknownPolicy(String unknownPolicy) {
        this.unknownPolicy = unknownPolicy;
    }
}
