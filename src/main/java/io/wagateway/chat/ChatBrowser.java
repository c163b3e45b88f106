package io.wagateway.chat;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.FiltersBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import io.wagateway.api.BadRequestException;
import io.wagateway.api.Operators;
import io.wagateway.api.TenantScope;
import io.wagateway.api.QueryParams;
import io.wagateway.api.SearchCursor;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;

/**
 * The read side of {@code whatsapp-chats} ({@code routes/chats.camel.yaml}): {@code GET /api/chats},
 * {@code GET /api/chats/{id}} (bearer token {@code gateway.page.token}, like {@code /api/messages}) and
 * {@code POST /api/chats/{id}/read} (bearer token {@code gateway.api.send-token}: it makes a provider call).
 *
 * <p>{@code unread_count} is computed at read time, never kept as a counter: the inbound customer messages of the chat
 * ({@code from_me} false, not {@code history}) whose {@code timestamp} is after the chat's {@code last_read_at} (all
 * of them when it was never read); one {@code filters} aggregation on {@code whatsapp-messages} counts a whole page.
 * Messages become searchable within Elasticsearch's refresh interval (1 s), so a count may lag a just-stored message.
 */
public class ChatBrowser {

    private static final int MAX_SIZE = 200;
    private static final Set<String> OWNERS = Set.of("app", "human", "meta_agent", "other_app");

    private ElasticsearchStore store;
    private Chats chats;
    private String token;
    private String sendToken;
    private long windowHours = 24;
    private boolean windowEnabled = true;
    private Operators operators = new Operators();
    private final com.fasterxml.jackson.databind.ObjectMapper mapper = JsonMapperFactory.create();

    /**
     * Checks the page's bearer token, an operator's or a tenant's page token ({@code Authorization} header only,
     * {@link Operators}); sets the variables {@code operator} and {@code tenant} (a tenant-scoped token lists and
     * reads only its tenant's chats, {@link TenantScope}).
     *
     * @param exchange the request
     * @throws AdminAccessException 404 when the API is off (no page token nor operator configured), 401 when the
     *                              token is missing or wrong
     */
    public void authorizeRead(Exchange exchange) {
        operators.authorize(exchange, Operators.TenantTokens.PAGE, token);
    }

    /**
     * Checks the send token ({@code gateway.api.send-token}, {@code API_SEND_TOKEN}) or an operator's token: marking a
     * chat read sends the provider a read receipt, an owner change stops or starts the auto-reply. Sets the variable
     * {@code operator}.
     *
     * @param exchange the request
     * @throws AdminAccessException 404 when no send token nor operator is configured, 401 when the token is missing or
     *                              wrong
     */
    public void authorizeSend(Exchange exchange) {
        operators.authorize(exchange, sendToken);
    }

    /**
     * Lists chats, newest last message first. Query parameters (all optional): {@code provider}, {@code account}
     * ({@code account_id}), {@code owner} ({@code app}, {@code human}, {@code meta_agent}, {@code other_app}),
     * {@code archived} (true/false), {@code unread} (true: only chats with an inbound message after
     * {@code last_read_at}), {@code q} (words of the chat's name, or its chat id), {@code size} (1-200, default 50),
     * {@code after} (the previous page's {@code next}).
     *
     * @param exchange the request
     * @return JSON {@code {"items":[chat...],"next":cursor|null}}, each chat with {@code id}, {@code unread_count},
     *         {@code window_open_until} and {@code window_enforced} (without {@code owner_history}, which
     *         {@link #get} gives)
     * @throws BadRequestException (400) naming a parameter it cannot use
     */
    public String list(Exchange exchange) {
        QueryParams params = QueryParams.of(exchange);
        List<Query> filters = new ArrayList<>();
        term(filters, "provider", params.providerId("provider"));
        term(filters, "account_id", params.term("account"));
        term(filters, "owner", params.oneOf("owner", OWNERS));
        Query tenant = TenantScope.filter(TenantScope.of(exchange));
        if (tenant != null) {
            filters.add(tenant);
        }
        if (params.term("archived") != null) {
            boolean archived = params.bool("archived", false);
            if (archived) {
                filters.add(Query.of(q -> q.term(t -> t.field("archived").value(true))));
            } else {
                filters.add(Query.of(q -> q.bool(b -> b.mustNot(m -> m.term(t -> t.field("archived").value(true))))));
            }
        }
        if (params.bool("unread", false)) {
            filters.add(Query.of(q -> q.term(t -> t.field("has_unread").value(true))));
        }
        String q = params.text("q", QueryParams.MAX_TEXT_CHARS);
        List<Query> should = new ArrayList<>();
        if (q != null) {
            should.add(Query.of(x -> x.match(m -> m.field("chat_name").query(q))));
            should.add(Query.of(x -> x.term(t -> t.field("chat_id").value(q))));
            should.add(Query.of(x -> x.prefix(p -> p.field("chat_id").value(q))));
        }
        int size = params.integer("size", 50, 1, MAX_SIZE);
        List<FieldValue> after = SearchCursor.parse(params.term("after"));
        SearchResponse<ObjectNode> r;
        try {
            r = store.client().search(s -> {
                s.index(chats.getChatsIndex()).size(size).ignoreUnavailable(true).allowNoIndices(true)
                        .sort(so -> so.field(f -> f.field("last_message_at").order(SortOrder.Desc)))
                        .sort(so -> so.field(f -> f.field("chat_key").order(SortOrder.Desc)))
                        .query(qq -> qq.bool(b -> {
                            b.filter(filters);
                            if (!should.isEmpty()) {
                                b.should(should).minimumShouldMatch("1");
                            }
                            return b;
                        }));
                if (after != null) {
                    s.searchAfter(after);
                }
                return s;
            }, ObjectNode.class);
        } catch (IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("cannot search chats", e);
        }
        List<ObjectNode> items = new ArrayList<>();
        for (Hit<ObjectNode> hit : r.hits().hits()) {
            ObjectNode item = item(hit.id(), hit.source());
            item.remove("owner_history");     // up to 50 entries per chat: GET /api/chats/{id} has it
            items.add(item);
        }
        unreadCounts(items);
        ObjectNode out = mapper.createObjectNode();
        out.putArray("items").addAll(items);
        List<Hit<ObjectNode>> hits = r.hits().hits();
        if (hits.size() == size) {
            out.put("next", SearchCursor.of(hits.get(hits.size() - 1).sort()));
        } else {
            out.putNull("next");
        }
        return out.toString();
    }

    /**
     * The {@code provider} parameter of {@code GET /api/templates} (required; {@code account} is optional and only
     * echoed: one WhatsApp Business Account serves every number of the gateway).
     *
     * @param exchange the request
     * @return the provider id
     * @throws BadRequestException (400) when it is missing or not a provider id
     * @throws AdminAccessException 403 for a tenant-scoped token (templates are read with the default tenant's WABA)
     */
    public String templatesProvider(Exchange exchange) {
        if (TenantScope.of(exchange) != null) {       // the templates are the default tenant's WABA's
            throw new AdminAccessException(403, "templates are not available to a tenant-scoped token");
        }
        QueryParams params = QueryParams.of(exchange);
        String provider = params.providerId("provider");
        if (provider == null) {
            throw new BadRequestException("provider", "missing provider");
        }
        return provider;
    }

    /**
     * One chat.
     *
     * @param exchange the request; header {@code id} (the path's {@code {provider}:{account_id}:{chat_id}})
     * @return the chat as JSON with {@code id} and {@code unread_count}; 404 {@code {"error":"no such chat"}} (also for
     *         another tenant's chat asked with a tenant-scoped token)
     */
    public String get(Exchange exchange) {
        String id = id(exchange);
        String tenant = TenantScope.of(exchange);
        ObjectNode chat = read(id).filter(d -> TenantScope.allows(tenant, d.path("account_id").asText()))
                .map(d -> item(id, d)).orElse(null);
        if (chat == null) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            return "{\"error\":\"no such chat\"}";
        }
        unreadCounts(List.of(chat));
        return chat.toString();
    }

    /**
     * Marks a chat read: {@code last_read_at} becomes the time of its newest inbound customer message (never moves
     * back; a message delivered late with an older time stays read, a newer one is unread). Written under
     * {@code if_seq_no}, retried on 409. Sets the variables the {@code direct:mark-read-<provider>} routes take:
     * {@code provider}, {@code accountId}, {@code chatId}, {@code messageId} (the newest inbound message's provider
     * id, may be null), {@code typing} (false), and {@code lastReadAt}.
     *
     * @param exchange the request; header {@code id}
     * @return true when the chat exists (false: the route answers 404)
     * @throws StoreUnavailableException (503) when Elasticsearch cannot be read or written
     */
    public boolean markRead(Exchange exchange) {
        String id = id(exchange);
        try {
            for (int attempt = 1; ; attempt++) {
                GetResponse<ObjectNode> current = store.client().get(g -> g.index(chats.getChatsIndex()).id(id),
                        ObjectNode.class);
                if (!current.found() || current.source() == null) {
                    return false;
                }
                ObjectNode doc = current.source();
                Instant readAt = max(instant(doc.get("last_read_at")), instant(doc.get("last_inbound_at")));
                if (readAt == null) {
                    readAt = Instant.now();          // nothing inbound yet: read up to now
                }
                ObjectNode updated = doc.deepCopy();
                updated.put("last_read_at", readAt.toString());
                updated.put("has_unread", Chats.hasUnread(updated));
                if (!updated.equals(doc)) {
                    updated.put("updated_at", Instant.now().toString());
                    try {
                        // refresh=wait_for: once the call answers, the chat list (a search) shows it read too
                        store.client().index(i -> i.index(chats.getChatsIndex()).id(id).document(updated)
                                .requireAlias(true).ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm())
                                .refresh(co.elastic.clients.elasticsearch._types.Refresh.WaitFor));
                    } catch (ElasticsearchException e) {
                        if (e.status() == 409 && attempt < Chats.MAX_ATTEMPTS) {
                            continue;           // a message changed the chat meanwhile: read again
                        }
                        throw e;
                    }
                    chats.publish(io.wagateway.page.MessageEvents.UNREAD, Chats.unreadEvent(id, updated)
                            .put("unread_count", 0));      // read up to the newest inbound message: none unread
                }
                exchange.setVariable("chatDocumentId", id);
                exchange.setVariable("provider", doc.path("provider").asText());
                exchange.setVariable("accountId", doc.path("account_id").asText());
                exchange.setVariable("chatId", doc.path("chat_id").asText());
                exchange.setVariable("messageId", doc.path("last_inbound_message_id").asText(null));
                exchange.setVariable("typing", Boolean.FALSE);
                exchange.setVariable("lastReadAt", readAt.toString());
                return true;
            }
        } catch (IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("chat " + id + " not marked read: " + e.getMessage(), e);
        }
    }

    /**
     * The answer of {@code POST /api/chats/{id}/read}.
     *
     * @param exchange the request, after {@link #markRead} and the receipt (variable {@code receipt}: {@code sent},
     *                 {@code not_supported} or {@code failed})
     * @return JSON {@code {"id":..,"last_read_at":..,"unread_count":n,"receipt":..}}
     */
    public String readAnswer(Exchange exchange) {
        String receipt = exchange.getVariable("receipt", String.class);
        String id = exchange.getVariable("chatDocumentId", String.class);
        ObjectNode out = mapper.createObjectNode().put("id", id)
                .put("last_read_at", exchange.getVariable("lastReadAt", String.class));
        ObjectNode chat = read(id).map(d -> item(id, d)).orElse(null);
        long unread = 0;
        if (chat != null) {
            unreadCounts(List.of(chat));
            unread = chat.path("unread_count").asLong();
        }
        out.put("unread_count", unread);
        out.put("receipt", receipt);
        return out.toString();
    }

    /**
     * Reads the body of {@code POST /api/chats/{id}/owner}, {@code {"owner":"human"|"app"|"meta_agent"|"other_app",
     * "reason":"..."}} ({@code reason} optional, at most 500 characters), and sets the variables {@code chatKey},
     * {@code owner} and {@code reason} that {@code chatOwners.change} takes.
     *
     * @param exchange the request; header {@code id} (the path's chat key)
     * @throws BadRequestException (400) naming the field that is missing or wrong
     */
    public void ownerRequest(Exchange exchange) {
        String chatKey = id(exchange);
        String text = exchange.getMessage().getBody(String.class);
        if (text != null && text.length() > 4096) {
            throw new BadRequestException("body", "larger than 4096 characters");
        }
        JsonNode body;
        try {
            body = text == null || text.isBlank() ? null : mapper.readTree(text);
        } catch (IOException e) {
            throw new BadRequestException("body", "not JSON");
        }
        if (body == null || !body.isObject()) {
            throw new BadRequestException("body", "a JSON object {\"owner\":..} is needed");
        }
        JsonNode owner = body.get("owner");
        if (owner == null || !owner.isTextual() || !OWNERS.contains(owner.asText())) {
            throw new BadRequestException("owner", "must be one of app, human, meta_agent, other_app");
        }
        JsonNode reason = body.get("reason");
        if (reason != null && !reason.isNull() && (!reason.isTextual() || reason.asText().length() > 500)) {
            throw new BadRequestException("reason", "must be text of at most 500 characters");
        }
        exchange.setVariable("chatKey", chatKey);
        exchange.setVariable("owner", owner.asText());
        exchange.setVariable("reason", reason == null || reason.isNull() ? null : reason.asText());
    }

    private java.util.Optional<ObjectNode> read(String id) {
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(chats.getChatsIndex()).id(id),
                    ObjectNode.class);
            return r.found() && r.source() != null ? java.util.Optional.of(r.source()) : java.util.Optional.empty();
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return java.util.Optional.empty();
            }
            throw new StoreUnavailableException("cannot read chat", e);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read chat", e);
        }
    }

    private ObjectNode item(String id, ObjectNode source) {
        ObjectNode item = mapper.createObjectNode().put("id", id);
        source.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("owner_raw") && !e.getKey().equals("chat_key") && !e.getKey().equals("has_unread")
                    && !e.getKey().endsWith("_name_at")) {
                item.set(e.getKey(), e.getValue());
            }
        });
        window(item, source);
        return item;
    }

    /**
     * Meta's customer service window of a chat, as the send API checks it: {@code window_open_until} =
     * {@code last_inbound_at} + {@code gateway.send.window-hours} (null when the customer never wrote), and
     * {@code window_enforced} (true for Meta while {@code gateway.send.window.enabled}: only Meta enforces it).
     */
    void window(ObjectNode item, JsonNode source) {
        Instant lastInbound = instant(source.get("last_inbound_at"));
        if (lastInbound == null) {
            item.putNull("window_open_until");
        } else {
            item.put("window_open_until", lastInbound.plus(java.time.Duration.ofHours(windowHours)).toString());
        }
        item.put("window_enforced", windowEnabled && "meta".equals(source.path("provider").asText()));
    }

    /**
     * Sets {@code unread_count} on each chat with one search (a {@code filters} aggregation, one filter per chat).
     */
    void unreadCounts(List<ObjectNode> items) {
        if (items.isEmpty()) {
            return;
        }
        Map<String, Query> perChat = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            perChat.put(String.valueOf(i), unreadQuery(items.get(i)));
        }
        try {
            SearchResponse<Void> r = store.client().search(s -> s.index(store.getMessagesIndex()).size(0)
                    .ignoreUnavailable(true).allowNoIndices(true)
                    .aggregations("unread", a -> a.filters(f -> f.filters(b -> b.keyed(perChat)))), Void.class);
            Map<String, FiltersBucket> buckets = r.aggregations().get("unread").filters().buckets().keyed();
            for (int i = 0; i < items.size(); i++) {
                FiltersBucket b = buckets.get(String.valueOf(i));
                items.get(i).put("unread_count", b == null ? 0 : b.docCount());
            }
        } catch (IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("cannot count unread messages", e);
        }
    }

    /** @return the query of a chat's unread messages: inbound customer messages after its {@code last_read_at} */
    static Query unreadQuery(JsonNode chat) {
        List<Query> must = new ArrayList<>();
        must.add(Query.of(q -> q.term(t -> t.field("provider").value(chat.path("provider").asText()))));
        must.add(Query.of(q -> q.term(t -> t.field("account_id").value(chat.path("account_id").asText()))));
        must.add(Query.of(q -> q.term(t -> t.field("chat_id").value(chat.path("chat_id").asText()))));
        must.add(Query.of(q -> q.term(t -> t.field("from_me").value(false))));
        if (chat.hasNonNull("last_read_at")) {
            String readAt = chat.get("last_read_at").asText();
            must.add(Query.of(q -> q.range(r -> r.date(d -> d.field("timestamp").gt(readAt)))));
        }
        return Query.of(q -> q.bool(b -> b.filter(must)
                .mustNot(n -> n.term(t -> t.field("history").value(true)))));
    }

    private static String id(Exchange exchange) {
        String id = exchange.getMessage().getHeader("id", String.class);
        if (id == null || id.isBlank()) {
            throw new BadRequestException("id", "missing chat id");
        }
        if (id.indexOf('%') >= 0) {
            try {
                id = URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("id", "not a URL-encoded chat id");
            }
        }
        if (id.length() > 512 || id.chars().filter(c -> c == ':').count() < 2) {
            throw new BadRequestException("id", "not a chat id {provider}:{account_id}:{chat_id}");
        }
        return id;
    }

    private static Instant instant(JsonNode value) {
        try {
            return value == null || value.isNull() ? null : Instant.parse(value.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static void term(List<Query> filters, String field, String value) {
        if (value != null) {
            filters.add(Query.of(q -> q.term(t -> t.field(field).value(value))));
        }
    }

    /** @param windowHours the customer service window's length after the last inbound message, hours */
    public void setWindowHours(long windowHours) {
        this.windowHours = windowHours;
    }

    /** @param windowEnabled whether the send API refuses free-form Meta messages outside the window */
    public void setWindowEnabled(boolean windowEnabled) {
        this.windowEnabled = windowEnabled;
    }

    /** @param store the Elasticsearch store this bean reads through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param operators the operators whose tokens are accepted beside the shared ones */
    public void setOperators(Operators operators) {
        this.operators = operators;
    }

    /** @param chats the chats bean (its index name) */
    public void setChats(Chats chats) {
        this.chats = chats;
    }

    /** @param token bearer token of the read endpoints ({@code gateway.page.token}); blank turns them off (404) */
    public void setToken(String token) {
        this.token = token;
    }

    /**
     * @param sendToken bearer token of {@code POST /api/chats/{id}/read} ({@code gateway.api.send-token}); blank
     *                  turns it off (404)
     */
    public void setSendToken(String sendToken) {
        this.sendToken = sendToken;
    }
}
