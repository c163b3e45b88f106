package io.wagateway.deadletter;

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
import io.wagateway.reply.ReplyOutbox;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreAwareBean;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
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
public class DeadLetterAdmin extends StoreAwareBean {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterAdmin.class);
    private static final int MAX_REPLAY = 1000;

    private String token;
    private final ObjectMapper mapper = JsonMapperFactory.create();
    private ProducerTemplate producer;

    /**
     * @param authorization the request's {@code Authorization} header
     * @throws AdminAccessException 404 when admin endpoints are off, 401 when the bearer token is missing or wrong
     */
    public void authorize(String authorization) {
        if (token == null || token.isBlank()) {
            throw new AdminAccessException(404, "admin endpoints are off (ADMIN_TOKEN not set)");
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new AdminAccessException(401, "missing or wrong bearer token");
        }
    }

    /**
     * Lists dead letters, newest first. Filters (request query parameters, all optional): {@code provider},
     * {@code route}, {@code reason}, {@code error} (words of the error text), {@code from}/{@code to} (ISO-8601
     * times of {@code received_at}), {@code size} (default 50, at most 500).
     *
     * @param exchange the admin request
     * @return JSON {@code {"total":n,"items":[{id, provider, route_id, reason, ref, error, attempts, received_at,
     *         raw_body_bytes, replayed_at, replay_outcome}]}}
     */
    public String list(Exchange exchange) {
        int size = Math.min(500, exchange.getMessage().getHeader("size", 50, Integer.class));
        SearchResponse<ObjectNode> r = search(exchange, size);
        ObjectNode out = mapper.createObjectNode();
        out.put("total", r.hits().total() == null ? r.hits().hits().size() : r.hits().total().value());
        ArrayNode items = out.putArray("items");
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            ObjectNode item = hit.source().deepCopy();
            item.put("id", hit.id());
            item.remove("raw_body");
            item.remove("raw_body_base64");
            item.remove("headers");
            items.add(item);
        }
        return out.toString();
    }

    /**
     * @param id dead-letter id
     * @return the whole dead letter as JSON (raw body included)
     * @throws AdminAccessException 404 when there is no such dead letter
     */
    public String get(String id) {
        ObjectNode doc = read(id);
        doc.put("id", id);
        return doc.toString();
    }

    /**
     * Replays one dead letter.
     *
     * @param id dead-letter id
     * @return JSON {@code {"id":..,"outcome":..}}: the webhook's answer summary, {@code requeued} for an AI reply,
     *         or {@code {"id":..,"error":..}} when it failed again
     * @throws AdminAccessException 404 when there is no such dead letter
     */
    public String replay(String id) {
        ObjectNode doc = read(id);
        ObjectNode result = mapper.createObjectNode().put("id", id);
        try {
            String outcome;
            if ("auto-reply-failed".equals(doc.path("reason").asText()) && doc.hasNonNull("ref")) {
                ReplyOutbox outbox = getCamelContext().getRegistry().findSingleByType(ReplyOutbox.class);
                String ref = doc.get("ref").asText();
                outcome = outbox.requeue(ref) ? "requeued" : "nothing to resend";
                if ("requeued".equals(outcome)) {
                    producer().sendBody("seda:auto-reply?waitForTaskToComplete=Never&size=10000", ref);
                }
            } else if (doc.hasNonNull("raw_body_base64")) {
                byte[] raw = Base64.getDecoder().decode(doc.get("raw_body_base64").asText());
                String provider = doc.path("provider").asText();
                Exchange answer = producer().request("direct:" + provider + "-payload", e -> {
                    e.setProperty("provider", provider);
                    e.setProperty("rawBody", raw);
                    e.getMessage().setBody(raw);
                });
                if (answer.getException() != null) {
                    throw answer.getException();
                }
                outcome = io.wagateway.inbound.WebhookOutcomes.summary(answer);
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
     * Replays every dead letter matching the same filters as {@link #list} (at most 1,000 per call).
     *
     * @param exchange the admin request
     * @return JSON {@code {"matched":n,"results":[...]}}
     */
    public String replayAll(Exchange exchange) {
        SearchResponse<ObjectNode> r = search(exchange, MAX_REPLAY);
        ObjectNode out = mapper.createObjectNode();
        ArrayNode results = out.putArray("results");
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            try {
                results.add(mapper.readTree(replay(hit.id())));
            } catch (IOException e) {
                results.addObject().put("id", hit.id()).put("error", e.getMessage());
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
        read(id);
        try {
            store().client().delete(d -> d.index(store().getDeadLettersIndex()).id(id).refresh(
                    co.elastic.clients.elasticsearch._types.Refresh.True));
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot delete dead letter " + id, e);
        }
        return mapper.createObjectNode().put("id", id).put("deleted", true).toString();
    }

    private SearchResponse<ObjectNode> search(Exchange exchange, int size) {
        Map<String, Object> h = exchange.getMessage().getHeaders();
        List<Query> filters = new ArrayList<>();
        term(filters, "provider", h.get("provider"));
        term(filters, "route_id", h.get("route"));
        term(filters, "reason", h.get("reason"));
        Object from = h.get("from");
        Object to = h.get("to");
        if (from != null || to != null) {
            filters.add(Query.of(q -> q.range(rg -> rg.date(d -> {
                d.field("received_at");
                if (from != null) {
                    d.gte(from.toString());
                }
                if (to != null) {
                    d.lte(to.toString());
                }
                return d;
            }))));
        }
        Object error = h.get("error");
        BoolQuery.Builder bool = new BoolQuery.Builder().filter(filters);
        if (error != null && !error.toString().isBlank()) {
            bool.must(m -> m.match(mt -> mt.field("error").query(error.toString())));
        }
        try {
            store().client().indices().refresh(rf -> rf.index(store().getDeadLettersIndex()));
            return store().client().search(s -> s.index(store().getDeadLettersIndex()).size(size).trackTotalHits(t -> t.enabled(true))
                    .sort(so -> so.field(f -> f.field("received_at").order(SortOrder.Desc)))
                    .query(q -> q.bool(bool.build())), ObjectNode.class);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search dead letters", e);
        }
    }

    private static void term(List<Query> filters, String field, Object value) {
        if (value != null && !value.toString().isBlank()) {
            filters.add(Query.of(q -> q.term(t -> t.field(field).value(value.toString()))));
        }
    }

    private ObjectNode read(String id) {
        try {
            GetResponse<ObjectNode> r = store().client().get(g -> g.index(store().getDeadLettersIndex()).id(id),
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
            store().client().index(i -> i.index(store().getDeadLettersIndex()).id(id).document(updated)
                    .requireAlias(true));
        } catch (IOException e) {
            LOG.warn("replay of {} done but not recorded: {}", id, e.toString());
        }
    }

    private synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = getCamelContext().createProducerTemplate();
        }
        return producer;
    }




    /** @param token the admin bearer token; blank turns the admin endpoints off (404) */
    public void setToken(String token) {
        this.token = token;
    }
}
