package io.wagateway.events;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import io.wagateway.api.AdminBean;
import io.wagateway.api.BadRequestException;
import io.wagateway.api.QueryParams;
import io.wagateway.api.SearchCursor;
import io.wagateway.inbound.WebhookOutcomes;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin side of the events index ({@code routes/events.camel.yaml}, under {@code /admin/events}, bearer token
 * {@code ADMIN_TOKEN} like the dead-letter admin; off - 404 - when no token is configured): list events by provider,
 * event, reason, account and time; read one whole; replay one, or all of a type.
 *
 * <p>A replay re-feeds the event's raw item through its provider's {@code direct:<provider>-payload} route, the same
 * idempotent path as live traffic (its signature was checked when it first arrived). A Meta event kept as one
 * {@code change} is wrapped in a minimal envelope ({@code {"object":"whatsapp_business_account","entry":[{"id":"",
 * "changes":[change]}]}}); every other raw item is the provider's body and is sent as it is. A replayed event is
 * marked ({@code replays}, {@code replayed_at}, {@code replay_outcome}), never deleted.
 */
public class EventAdmin extends AdminBean {

    private static final Logger LOG = LoggerFactory.getLogger(EventAdmin.class);
    private static final int MAX_REPLAY = 1000;
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;
    /** What the list shows of each event: never its raw item (fetch one whole by id). */
    public static final List<String> SUMMARY_FIELDS = List.of("provider", "account_id", "event", "reason",
            "received_at", "raw_scope", "replays", "replayed_at", "replay_outcome");
    /** {@code replay_outcome} of a replay whose item is now stored as a message or an update. */
    public static final String STORED = "stored";
    /** {@code replay_outcome} of a replay whose message or update was stored before. */
    public static final String DUPLICATE = "duplicate";
    /** {@code replay_outcome} of a replay that the gateway still does not turn into a message or an update. */
    public static final String STILL_IGNORED = "still_ignored";
    /** {@code replay_outcome} of a replay that failed (the error is in the answer). */
    public static final String FAILED = "failed";

    private final ObjectMapper mapper = JsonMapperFactory.create();

    /**
     * Lists events, newest first, as summaries ({@link #SUMMARY_FIELDS}, never their raw item), a page at a time.
     * Query parameters (all optional): {@code provider}, {@code event}, {@code reason}, {@code account},
     * {@code from}/{@code to} (ISO-8601 times of {@code received_at}), {@code replayed} ({@code true|false}),
     * {@code size} (1-500, default 50), {@code after} (the previous page's {@code next}).
     *
     * @param exchange the admin request
     * @return JSON {@code {"total":n,"size":k,"items":[{id, provider, account_id, event, reason, received_at,
     *         raw_scope, replays, replayed_at, replay_outcome}],"next":cursor|null}}
     * @throws BadRequestException (400) for a parameter it cannot use
     */
    public String list(Exchange exchange) {
        QueryParams params = QueryParams.of(exchange);
        int size = params.integer("size", DEFAULT_PAGE, 1, MAX_PAGE);
        List<FieldValue> after = SearchCursor.parse(params.text("after", 1000));
        Query query = filter(params);
        return summaryPage(store.getEventsIndex(), SUMMARY_FIELDS, "content_hash", query, size, after, "events",
                hit -> {
                    ObjectNode item = mapper.createObjectNode().put("id", hit.id());
                    if (hit.source() != null) {
                        item.setAll(hit.source());
                    }
                    return item;
                });
    }

    /**
     * @param pathId event id ({@code {provider}:{account}:sha256-...}), as is or percent-encoded
     * @return the whole event as JSON, its raw item included
     * @throws AdminAccessException 404 when there is no such event
     * @throws BadRequestException  (400) when {@code id} is blank or longer than 512 bytes
     */
    public String get(String pathId) {
        String id = pathId(pathId);
        checkId(id, "event");
        ObjectNode out = mapper.createObjectNode().put("id", id);
        out.setAll(read(id));
        return out.toString();
    }

    /**
     * Replays one event through its provider's payload route and marks it.
     *
     * @param pathId event id, as is or percent-encoded
     * @return JSON {@code {"id":..,"event":..,"outcome":"stored|duplicate|still_ignored|failed","answer":{..}}}:
     *         {@code answer} is the webhook answer the replay got; {@code error} instead when it failed
     * @throws AdminAccessException 404 when there is no such event
     */
    public String replay(String pathId) {
        String id = pathId(pathId);
        checkId(id, "event");
        ObjectNode doc = read(id);
        ObjectNode result = mapper.createObjectNode().put("id", id).put("event", doc.path("event").asText());
        String provider = doc.path("provider").asText();
        String answer = null;
        String outcome;
        try {
            // an event of a tenant path carries its qualified account id (<tenant>~<account>): replayed for that
            // tenant, whose entry is the one serving the account (no entry name: TenantWebhooks.qualify finds it)
            String tenant = io.wagateway.tenant.Tenants.tenantOf(doc.path("account_id").asText(null));
            answer = refeed(provider, io.wagateway.tenant.Tenants.DEFAULT.equals(tenant) ? null : tenant, null,
                    mapper.writeValueAsBytes(replayBody(provider, doc)));
            outcome = outcome(mapper.readTree(answer));
            result.put("outcome", outcome);
            result.set("answer", mapper.readTree(answer));
        } catch (Exception e) {
            outcome = FAILED;
            result.put("outcome", outcome);
            result.put("error", String.valueOf(e.getMessage()));
            answer = "error: " + e.getMessage();
        }
        mark(id, doc, outcome, answer);
        LOG.info("Event {} ({} '{}') replayed: {}", id, provider, doc.path("event").asText(), outcome);
        return result.toString();
    }

    /**
     * Replays every event matching the filters of {@link #list} (typically {@code event=<type>}: "replay all events
     * of type X"), at most 1,000 per call, oldest first, one at a time.
     *
     * @param exchange the admin request
     * @return JSON {@code {"matched":n,"outcomes":{"stored":a,"still_ignored":b,...},"results":[...]}}
     * @throws BadRequestException (400) for a parameter it cannot use
     */
    public String replayAll(Exchange exchange) {
        Query query = filter(QueryParams.of(exchange));
        String index = store.getEventsIndex();
        SearchResponse<Void> r;
        try {
            store.client().indices().refresh(rf -> rf.index(index));
            r = store.client().search(s -> s.index(index).size(MAX_REPLAY).source(src -> src.fetch(false))
                    .sort(so -> so.field(f -> f.field("received_at").order(SortOrder.Asc)))
                    .query(query), Void.class);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search events", e);
        }
        ObjectNode out = mapper.createObjectNode();
        ObjectNode outcomes = mapper.createObjectNode();
        ArrayNode results = mapper.createArrayNode();
        for (Hit<Void> hit : r.hits().hits()) {
            JsonNode one;
            try {
                one = mapper.readTree(replay(hit.id()));
            } catch (IOException | RuntimeException e) {
                one = mapper.createObjectNode().put("id", hit.id()).put("outcome", FAILED)
                        .put("error", String.valueOf(e.getMessage()));
            }
            results.add(one);
            String o = one.path("outcome").asText(FAILED);
            outcomes.put(o, outcomes.path(o).asInt() + 1);
        }
        out.put("matched", results.size());
        out.set("outcomes", outcomes);
        out.set("results", results);
        return out.toString();
    }

    /**
     * The body to re-feed: a Meta change ({@code field} + {@code value}) is wrapped in a minimal envelope; a Meta raw
     * item that is neither a change nor a whole body (e.g. one call of a {@code calls} change) is refused, since no
     * envelope can be rebuilt around it without guessing; any other raw item (a Meta body kept whole: an unknown
     * {@code object}, {@code raw_scope: webhook}) is the provider's body, sent as it is.
     *
     * @throws IllegalStateException when the event cannot be replayed (the replay's outcome is {@code failed})
     */
    static JsonNode replayBody(String provider, JsonNode doc) {
        JsonNode raw = doc.get("raw");
        if (raw == null || raw.isNull()) {
            throw new IllegalStateException("this event has no raw item to replay");
        }
        boolean body = raw.has("entry") || raw.has("object") || "unknown-object".equals(doc.path("reason").asText())
                || !EventStore.SCOPE_ITEM.equals(doc.path("raw_scope").asText(EventStore.SCOPE_ITEM));
        if (!"meta".equals(provider) || body) {
            return raw;
        }
        if (!raw.isObject() || !raw.has("field")) {
            throw new IllegalStateException("this Meta event's raw item is not a change (field + value) nor a whole"
                    + " body: no envelope can be rebuilt around it");
        }
        ObjectNode envelope = JsonNodeFactory.instance.objectNode().put("object", "whatsapp_business_account");
        envelope.putArray("entry").addObject().put("id", "").putArray("changes").add(raw);
        return envelope;
    }

    /** The replay's outcome from the webhook answer's counts ({@link WebhookOutcomes#summary}). */
    static String outcome(JsonNode answer) {
        int stored = 0;
        int duplicate = 0;
        for (Map.Entry<String, JsonNode> e : answer.properties()) {
            if (!e.getValue().isInt()) {
                continue;
            }
            String k = e.getKey();
            if (k.equals("stored") || k.equals("update_stored")) {
                stored += e.getValue().asInt();
            } else if (k.equals("duplicate") || k.equals("update_duplicate")) {
                duplicate += e.getValue().asInt();
            }
        }
        return stored > 0 ? STORED : duplicate > 0 ? DUPLICATE : STILL_IGNORED;
    }

    private static Query filter(QueryParams params) {
        List<Query> filters = new ArrayList<>();
        term(filters, "provider", params.providerId("provider"));
        term(filters, "event", params.term("event"));
        term(filters, "reason", params.term("reason"));
        term(filters, "account_id", params.term("account"));
        timeRange(filters, params, "received_at");
        String replayed = params.oneOf("replayed", java.util.Set.of("true", "false"));
        if ("true".equals(replayed)) {
            filters.add(Query.of(q -> q.exists(x -> x.field("replayed_at"))));
        }
        List<Query> mustNot = new ArrayList<>();
        if ("false".equals(replayed)) {
            mustNot.add(Query.of(q -> q.exists(x -> x.field("replayed_at"))));
        }
        return Query.of(q -> q.bool(b -> b.filter(filters).mustNot(mustNot)));
    }

    /**
     * The id of a path: event ids hold {@code :}, which a client may send as is or percent-encoded ({@code %3A}); the
     * path parameter reaches the route undecoded under Spring Boot, so it is decoded here ({@code +} stays a plus).
     */
    private static String pathId(String id) {
        if (id == null || id.indexOf('%') < 0) {
            return id;
        }
        try {
            return java.net.URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("id", "not valid percent-encoding");
        }
    }

    private ObjectNode read(String id) {
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(store.getEventsIndex()).id(id),
                    ObjectNode.class);
            if (!r.found()) {
                throw new AdminAccessException(404, "no event " + id);
            }
            return r.source();
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read event " + id, e);
        }
    }

    /** Records the replay on the event (a partial update: the raw item is left as it is). */
    private void mark(String id, ObjectNode doc, String outcome, String answer) {
        ObjectNode changes = mapper.createObjectNode()
                .put("replayed_at", Instant.now().toString())
                .put("replay_outcome", outcome)
                .put("replay_answer", answer)
                .put("replays", doc.path("replays").asInt() + 1);
        try {
            store.client().update(u -> u.index(store.getEventsIndex()).id(id).doc(changes)
                    .refresh(co.elastic.clients.elasticsearch._types.Refresh.True), ObjectNode.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("replay of event {} done but not recorded: {}", id, e.toString());
        }
    }
}
