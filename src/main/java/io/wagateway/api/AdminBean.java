package io.wagateway.api;

import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.inbound.WebhookOutcomes;
import io.wagateway.store.ElasticsearchStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * What the {@code /admin} beans share (the dead-letter admin, the events admin): the bearer-token check, the filters
 * of their lists and the re-feed of a kept webhook body through its provider's payload route.
 */
public abstract class AdminBean implements CamelContextAware {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    protected ElasticsearchStore store;
    private CamelContext camelContext;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Longest id an admin path accepts, in bytes (Elasticsearch's {@code _id} limit). */
    protected static final int MAX_ID_BYTES = 512;

    private String token;
    private ProducerTemplate producer;

    /**
     * @param authorization the request's {@code Authorization} header, as sent in the header
     * @throws AdminAccessException 404 when admin endpoints are off, 401 when the bearer token is missing or wrong
     */
    public void authorize(String authorization) {
        if (token == null || token.isBlank()) {
            throw new AdminAccessException(404, "admin endpoints are off (ADMIN_TOKEN not set)");
        }
        if (!BearerAuth.matches(authorization, token)) {
            throw new AdminAccessException(401, "missing or wrong bearer token");
        }
    }

    /**
     * Checks the bearer token of an admin request, read from its {@code Authorization} header only (a query
     * parameter of that name is never taken for it: {@link BearerAuth}).
     *
     * @param exchange the admin request
     * @throws AdminAccessException 404 when admin endpoints are off, 401 when the bearer token is missing or wrong
     */
    public void authorizeRequest(Exchange exchange) {
        authorize(BearerAuth.header(exchange, "Authorization"));
    }

    /**
     * One page of an admin list: the documents of {@code index} matching {@code query}, newest first by
     * {@code received_at} then {@code tieBreaker}, as summaries (only {@code fields}), paged with
     * {@code search_after} ({@link SearchCursor}). The index is refreshed first, so a list shows what was just written.
     *
     * @param index      the alias to list
     * @param fields     the summary fields read from each document
     * @param tieBreaker a keyword field that orders documents of the same {@code received_at} (unmapped = keyword)
     * @param query      the filters
     * @param size       documents per page
     * @param after      the previous page's cursor, or null for the first page
     * @param what       what is listed, for the error message
     * @param summary    makes one list item of a hit (its id and summary fields)
     * @return JSON {@code {"total":n,"items":[...],"size":k,"next":cursor|null}}; {@code next} is null on the last page
     * @throws io.wagateway.store.StoreUnavailableException when Elasticsearch cannot be searched
     */
    protected String summaryPage(String index, List<String> fields, String tieBreaker, Query query, int size,
            List<co.elastic.clients.elasticsearch._types.FieldValue> after, String what,
            java.util.function.Function<co.elastic.clients.elasticsearch.core.search.Hit<ObjectNode>, ObjectNode> summary) {
        co.elastic.clients.elasticsearch.core.SearchResponse<ObjectNode> r;
        try {
            store.client().indices().refresh(rf -> rf.index(index));
            r = store.client().search(s -> {
                s.index(index).size(size + 1).trackTotalHits(t -> t.enabled(true))
                        .source(src -> src.filter(f -> f.includes(fields)))
                        .sort(so -> so.field(f -> f.field("received_at").order(SortOrder.Desc)))
                        .sort(so -> so.field(f -> f.field(tieBreaker).order(SortOrder.Desc)
                                .unmappedType(co.elastic.clients.elasticsearch._types.mapping.FieldType.Keyword)))
                        .query(query);
                if (after != null) {
                    s.searchAfter(after);
                }
                return s;
            }, ObjectNode.class);
        } catch (java.io.IOException e) {
            throw new io.wagateway.store.StoreUnavailableException("cannot search " + what, e);
        }
        ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        out.put("total", r.hits().total() == null ? r.hits().hits().size() : r.hits().total().value());
        com.fasterxml.jackson.databind.node.ArrayNode items = out.putArray("items");
        List<co.elastic.clients.elasticsearch.core.search.Hit<ObjectNode>> hits = r.hits().hits();
        for (co.elastic.clients.elasticsearch.core.search.Hit<ObjectNode> hit : hits.subList(0, Math.min(size,
                hits.size()))) {
            items.add(summary.apply(hit));
        }
        out.put("size", items.size());
        if (hits.size() > size) {
            out.put("next", SearchCursor.of(hits.get(size - 1).sort()));
        } else {
            out.putNull("next");
        }
        return out.toString();
    }

    /**
     * Sends a kept webhook body through {@code direct:<provider>-payload}, the live path after the signature check.
     *
     * @param provider the provider id
     * @param body     the body's bytes
     * @return the webhook answer it got ({@link WebhookOutcomes#summary}), e.g. {@code {"status":"ok","stored":1,...}}
     * @throws Exception what the payload route failed with
     */
    protected String refeed(String provider, byte[] body) throws Exception {
        return refeed(provider, null, null, body);
    }

    /**
     * Sends a kept webhook body of a tenant's path through {@code direct:<provider>-payload}, as that path's route
     * would after the signature check: its items' account ids are qualified with the tenant (docs/tenants.md).
     *
     * @param provider the provider id
     * @param tenant   the tenant id the webhook came in for; null or blank = the default tenant
     * @param entry    the tenant's provider entry name (blank = its unnamed entry); null = the entry that serves
     *                 each item's account (an event replayed from its qualified account id)
     * @param body     the body's bytes
     * @return the webhook answer it got ({@link WebhookOutcomes#summary})
     * @throws Exception what the payload route failed with (an unknown tenant: IllegalStateException)
     */
    protected String refeed(String provider, String tenant, String entry, byte[] body) throws Exception {
        Exchange answer = producer().request("direct:" + provider + "-payload", e -> {
            e.setProperty("provider", provider);
            if (tenant != null && !tenant.isBlank()) {
                e.setProperty(io.wagateway.inbound.TenantWebhooks.TENANT, tenant);
                if (entry != null) {
                    e.setProperty(io.wagateway.inbound.TenantWebhooks.ENTRY, entry);
                }
            }
            e.setProperty("rawBody", body);
            e.getMessage().setBody(body);
        });
        if (answer.getException() != null) {
            throw answer.getException();
        }
        return WebhookOutcomes.summary(answer);
    }

    /** @return the bean's producer template (created on first use) */
    protected synchronized ProducerTemplate producer() {
        if (producer == null) {
            producer = getCamelContext().createProducerTemplate();
        }
        return producer;
    }

    /**
     * @param id   an id from the path
     * @param what what it names, for the error ("dead letter", "event")
     * @throws BadRequestException (400) when blank or longer than 512 bytes
     */
    protected static void checkId(String id, String what) {
        if (id == null || id.isBlank()) {
            throw new BadRequestException("id", "is required");
        }
        if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw new BadRequestException("id", "longer than " + MAX_ID_BYTES + " bytes (no " + what + " has such an id)");
        }
    }

    /** Adds a {@code term} filter on {@code field} when {@code value} is given. */
    protected static void term(List<Query> filters, String field, String value) {
        if (value != null) {
            filters.add(Query.of(q -> q.term(t -> t.field(field).value(value))));
        }
    }

    /**
     * Adds a range filter on the date {@code field} from the {@code from}/{@code to} parameters, when either is given.
     *
     * @throws BadRequestException (400) when they are not ISO-8601 times or {@code from} is after {@code to}
     */
    protected static void timeRange(List<Query> filters, QueryParams params, String field) {
        Instant[] range = params.range("from", "to");
        if (range[0] != null || range[1] != null) {
            filters.add(Query.of(q -> q.range(rg -> rg.date(d -> {
                d.field(field);
                if (range[0] != null) {
                    d.gte(range[0].toString());
                }
                if (range[1] != null) {
                    d.lte(range[1].toString());
                }
                return d;
            }))));
        }
    }

    /** @param token the admin bearer token; blank turns the admin endpoints off (404) */
    public void setToken(String token) {
        this.token = token;
    }
}
