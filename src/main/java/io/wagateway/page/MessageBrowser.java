package io.wagateway.page;

import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.DateHistogramBucket;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import io.wagateway.api.BadRequestException;
import io.wagateway.api.BearerAuth;
import io.wagateway.api.Operators;
import io.wagateway.api.TenantScope;
import io.wagateway.api.QueryParams;
import io.wagateway.enrich.IdentityLinks;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.camel.Exchange;

/**
 * The read side of the messages page ({@code routes/messages-page.camel.yaml}): searches of the
 * {@code whatsapp-messages} alias, one conversation, and messages per minute per provider. Bearer token
 * {@code gateway.page.token} (default: the admin token); no token configured → 404 (off), since the answers carry
 * message contents.
 *
 * <p>Items are the stored documents (README "The stored document") without {@code raw}, plus {@code id} (the
 * document {@code _id}) and {@code ai_reply} ({@code raw.gateway_reply}: a reply the gateway sent).
 */
public class MessageBrowser {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param operators the operators whose tokens are accepted beside the page token */
    public void setOperators(Operators operators) {
        this.operators = operators;
    }

    /** @param links the identity links a chat id is expanded through (phone and BSUID); none: the id alone */
    public void setLinks(IdentityLinks links) {
        this.links = links;
    }

    private static final int MAX_SIZE = 500;

    private String token;
    private Operators operators = new Operators();
    private String repliesIndex = "whatsapp-replies";
    private IdentityLinks links;
    private final ObjectMapper mapper = JsonMapperFactory.create();

    /**
     * Checks the page token or an operator's token ({@link Operators}).
     *
     * @param authorization the request's {@code Authorization} header
     * @return the operator's name, or null for the page token
     * @throws AdminAccessException 404 when the page's API is off (no token nor operator configured), 401 when the
     *                              bearer token is missing or wrong
     */
    public String authorize(String authorization) {
        return operators.authorize(authorization, token);
    }

    /**
     * Checks the bearer token of an API request, read from its {@code Authorization} header only (a query parameter
     * of that name is never taken for it: {@link BearerAuth}): the page token, an operator's or a tenant's page token;
     * sets the variables {@code operator} and {@code tenant} (the searches then show only that tenant's messages,
     * {@link TenantScope}).
     *
     * @param exchange the request
     * @throws AdminAccessException 404 when the page's API is off, 401 when the bearer token is missing or wrong
     */
    public void authorizeRequest(Exchange exchange) {
        operators.authorize(exchange, Operators.TenantTokens.PAGE, token);
    }

    /**
     * Searches messages, newest first. Query parameters (all optional): {@code q} (words of the text, caption, chat
     * or sender name), {@code chat} ({@code chat_id}), {@code sender} ({@code sender_id}), {@code provider},
     * {@code from}/{@code to} (ISO-8601 times of {@code timestamp}), {@code size} (1-500, default 50). A chat or
     * sender id also finds the ids linked to it in the names index (a Meta user's phone and BSUID:
     * {@link io.wagateway.enrich.IdentityLinks}).
     *
     * @param exchange the request
     * @return JSON {@code {"total":n,"items":[...]}}
     * @throws BadRequestException (400) for a parameter it cannot use (docs/api.md)
     */
    public String search(Exchange exchange) {
        QueryParams params = QueryParams.of(exchange);
        List<Query> filters = new ArrayList<>();
        String provider = params.providerId("provider");
        linked(filters, "chat_id", provider, null, params.term("chat"));
        linked(filters, "sender_id", provider, null, params.term("sender"));
        term(filters, "provider", provider);
        range(filters, "timestamp", params.range("from", "to"));
        scope(filters, exchange);
        BoolQuery.Builder bool = new BoolQuery.Builder().filter(filters);
        String q = params.text("q", QueryParams.MAX_TEXT_CHARS);
        if (q != null) {
            bool.must(m -> m.multiMatch(mm -> mm.query(q)
                    .fields("text", "original_text", "media.caption", "chat_name", "sender_name")));
        }
        int size = params.integer("size", 50, 1, MAX_SIZE);
        SearchResponse<ObjectNode> r = messages(bool.build(), size, SortOrder.Desc);
        ObjectNode out = mapper.createObjectNode();
        out.put("total", r.hits().total() == null ? r.hits().hits().size() : r.hits().total().value());
        out.set("items", items(r));
        return out.toString();
    }

    /**
     * One conversation, both directions, oldest first: the chat's messages (statuses, edits, deletes and reactions
     * are applied on them) and the AI-reply outbox entries of the chat. Query parameters: {@code provider},
     * {@code account} ({@code account_id}), {@code chat} ({@code chat_id}; required), {@code size} (1-500, default
     * 200). The chat id also finds the ids linked to it (a Meta user's phone and BSUID).
     *
     * @param exchange the request
     * @return JSON {@code {"items":[...],"replies":[{id, inbound_message_id, state, reply_text, error, ...}]}}
     * @throws BadRequestException (400) when {@code chat} is missing, or for a parameter it cannot use
     */
    public String conversation(Exchange exchange) {
        QueryParams params = QueryParams.of(exchange);
        List<Query> filters = new ArrayList<>();
        String chat = params.requiredTerm("chat");
        String provider = params.providerId("provider");
        String account = params.term("account");
        linked(filters, "chat_id", provider, account, chat);
        term(filters, "provider", provider);
        term(filters, "account_id", account);
        scope(filters, exchange);
        int size = params.integer("size", 200, 1, MAX_SIZE);
        Query query = Query.of(qq -> qq.bool(b -> b.filter(filters)));
        ObjectNode out = mapper.createObjectNode();
        ArrayNode items = items(messages(query.bool(), size, SortOrder.Desc));
        List<com.fasterxml.jackson.databind.JsonNode> oldestFirst = new ArrayList<>();
        items.forEach(oldestFirst::add);
        java.util.Collections.reverse(oldestFirst);
        out.putArray("items").addAll(oldestFirst);
        ArrayNode replies = out.putArray("replies");
        try {
            SearchResponse<ObjectNode> r = store.client().search(s -> s.index(repliesIndex).size(size)
                    .ignoreUnavailable(true).allowNoIndices(true).query(query), ObjectNode.class);
            for (Hit<ObjectNode> hit : r.hits().hits()) {
                replies.add(hit.source().deepCopy().put("id", hit.id()));
            }
        } catch (IOException | RuntimeException e) {
            out.put("replies_error", e.getMessage());
        }
        return out.toString();
    }

    /**
     * Messages received per minute per provider ({@code date_histogram} on {@code received_at} with a
     * {@code terms} sub-aggregation), every minute of the window present (zeros included).
     *
     * @param exchange the request; query parameter {@code minutes} (1-1440, default 60)
     * @return JSON {@code {"from":iso,"to":iso,"providers":[...],"minutes":[{"time":iso,"counts":{"waha":3}}]}}
     * @throws BadRequestException (400) when {@code minutes} is not a whole number from 1 to 1440
     */
    public String perMinute(Exchange exchange) {
        int minutes = QueryParams.of(exchange).integer("minutes", 60, 1, 1440);
        Query tenant = TenantScope.filter(TenantScope.of(exchange));
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Instant from = to.minus(minutes - 1L, ChronoUnit.MINUTES);
        Map<Long, Map<String, Long>> counts = new TreeMap<>();
        TreeSet<String> providers = new TreeSet<>();
        try {
            store.client().indices().refresh(rf -> rf.index(store.getMessagesIndex()));
            SearchResponse<Void> r = store.client().search(s -> s.index(store.getMessagesIndex()).size(0)
                    .query(q -> q.bool(b -> {
                        b.filter(f -> f.range(rg -> rg.date(d -> d.field("received_at").gte(from.toString()))));
                        return tenant == null ? b : b.filter(tenant);
                    }))
                    .aggregations("per_minute", a -> a
                            .dateHistogram(d -> d.field("received_at").fixedInterval(t -> t.time("1m")))
                            .aggregations("provider", p -> p.terms(t -> t.field("provider").size(20)))),
                    Void.class);
            for (DateHistogramBucket b : r.aggregations().get("per_minute").dateHistogram().buckets().array()) {
                Map<String, Long> perProvider = counts.computeIfAbsent(b.key(), k -> new TreeMap<>());
                for (StringTermsBucket p : b.aggregations().get("provider").sterms().buckets().array()) {
                    perProvider.put(p.key().stringValue(), p.docCount());
                    providers.add(p.key().stringValue());
                }
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot aggregate messages", e);
        }
        ObjectNode out = mapper.createObjectNode().put("from", from.toString()).put("to", to.toString());
        ArrayNode p = out.putArray("providers");
        providers.forEach(p::add);
        ArrayNode series = out.putArray("minutes");
        for (Instant t = from; !t.isAfter(to); t = t.plus(1, ChronoUnit.MINUTES)) {
            ObjectNode minute = series.addObject().put("time", t.toString());
            ObjectNode c = minute.putObject("counts");
            counts.getOrDefault(t.toEpochMilli(), Map.of()).forEach(c::put);
        }
        return out.toString();
    }

    private SearchResponse<ObjectNode> messages(BoolQuery query, int size, SortOrder order) {
        try {
            return store.client().search(s -> s.index(store.getMessagesIndex()).size(size)
                    .trackTotalHits(t -> t.enabled(true))
                    .sort(so -> so.field(f -> f.field("timestamp").order(order)))
                    .sort(so -> so.field(f -> f.field("received_at").order(order)))
                    .query(q -> q.bool(query)), ObjectNode.class);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search messages", e);
        }
    }

    private ArrayNode items(SearchResponse<ObjectNode> r) {
        ArrayNode items = mapper.createArrayNode();
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            ObjectNode item = hit.source().deepCopy();
            item.put("id", hit.id());
            item.put("ai_reply", item.path("raw").path("gateway_reply").asBoolean(false));
            item.remove("raw");
            items.add(item);
        }
        return items;
    }

    /** A filter on the id or any id linked to it (one {@code terms} query). */
    private void linked(List<Query> filters, String field, String provider, String account, String value) {
        if (value == null) {
            return;
        }
        List<String> ids = links == null ? List.of(value) : links.expand(provider, account, value);
        if (ids.size() == 1) {
            term(filters, field, value);
        } else {
            List<co.elastic.clients.elasticsearch._types.FieldValue> values = ids.stream()
                    .map(co.elastic.clients.elasticsearch._types.FieldValue::of).toList();
            filters.add(Query.of(q -> q.terms(t -> t.field(field).terms(v -> v.value(values)))));
        }
    }

    /** A tenant-scoped token's filter ({@link TenantScope}); nothing for a token of every tenant. */
    private static void scope(List<Query> filters, Exchange exchange) {
        Query tenant = TenantScope.filter(TenantScope.of(exchange));
        if (tenant != null) {
            filters.add(tenant);
        }
    }

    private static void term(List<Query> filters, String field, String value) {
        if (value != null) {
            filters.add(Query.of(q -> q.term(t -> t.field(field).value(value))));
        }
    }

    private static void range(List<Query> filters, String field, Instant[] fromTo) {
        Instant f = fromTo[0];
        Instant t = fromTo[1];
        if (f != null || t != null) {
            filters.add(Query.of(q -> q.range(rg -> rg.date(d -> {
                d.field(field);
                if (f != null) {
                    d.gte(f.toString());
                }
                if (t != null) {
                    d.lte(t.toString());
                }
                return d;
            }))));
        }
    }

    /** @param token bearer token of the page's API; blank turns it off (404) */
    public void setToken(String token) {
        this.token = token;
    }

    /** @param repliesIndex the AI-reply outbox alias (conversation view) */
    public void setRepliesIndex(String repliesIndex) {
        this.repliesIndex = repliesIndex;
    }
}
