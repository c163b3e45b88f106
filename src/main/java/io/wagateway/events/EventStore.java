package io.wagateway.events;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.ContentHash;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import io.wagateway.store.WriteOutcome;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events index ({@code gateway.elasticsearch.index.events}, default {@code whatsapp-events}): every
 * {@link IgnoredEvent} - an event the gateway does not turn into a message or an update (an unknown Meta
 * {@code field}, an unknown WAHA event, {@code session.status}, ...) - is kept there with its raw item, so it can be
 * searched and replayed after an upgrade ({@link EventAdmin}).
 *
 * <p>Written through the store's shared bulk path, create-if-absent on {@link #documentId}: provider, account and the
 * {@link ContentHash} of the raw item (Meta events carry no id of their own), so a redelivery is a duplicate, never a
 * second document. A webhook is acknowledged only once its events are durable, as for messages: when Elasticsearch
 * cannot take them the write fails with {@link StoreUnavailableException} (503, redelivered).
 *
 * <p>Retention: this Elasticsearch has no ILM and no {@code _delete_by_query} (the reindex module is absent), so
 * {@link #purgeExpired()} searches the ids of events received before the cut-off and deletes them with {@code _bulk},
 * a page at a time; a timer route runs it ({@code routes/events.camel.yaml}).
 */
public class EventStore {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);
    /** {@code raw_scope} of an event whose {@code raw} is the provider's item (a Meta change, a WAHA envelope...). */
    public static final String SCOPE_ITEM = "item";
    /** {@code raw_scope} of an event created without its item: {@code raw} is the whole webhook body. */
    public static final String SCOPE_WEBHOOK = "webhook";
    private static final int PURGE_PAGE = 1000;

    private final ObjectMapper mapper = JsonMapperFactory.create();
    private final Clock clock;
    private int retentionDays = 30;
    private int purgeMaxPerRun = 100_000;

    /** An event store on the system clock. */
    public EventStore() {
        this(Clock.systemUTC());
    }

    /** @param clock the clock of {@code received_at} and of the retention's cut-off */
    public EventStore(Clock clock) {
        this.clock = clock;
    }

    /**
     * The {@code _id} of an event: {@code {provider}:{account_id or -}:sha256-<hex>} of its raw item.
     *
     * @param event the event
     * @param raw   the raw item kept with it ({@link IgnoredEvent#raw()}, or the webhook body when it has none)
     * @return the document id; the same item of the same provider and account always gets the same one
     */
    public static String documentId(IgnoredEvent event, JsonNode raw) {
        String account = event.accountId() == null || event.accountId().isBlank() ? "-" : event.accountId();
        return (event.provider() == null ? "unknown" : event.provider()) + ":" + account + ":" + ContentHash.of(raw);
    }

    /**
     * Keeps the exchange's {@link IgnoredEvent} in the events index (create-if-absent).
     *
     * @param exchange the item's exchange: body an {@link IgnoredEvent}; property {@code rawBody} the webhook's bytes
     *                 (kept as {@code raw} when the event carries no raw item of its own)
     * @return completes with {@link WriteOutcome#STORED} or {@link WriteOutcome#DUPLICATE} once Elasticsearch confirmed
     *         it; fails with {@link StoreUnavailableException} (503) or a {@code DocumentRejectedException}
     */
    public CompletableFuture<WriteOutcome> keep(Exchange exchange) {
        IgnoredEvent event = exchange.getMessage().getBody(IgnoredEvent.class);
        byte[] webhook = exchange.getProperty("rawBody", byte[].class);
        JsonNode raw = event.raw();
        String scope = SCOPE_ITEM;
        if (raw == null || raw.isMissingNode()) {
            raw = webhookBody(webhook);
            scope = SCOPE_WEBHOOK;
        }
        ObjectNode doc = mapper.createObjectNode();
        doc.put("provider", event.provider());
        doc.put("account_id", event.accountId());
        doc.put("event", event.event() == null ? "(none)" : event.event());
        doc.put("reason", event.reason());
        doc.put("received_at", clock.instant().toString());
        doc.put("raw_scope", scope);
        String id = documentId(event, raw);
        doc.put("content_hash", id.substring(id.lastIndexOf(':') + 1));
        doc.set("raw", raw);
        String provider = event.provider();
        return store.createDocument(store.getEventsIndex(), id, doc).whenComplete((outcome, failure) -> {
            if (outcome != null) {
                GatewayMetrics.eventsKept(provider, outcome.name().toLowerCase(Locale.ROOT), 1);
            }
        });
    }

    private JsonNode webhookBody(byte[] webhook) {
        if (webhook == null) {
            return mapper.nullNode();
        }
        try {
            JsonNode parsed = mapper.readTree(webhook);
            return parsed == null ? mapper.nullNode() : parsed;
        } catch (IOException e) {
            return mapper.getNodeFactory().textNode(new String(webhook, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /**
     * Deletes the events received more than {@code retentionDays} ago (none when it is 0), at most
     * {@code purgeMaxPerRun} per call, a page of 1,000 ids at a time (search, then {@code _bulk} delete).
     *
     * @return how many were deleted
     * @throws StoreUnavailableException when Elasticsearch cannot be asked (the next run tries again)
     */
    public long purgeExpired() {
        if (retentionDays <= 0) {
            return 0;
        }
        String index = store.getEventsIndex();
        Instant cutoff = clock.instant().minus(Duration.ofDays(retentionDays));
        long deleted = 0;
        try {
            while (deleted < purgeMaxPerRun) {
                store.client().indices().refresh(r -> r.index(index));
                SearchResponse<Void> page = store.client().search(s -> s.index(index).size(PURGE_PAGE)
                        .source(src -> src.fetch(false)).trackTotalHits(t -> t.enabled(false))
                        .query(q -> q.range(r -> r.date(d -> d.field("received_at").lt(cutoff.toString())))),
                        Void.class);
                List<Hit<Void>> hits = page.hits().hits();
                if (hits.isEmpty()) {
                    break;
                }
                List<BulkOperation> deletes = new ArrayList<>();
                for (Hit<Void> hit : hits) {
                    deletes.add(BulkOperation.of(o -> o.delete(d -> d.index(hit.index()).id(hit.id()))));
                }
                BulkResponse r = store.client().bulk(b -> b.operations(deletes));
                long done = r.items().stream().filter(i -> i.error() == null).count();
                deleted += done;
                GatewayMetrics.eventsKept(null, "purged", done);
                if (done == 0) {
                    break; // nothing could be deleted: do not spin on the same page
                }
            }
        } catch (IOException | co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
            throw new StoreUnavailableException("cannot purge expired events: " + e, e);
        }
        if (deleted > 0) {
            LOG.info("Events retention: deleted {} events received before {} ({} days)", deleted, cutoff,
                    retentionDays);
        }
        return deleted;
    }

    /** @param retentionDays events older than this many days are deleted by {@link #purgeExpired()}; 0 keeps them all */
    public void setRetentionDays(int retentionDays) {
        this.retentionDays = retentionDays;
    }

    /** @return the retention, in days (0 = forever) */
    public int getRetentionDays() {
        return retentionDays;
    }

    /** @param purgeMaxPerRun the most events one {@link #purgeExpired()} call deletes */
    public void setPurgeMaxPerRun(int purgeMaxPerRun) {
        this.purgeMaxPerRun = purgeMaxPerRun;
    }
}
