package io.wagateway.deadletter;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import io.wagateway.api.BadRequestException;
import io.wagateway.api.QueryParams;
import io.wagateway.reply.ReplyOutbox;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin side of the dead-letter channel ({@code routes/admin.camel.yaml}, under {@code /admin}, bearer token
 * {@code ADMIN_TOKEN}; off when no token is configured): list dead letters by provider, route, reason, time and error
 * text; replay one or all matching; delete one.
 *
 * <p>Replaying a webhook sends its exact raw bytes through the provider's {@code direct:<provider>-payload} route —
 * the same idempotent path as live traffic (signatures were checked when it first arrived), so replaying twice never
 * duplicates a message. Replaying a failed AI reply puts its outbox entry back to {@code pending}; it is sent at most
 * once.
 */
public class DeadLetterAdmin extends io.wagateway.api.AdminBean {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterAdmin.class);
    private static final int MAX_REPLAY = 1000;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;
    private static final int MAX_ERROR_CHARS = 1000;
    /** What the list shows of each dead letter: never its raw body or headers (fetch one whole by id). */
    public static final List<String> SUMMARY_FIELDS = List.of("provider", "tenant", "route_id", "reason", "ref", "error",
            "exception_class", "content_type", "attempts", "received_at", "raw_body_bytes", "replays", "replayed_at",
            "replay_outcome");
    private volatile boolean idMapped;

    private final ObjectMapper mapper = JsonMapperFactory.create();
    private ReplyOutbox replyOutbox;
    private io.wagateway.media.MediaDownloads mediaDownloads;

    /** @param mediaDownloads the download jobs a failed download's dead letter is reset in on replay */
    public void setMediaDownloads(io.wagateway.media.MediaDownloads mediaDownloads) {
        this.mediaDownloads = mediaDownloads;
    }

    /** @param replyOutbox the outbox a failed AI reply's dead letter is requeued in on replay */
    public void setReplyOutbox(ReplyOutbox replyOutbox) {
        this.replyOutbox = replyOutbox;
    }

    /**
     * Lists dead letters, newest first, as summaries (never their raw bodies or headers: {@link #SUMMARY_FIELDS}), a
     * page at a time. Query parameters (all optional): {@code provider} (a provider id, {@link QueryParams#PROVIDER_ID}, or
     * {@code unknown}), {@code route}, {@code reason}, {@code error} (words of the error text), {@code from}/{@code to}
     * (ISO-8601 times of {@code received_at}), {@code size} (1-500, default 50), {@code after} (the {@code next}
     * cursor of the previous page).
     *
     * @param exchange the admin request
     * @return JSON {@code {"total":n,"size":k,"items":[{id, provider, route_id, reason, ref, error, exception_class,
     *         content_type, attempts, received_at, raw_body_bytes, replays, replayed_at, replay_outcome}],
     *         "next":cursor|null}}; {@code next} is null on the last page
     * @throws BadRequestException (400) for a parameter it cannot use
     */
    public String list(Exchange exchange) {
        QueryParams params = QueryParams.of(exchange);
        int size = params.integer("size", DEFAULT_PAGE, 1, MAX_PAGE);
        List<FieldValue> after = io.wagateway.api.SearchCursor.parse(params.text("after", 1000));
        Query query = filter(params);
        ensureIdMapping();
        return summaryPage(store.getDeadLettersIndex(), SUMMARY_FIELDS, "id", query, size, after, "dead letters",
                hit -> {
                    ObjectNode item = hit.source() == null ? mapper.createObjectNode() : hit.source();
                    item.put("id", hit.id());
                    JsonNode error = item.get("error");
                    if (error != null && error.isTextual() && error.asText().length() > MAX_ERROR_CHARS) {
                        item.put("error", error.asText().substring(0, MAX_ERROR_CHARS) + "...");
                    }
                    return item;
                });
    }

    /**
     * @param id dead-letter id
     * @return the whole dead letter as JSON (raw body included)
     * @throws AdminAccessException 404 when there is no such dead letter
     * @throws BadRequestException (400) when {@code id} is blank or longer than 512 bytes
     */
    public String get(String id) {
        checkId(id, "dead letter");
        ObjectNode doc = read(id);
        doc.put("id", id);
        return doc.toString();
    }

    /**
     * Replays one dead letter.
     *
     * @param id dead-letter id
     * @return JSON {@code {"id":..,"outcome":..}}: the webhook's answer summary, {@code requeued} for an AI reply, a send
     *         or a media download (its job reset to pending),
     *         or {@code {"id":..,"error":..}} when it failed again
     * @throws AdminAccessException 404 when there is no such dead letter
     */
    public String replay(String id) {
        checkId(id, "dead letter");
        ObjectNode doc = read(id);
        ObjectNode result = mapper.createObjectNode().put("id", id);
        try {
            String outcome;
            String reason = doc.path("reason").asText();
            if (("auto-reply-failed".equals(reason) || "send-failed".equals(reason)) && doc.hasNonNull("ref")) {
                String ref = doc.get("ref").asText();
                outcome = replyOutbox.requeue(ref) ? "requeued" : "nothing to resend";
                if ("requeued".equals(outcome)) {
                    // an AI reply's worker, or the send API's (routes/send-message.camel.yaml)
                    String worker = "send-failed".equals(reason) ? "seda:send-message" : "seda:auto-reply";
                    producer().sendBody(worker + "?waitForTaskToComplete=Never&size=10000", ref);
                }
            } else if ("media-download-failed".equals(reason) && doc.hasNonNull("ref") && mediaDownloads != null) {
                // a failed media download (routes/media.camel.yaml): its job back to pending, to a download worker
                io.wagateway.media.MediaItem item = mediaDownloads.requeue(doc.get("ref").asText());
                outcome = item != null ? "requeued" : "nothing to download";
                if (item != null) {
                    producer().sendBody("seda:media-download?waitForTaskToComplete=Never"
                            + "&size={{gateway.media.queue-size:10000}}", item);
                }
            } else if (doc.hasNonNull("raw_body_base64")) {
                byte[] raw = Base64.getDecoder().decode(doc.get("raw_body_base64").asText());
                String provider = doc.path("provider").asText();
                // a tenant path's webhook (tenant recorded by DeadLetterStore) is qualified as it would have been
                outcome = refeed(provider, doc.hasNonNull("tenant") ? doc.get("tenant").asText() : null,
                        doc.path("tenant_entry").asText(""), raw);
            } else {
                throw new IllegalStateException("this dead letter has no raw body to replay");
            }
            result.put("outcome", outcome);
            mark(id, doc, outcome);
        } catch (Exception e) {
            result.put("error", e.getMessage());
            mark(id, doc, "failed again: " + e.getMessage());
        }
        LOG.info("Dead letter {} replayed: {}", id, result);
        return result.toString();
    }

    /**
     * Replays every dead letter matching the same filters as {@link #list} ({@code provider}, {@code route},
     * {@code reason}, {@code error}, {@code from}, {@code to}), at most 1,000 per call, newest first. Only their ids are
     * searched; each is then read whole and replayed one at a time.
     *
     * @param exchange the admin request
     * @return JSON {@code {"matched":n,"results":[...]}}
     * @throws BadRequestException (400) for a parameter it cannot use
     */
    public String replayAll(Exchange exchange) {
        Query query = filter(QueryParams.of(exchange));
        SearchResponse<Void> r;
        try {
            store.client().indices().refresh(rf -> rf.index(store.getDeadLettersIndex()));
            r = store.client().search(s -> s.index(store.getDeadLettersIndex()).size(MAX_REPLAY)
                    .source(src -> src.fetch(false))
                    .sort(so -> so.field(f -> f.field("received_at").order(SortOrder.Desc)))
                    .query(query), Void.class);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search dead letters", e);
        }
        ObjectNode out = mapper.createObjectNode();
        ArrayNode results = out.putArray("results");
        for (Hit<Void> hit : r.hits().hits()) {
            try {
                results.add(mapper.readTree(replay(hit.id())));
            } catch (IOException | RuntimeException e) {
                results.addObject().put("id", hit.id()).put("error", String.valueOf(e.getMessage()));
            }
        }
        out.put("matched", results.size());
        return out.toString();
    }

    /**
     * @param id dead-letter id
     * @return JSON {@code {"id":..,"deleted":true}}
     * @throws AdminAccessException 404 when there is no such dead letter
     */
    public String delete(String id) {
        checkId(id, "dead letter");
        read(id);
        try {
            store.client().delete(d -> d.index(store.getDeadLettersIndex()).id(id).refresh(
                    co.elastic.clients.elasticsearch._types.Refresh.True));
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot delete dead letter " + id, e);
        }
        return mapper.createObjectNode().put("id", id).put("deleted", true).toString();
    }

    private static Query filter(QueryParams params) {
        List<Query> filters = new ArrayList<>();
        term(filters, "provider", params.providerId("provider"));
        term(filters, "tenant", params.term("tenant"));
        term(filters, "route_id", params.term("route"));
        term(filters, "reason", params.term("reason"));
        timeRange(filters, params, "received_at");
        String error = params.text("error", QueryParams.MAX_TEXT_CHARS);
        BoolQuery.Builder bool = new BoolQuery.Builder().filter(filters);
        if (error != null) {
            bool.must(m -> m.match(mt -> mt.field("error").query(error)));
        }
        return Query.of(q -> q.bool(bool.build()));
    }

    /**
     * Maps {@code id} (a keyword, the list's tie-breaker) on the dead-letter index once: indices created before it was
     * in {@code dead-letters-mapping.json} lack it. Adding a field to a mapping is allowed; failures are only logged.
     */
    private void ensureIdMapping() {
        if (idMapped) {
            return;
        }
        try {
            store.client().indices().putMapping(m -> m.index(store.getDeadLettersIndex())
                    .properties("id", pr -> pr.keyword(k -> k)));
            idMapped = true;
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot map id on the dead-letter index: {}", e.toString());
        }
    }

    private ObjectNode read(String id) {
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(store.getDeadLettersIndex()).id(id),
                    ObjectNode.class);
            if (!r.found()) {
                throw new AdminAccessException(404, "no dead letter " + id);
            }
            return r.source();
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read dead letter " + id, e);
        }
    }

    private void mark(String id, ObjectNode doc, String outcome) {
        ObjectNode updated = doc.deepCopy();
        updated.put("replayed_at", Instant.now().toString());
        updated.put("replay_outcome", outcome);
        updated.put("replays", doc.path("replays").asInt() + 1);
        try {
            store.client().index(i -> i.index(store.getDeadLettersIndex()).id(id).document(updated)
                    .requireAlias(true));
        } catch (IOException e) {
            LOG.warn("replay of {} done but not recorded: {}", id, e.toString());
        }
    }
}
