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
import io.wagateway.deadletter.AdminAccessException;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreAwareBean;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
public class MessageBrowser extends StoreAwareBean {

    private static final int MAX_SIZE = 500;

    private String token;
    private String repliesIndex = "whatsapp-replies";
    private final ObjectMapper mapper = JsonMapperFactory.create();

    /**
     * @param authorization the request's {@code Authorization} header
     * @throws AdminAccessException 404 when the page's API is off (no token configured), 401 when the bearer token is
     *                              missing or wrong
     */
    public void authorize(String authorization) {
        if (token == null || token.isBlank()) {
            throw new AdminAccessException(404, "messages API is off (MESSAGES_PAGE_TOKEN / ADMIN_TOKEN not set)");
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new AdminAccessException(401, "missing or wrong bearer token");
        }
    }

    /**
     * Searches messages, newest first. Query parameters (all optional): {@code q} (words of the text, caption, chat
     * or sender name), {@code chat} ({@code chat_id}), {@code sender} ({@code sender_id}), {@code provider},
     * {@code from}/{@code to} (ISO-8601 times of {@code timestamp}), {@code size} (default 50, at most 500).
     *
     * @param exchange the request
     * @return JSON {@code {"total":n,"items":[...]}}
     */
    public String search(Exchange exchange) {
        Map<String, Object> h = exchange.getMessage().getHeaders();
        List<Query> filters = new ArrayList<>();
        term(filters, "chat_id", h.get("chat"));
        term(filters, "sender_id", h.get("sender"));
        term(filters, "provider", h.get("provider"));
        range(filters, "timestamp", h.get("from"), h.get("to"));
        BoolQuery.Builder bool = new BoolQuery.Builder().filter(filters);
        String q = text(h.get("q"));
        if (q != null) {
            bool.must(m -> m.multiMatch(mm -> mm.query(q)
                    .fields("text", "original_text", "media.caption", "chat_name", "sender_name")));
        }
        int size = size(h.get("size"), 50);
        SearchResponse<ObjectNode> r = messages(bool.build(), size, SortOrder.Desc);
        ObjectNode out = mapper.createObjectNode();
        out.put("total", r.hits().total() == null ? r.hits().hits().size() : r.hits().total().value());
        out.set("items", items(r));
        return out.toString();
    }

    /**
     * One conversation, both directions, oldest first: the chat's messages (statuses, edits, deletes and reactions
     * are applied on them) and the AI-reply outbox entries of the chat. Query parameters: {@code provider},
     * {@code account} ({@code account_id}), {@code chat} ({@code chat_id}; required), {@code size} (default 200).
     *
     * @param exchange the request
     * @return JSON {@code {"items":[...],"replies":[{id, inbound_message_id, state, reply_text, error, ...}]}}
     * @throws IllegalArgumentException when {@code chat} is missing
     */
    public String conversation(Exchange exchange) {
        Map<String, Object> h = exchange.getMessage().getHeaders();
        if (text(h.get("chat")) == null) {
            throw new IllegalArgumentException("chat is required");
        }
        List<Query> filters = new ArrayList<>();
        term(filters, "chat_id", h.get("chat"));
        term(filters, "provider", h.get("provider"));
        term(filters, "account_id", h.get("account"));
        int size = size(h.get("size"), 200);
        Query query = Query.of(qq -> qq.bool(b -> b.filter(filters)));
        ObjectNode out = mapper.createObjectNode();
        ArrayNode items = items(messages(query.bool(), size, SortOrder.Desc));
        List<com.fasterxml.jackson.databind.JsonNode> oldestFirst = new ArrayList<>();
        items.forEach(oldestFirst::add);
        java.util.Collections.reverse(oldestFirst);
        out.putArray("items").addAll(oldestFirst);
        ArrayNode replies = out.putArray("replies");
        try {
            SearchResponse<ObjectNode> r = store().client().search(s -> s.index(repliesIndex).size(size)
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
     * @param exchange the request; query parameter {@code minutes} (default 60, at most 1440)
     * @return JSON {@code {"from":iso,"to":iso,"providers":[...],"minutes":[{"time":iso,"counts":{"waha":3}}]}}
     */
    public String perMinute(Exchange exchange) {
        int minutes = Math.max(1, Math.min(1440, exchange.getMessage().getHeader("minutes", 60, Integer.class)));
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Instant from = to.minus(minutes - 1L, ChronoUnit.MINUTES);
        Map<Long, Map<String, Long>> counts = new TreeMap<>();
        TreeSet<String> providers = new TreeSet<>();
        try {
            store().client().indices().refresh(rf -> rf.index(store().getMessagesIndex()));
            SearchResponse<Void> r = store().client().search(s -> s.index(store().getMessagesIndex()).size(0)
                    .query(q -> q.range(rg -> rg.date(d -> d.field("received_at").gte(from.toString()))))
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
            return store().client().search(s -> s.index(store().getMessagesIndex()).size(size)
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

    private static void term(List<Query> filters, String field, Object value) {
        String v = text(value);
        if (v != null) {
            filters.add(Query.of(q -> q.term(t -> t.field(field).value(v))));
        }
    }

    private static void range(List<Query> filters, String field, Object from, Object to) {
        String f = text(from);
        String t = text(to);
        if (f != null || t != null) {
            filters.add(Query.of(q -> q.range(rg -> rg.date(d -> {
                d.field(field);
                if (f != null) {
                    d.gte(f);
                }
                if (t != null) {
                    d.lte(t);
                }
                return d;
            }))));
        }
    }

    private static String text(Object value) {
        return value == null || value.toString().isBlank() ? null : value.toString().trim();
    }

    private static int size(Object value, int dflt) {
        try {
            return value == null ? dflt : Math.max(1, Math.min(MAX_SIZE, Integer.parseInt(value.toString().trim())));
        } catch (NumberFormatException e) {
            return dflt;
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
