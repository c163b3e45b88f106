package io.wagateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's counters and timers ({@code GET /stats} and {@code GET /health} read them: GatewayHealth); each
 * webhook's outcome line is logged by {@link WebhookOutcomeLog} when it is answered. One meter registry
 * is the single source: Micrometer's global registry, to which Spring Boot adds its Prometheus registry (so every
 * meter here is on {@code /actuator/prometheus}); under Camel JBang, where nothing else registers, a simple
 * in-memory registry is added on first use.
 *
 * <p>Meters (Prometheus names in brackets; every one tagged {@code provider}):
 * <ul>
 *   <li>{@code gateway.webhooks} timer [{@code gateway_webhooks_seconds_*}], tag {@code outcome} = {@code ok},
 *       {@code rejected}, {@code malformed}, {@code unavailable}, {@code dead-lettered}, {@code error}: the
 *       acknowledgement latency (request received → answer decided), with a percentile histogram;</li>
 *   <li>{@code gateway.items.received} [{@code gateway_items_received_total}], tag {@code kind} = {@code message},
 *       {@code lifecycle}, {@code event};</li>
 *   <li>{@code gateway.messages.stored}, {@code gateway.messages.duplicates}; "failed" in {@code /stats} = webhooks
 *       answered {@code unavailable} (503, redelivered by the provider), {@code error} (500) or
 *       {@code dead-lettered};</li>
 *   <li>{@code gateway.updates}, tag {@code outcome} (status/edit/delete/reaction updates kept or repeated);</li>
 *   <li>{@code gateway.events.ignored}, tag {@code reason};</li>
 *   <li>{@code gateway.events.kept}, tag {@code outcome} = {@code stored|duplicate}: ignored events written to the
 *       events index (a redelivery is a {@code duplicate}); tag {@code outcome} = {@code purged}: removed by the
 *       retention ({@code EventStore});</li>
 *   <li>{@code gateway.webhooks.rejected}, tags {@code reason} and {@code tenant} (signature checks),
 *       {@code gateway.tenants.unlisted_account}, tag {@code tenant} (TenantWebhooks), {@code gateway.dead_letters}, tag
 *       {@code reason}, {@code gateway.replies}, tag {@code outcome} = {@code sent|failed|unknown} — counted where
 *       they happen ({@code WebhookSignatureVerifier}, {@code DeadLetterStore}, {@code ReplyOutbox});</li>
 *   <li>{@code gateway.provider.api.calls}, tag {@code api} = {@code names|send};</li>
 *   <li>{@code gateway.enrichment.cache}, tag {@code result} = {@code hit|miss} (memory or Elasticsearch tier hit;
 *       miss = the provider API had to be asked);</li>
 *   <li>{@code gateway.elasticsearch.bulk} timer (no provider tag), tag {@code outcome}: each {@code _bulk} request,
 *       client side, with a percentile histogram.</li>
 * </ul>
 * Declared in {@code routes/beans.camel.yaml} as {@code gatewayMetrics}; routes call it where the flow
 * decides. Java beans use the static methods.
 */
public class GatewayMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayMetrics.class);

    private static final String STARTED = "gateway.webhookStartedNanos";
    private static final String ITEMS = "gateway.webhookItems";
    private static final String COUNTS = "gateway.outcomeCounts";
    private static final String TRACE_ID = "gateway.traceId";
    private static final Map<Long, Long> BULK_STARTS = new ConcurrentHashMap<>();

    /** @return the registry every gateway meter is registered in (Micrometer's global composite) */
    public static MeterRegistry registry() {
        if (Metrics.globalRegistry.getRegistries().isEmpty()) {
            synchronized (GatewayMetrics.class) {
                if (Metrics.globalRegistry.getRegistries().isEmpty()) {
                    Metrics.addRegistry(new SimpleMeterRegistry()); // Camel JBang: no Spring Boot registry
                }
            }
        }
        return Metrics.globalRegistry;
    }

    /** Meters by name and tags: registering (building an id, looking it up) on every count cost CPU per webhook. */
    private static final Map<String, io.micrometer.core.instrument.Meter> METERS = new ConcurrentHashMap<>();

    private static void count(String name, String provider, String... tags) {
        String p = provider == null ? "unknown" : provider;
        String key = name + '|' + p + '|' + String.join("|", tags);
        ((Counter) METERS.computeIfAbsent(key, k -> Counter.builder(name).tag("provider", p).tags(tags)
                .register(registry()))).increment();
    }

    // --- webhooks ---

    /**
     * Marks the start of a webhook (first step of each provider inbound route): its answer is timed, counted and
     * logged as one structured line when the exchange completes, whatever the outcome.
     *
     * With tracing on (GatewayTracing) the line carries the webhook's {@code trace_id}: the trace of the span current
     * here, the inbound route's (OpenTelemetry's API answers an invalid span when tracing is off: no id).
     *
     * @param exchange the inbound HTTP exchange; property {@code provider} set
     */
    public void webhookReceived(Exchange exchange) {
        exchange.setProperty(STARTED, System.nanoTime());
        io.opentelemetry.api.trace.SpanContext span = io.opentelemetry.api.trace.Span.current().getSpanContext();
        if (span.isValid()) {
            exchange.setProperty(TRACE_ID, span.getTraceId());
        }
        exchange.setProperty(ITEMS, new ConcurrentLinkedQueue<String[]>());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                webhookAnswered(done);
            }

            // stays with the webhook's exchange: a copy sent on (the live page's seda:message-events, with
            // waitForTaskToComplete=Never) would otherwise take it and time, count and log the copy instead
            @Override
            public boolean allowHandover() {
                return false;
            }
        });
    }

    /**
     * Counts one item of a webhook's batch (called by the pipeline's split for each item) and remembers its event and
     * message id for the webhook's outcome line.
     *
     * @param exchange the item's exchange; body a {@code CanonicalMessage}, {@code LifecycleUpdate} or
     *                 {@code IgnoredEvent}
     */
    @SuppressWarnings("unchecked")
    public void item(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        String provider = exchange.getProperty("provider", String.class);
        String kind;
        String event;
        String id;
        if (body instanceof CanonicalMessage m) {
            kind = "message";
            event = "message";
            id = m.messageId();
            provider = m.provider();
        } else if (body instanceof LifecycleUpdate u) {
            kind = "lifecycle";
            event = u.update();
            id = u.targetMessageId();
            provider = u.provider();
        } else if (body instanceof io.wagateway.message.ContactUpdate c) {
            kind = "contact";
            event = c.event();
            id = null;
            provider = c.provider();
        } else if (body instanceof IgnoredEvent e) {
            kind = "event";
            event = e.event();
            id = null;
            provider = e.provider();
        } else if (body instanceof io.wagateway.message.WebhookItem w) {    // e.g. a ChatOwnerChange
            kind = w.kind();
            event = w.kind();
            id = null;
            provider = w.provider();
        } else {
            kind = "unknown";
            event = "unknown";
            id = null;
        }
        count("gateway.items.received", provider, "kind", kind);
        // no usable provider id (issue 15 item 10): kept under a content hash or a derived id, and counted
        if (body instanceof CanonicalMessage m && m.idSource() != null) {
            count("gateway.items.without_id", provider, "kind", kind, "id_source", m.idSource());
        } else if (body instanceof LifecycleUpdate u && !u.hasTarget()) {
            count("gateway.items.without_id", provider, "kind", kind, "id_source", "content_hash");
        }
        Queue<String[]> items = exchange.getProperty(ITEMS, Queue.class);
        if (items != null) {
            items.add(new String[] {event, id});
        }
    }

    /**
     * Counts an item's outcome, called by the split aggregation for every item.
     *
     * @param provider the provider
     * @param outcome  the item route's outcome word ({@code stored}, {@code duplicate}, {@code ignored},
     *                 {@code update_stored}, ...), or null when the item failed
     */
    public static void itemOutcome(String provider, String outcome) {
        if (outcome == null) {
            return; // the webhook fails as a whole: counted by its outcome (gateway.webhooks)
        } else if ("stored".equals(outcome)) {
            count("gateway.messages.stored", provider);
        } else if ("duplicate".equals(outcome)) {
            count("gateway.messages.duplicates", provider);
        } else if (outcome.startsWith("update_")) {
            count("gateway.updates", provider, "outcome", outcome.substring("update_".length()));
        }
        // "ignored" is counted with its reason by ignored(...)
    }

    /**
     * Counts and logs an event that is not a message or an update (the {@code ignored-event} route, which then keeps
     * it in the events index).
     *
     * @param event the ignored event
     */
    public void ignored(IgnoredEvent event) {
        count("gateway.events.ignored", event.provider(), "reason", event.reason() == null ? "unknown" : event.reason());
        LOG.info("Acknowledged {} event '{}' as an event, not a message ({}), account {}: kept in the events index",
                event.provider(), event.event(), event.reason(), LogMask.id(event.accountId()));
    }

    /**
     * Counts an event of the events index: kept ({@code stored}, or {@code duplicate} for a redelivery) or removed by
     * the retention ({@code purged}).
     *
     * @param provider the provider id (null counts as {@code unknown})
     * @param outcome  {@code stored}, {@code duplicate} or {@code purged}
     * @param n        how many
     */
    public static void eventsKept(String provider, String outcome, long n) {
        String p = provider == null ? "unknown" : provider;
        ((Counter) METERS.computeIfAbsent("gateway.events.kept|" + p + "|" + outcome,
                k -> Counter.builder("gateway.events.kept").tag("provider", p).tag("outcome", outcome)
                        .register(registry()))).increment(n);
    }

    @SuppressWarnings("unchecked")
    private void webhookAnswered(Exchange exchange) {
        Long started = exchange.getProperty(STARTED, Long.class);
        long nanos = started == null ? 0 : System.nanoTime() - started;
        String provider = exchange.getProperty("provider", "unknown", String.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        int code = status == null ? (exchange.isFailed() ? 500 : 200) : status;
        String body = exchange.getMessage().getBody(String.class);
        String outcome = switch (code) {
            case 200 -> body != null && body.contains("dead-lettered") ? "dead-lettered" : "ok";
            case 401, 403 -> "rejected";
            case 400, 413 -> "malformed";
            case 503 -> "unavailable";
            default -> "error";
        };
        ((Timer) METERS.computeIfAbsent("gateway.webhooks|" + provider + "|" + outcome,
                k -> Timer.builder("gateway.webhooks").description("webhook acknowledgement latency")
                        .tag("provider", provider).tag("outcome", outcome)
                        .publishPercentileHistogram().register(registry()))).record(nanos, TimeUnit.NANOSECONDS);
        WebhookOutcomeLog.log(provider, outcome, code, nanos, exchange.getProperty(ITEMS, Queue.class),
                exchange.getProperty(COUNTS, Map.class), exchange.getProperty(TRACE_ID, String.class));
    }

    // --- counters used by Java beans and routes ---

    /**
     * Counts one call to a provider's API.
     *
     * @param provider the provider
     * @param api      {@code names} (chat/contact name lookups) or {@code send} (AI replies)
     */
    public static void providerApiCall(String provider, String api) {
        count("gateway.provider.api.calls", provider, "api", api);
    }

    /**
     * Route-facing form of {@link #providerApiCall(String, String)}.
     *
     * @param provider the provider
     * @param api      {@code names} or {@code send}
     */
    public void apiCall(String provider, String api) {
        providerApiCall(provider, api);
    }

    /**
     * Counts a names-cache answer.
     *
     * @param provider the provider
     * @param hit      true when memory or the names index answered, false when the provider API had to be asked
     */
    public static void cache(String provider, boolean hit) {
        count("gateway.enrichment.cache", provider, "result", hit ? "hit" : "miss");
    }

    /** @param executionId the bulk request's id, from the bulk listener's {@code beforeBulk} */
    public static void bulkStarted(long executionId) {
        BULK_STARTS.put(executionId, System.nanoTime());
    }

    /**
     * Records one {@code _bulk} request's duration (client side: from send to answer).
     *
     * @param executionId the bulk request's id
     * @param ok          true when Elasticsearch answered (items may still have failed), false when the request failed
     */
    public static void bulkDone(long executionId, boolean ok) {
        Long started = BULK_STARTS.remove(executionId);
        if (started != null) {
            String outcome = ok ? "ok" : "failed";
            ((Timer) METERS.computeIfAbsent("gateway.elasticsearch.bulk|" + outcome,
                    k -> Timer.builder("gateway.elasticsearch.bulk").description("Elasticsearch _bulk request duration")
                            .tag("outcome", outcome).publishPercentileHistogram().register(registry())))
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Records one batched real-time read ({@code _mget}, client side: from send to answer).
     *
     * @param nanos   its duration, in ns
     * @param batched how many documents it read
     */
    public static void mgetDone(long nanos, int batched) {
        ((Timer) METERS.computeIfAbsent("gateway.elasticsearch.mget",
                k -> Timer.builder("gateway.elasticsearch.mget")
                        .description("Elasticsearch _mget request duration (the batched lookups)")
                        .publishPercentileHistogram().register(registry())))
                .record(nanos, TimeUnit.NANOSECONDS);
        ((io.micrometer.core.instrument.DistributionSummary) METERS.computeIfAbsent("gateway.elasticsearch.mget.documents",
                k -> io.micrometer.core.instrument.DistributionSummary.builder("gateway.elasticsearch.mget.documents")
                        .description("documents read per _mget").baseUnit("documents").register(registry())))
                .record(batched);
    }

    /**
     * Records the time Elasticsearch itself reports for one {@code _bulk} request (its {@code took}, ms). Its total
     * over its count, beside {@link #bulkDone}'s client-side mean, tells Elasticsearch's share from the network, the
     * client and the wait for a CPU. Single values are coarse: in the benchmark every bulk showed 0 or 180-200 ms and
     * nothing between, as from a clock that ticks every 200 ms (Elasticsearch's cached time); hence no histogram.
     *
     * @param tookMs the bulk response's {@code took}, in ms
     */
    public static void bulkTook(long tookMs) {
        ((Timer) METERS.computeIfAbsent("gateway.elasticsearch.bulk.took",
                k -> Timer.builder("gateway.elasticsearch.bulk.took")
                        .description("Elasticsearch's own time for a _bulk request (its took; 200 ms clock ticks)")
                        .register(registry())))
                .record(tookMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Route-facing {@link LogMask#id(Object)}, for ids in log messages.
     *
     * @param id an id that may contain a phone number
     * @return the masked id
     */
    public String maskId(String id) {
        return LogMask.id(id);
    }

    /**
     * Logs, at most once per cause per interval ({@link RateLimitedLog}), that a webhook was answered 503 because
     * storage was unavailable: called by the {@code webhook-errors} route configuration.
     *
     * @param exchange the webhook's exchange; its caught exception says why
     */
    public void storeUnavailable(Exchange exchange) {
        String provider = exchange.getProperty("provider", "unknown", String.class);
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        RateLimitedLog.warn(LOG, "store-unavailable:" + provider,
                "Storage unavailable, {} webhook answered 503 so it is redelivered: {}", provider,
                e == null ? "unknown" : e.getMessage());
    }

    /** @param warnIntervalMs a repeated warning is logged once per cause per this many ms ({@link RateLimitedLog}) */
    public void setWarnIntervalMs(long warnIntervalMs) {
        RateLimitedLog.setIntervalMs(warnIntervalMs);
    }

    /** @param unmask true to log phone numbers, ids and texts unmasked (development only); see {@link LogMask} */
    public void setUnmask(boolean unmask) {
        LogMask.setUnmasked(unmask);
    }
}
