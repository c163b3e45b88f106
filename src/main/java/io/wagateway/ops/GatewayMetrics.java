package io.wagateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.store.ElasticsearchStore;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's counters and timers, and what {@code GET /stats} and {@code GET /health} answer. One meter registry
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
 *   <li>{@code gateway.webhooks.rejected}, tag {@code reason} (signature checks), {@code gateway.dead_letters}, tag
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

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    private static final Logger LOG = LoggerFactory.getLogger(GatewayMetrics.class);
    /** Logger of the one line per webhook outcome: route it, or silence it, by this name. */
    private static final Logger OUTCOMES = LoggerFactory.getLogger("io.wagateway.webhook-outcome");

    private static final String STARTED = "gateway.webhookStartedNanos";
    private static final String ITEMS = "gateway.webhookItems";
    private static final String COUNTS = "gateway.outcomeCounts";
    private static final Map<Long, Long> BULK_STARTS = new ConcurrentHashMap<>();
    private static final Instant SINCE = Instant.now();

    private long healthTimeoutMs = 2000;

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
     * @param exchange the inbound HTTP exchange; property {@code provider} set
     */
    public void webhookReceived(Exchange exchange) {
        exchange.setProperty(STARTED, System.nanoTime());
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
        outcomeLine(exchange, provider, outcome, code, nanos);
    }

    @SuppressWarnings("unchecked")
    private static void outcomeLine(Exchange exchange, String provider, String outcome, int code, long nanos) {
        if (!OUTCOMES.isInfoEnabled()) {
            return;
        }
        long suppressed = 0;
        if ("unavailable".equals(outcome)) { // an outage answers every webhook 503: one line per interval, counted
            suppressed = RateLimitedLog.admit("webhook-unavailable:" + provider);
            if (suppressed < 0) {
                return;
            }
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("log", "webhook");
        line.put("provider", provider);
        java.util.Set<String> events = new java.util.TreeSet<>();
        java.util.List<String> ids = new java.util.ArrayList<>();
        Queue<String[]> items = exchange.getProperty(ITEMS, Queue.class);
        if (items != null) {
            for (String[] item : items) {
                events.add(item[0]);
                if (item[1] != null && ids.size() < 20) {
                    ids.add(LogMask.id(item[1]));
                }
            }
        }
        line.put("event", String.join(",", events));
        line.put("message_ids", ids);
        line.put("outcome", outcome);
        line.put("status", code);
        Map<String, Integer> counts = exchange.getProperty(COUNTS, Map.class);
        if (counts != null) {
            line.put("items", new TreeMap<>(counts));
        }
        line.put("latency_ms", Math.round(nanos / 1e5) / 10.0);
        if (suppressed > 0) {
            line.put("similar_suppressed", suppressed);
        }
        String json = Json.write(line);
        OUTCOMES.atInfo().setMessage(json)
                .addKeyValue("provider", provider).addKeyValue("event", line.get("event"))
                .addKeyValue("message_ids", String.join(",", ids)).addKeyValue("outcome", outcome)
                .addKeyValue("http_status", code).addKeyValue("latency_ms", line.get("latency_ms"))
                .log();
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

    // --- /stats and /health ---

    /**
     * The counters since start, in total and per provider: what {@code GET /stats} answers.
     *
     * @return {@code {"since":..., "total":{received, stored, duplicates, ignored, ignored_by_reason, failed,
     *         signature_rejections, dead_letters, ai_replies_sent, ai_replies_failed, provider_api_calls,
     *         cache_hits, cache_misses, ...}, "providers":{"meta":{...}, ...}}}
     */
    public Map<String, Object> stats() {
        Map<String, Map<String, Object>> perProvider = new TreeMap<>();
        Map<String, Object> total = emptyStats();
        MeterRegistry r = registry();
        add(r, "gateway.items.received", "kind", "message", "received", total, perProvider);
        add(r, "gateway.messages.stored", null, null, "stored", total, perProvider);
        add(r, "gateway.messages.duplicates", null, null, "duplicates", total, perProvider);
        add(r, "gateway.events.ignored", null, null, "ignored", total, perProvider);
        for (Timer t : r.find("gateway.webhooks").timers()) {
            String outcome = t.getId().getTag("outcome");
            if ("unavailable".equals(outcome) || "dead-lettered".equals(outcome) || "error".equals(outcome)) {
                total.merge("failed", t.count(), (a, b) -> (Long) a + (Long) b);
                perProvider.computeIfAbsent(provider(t), p -> emptyStats())
                        .merge("failed", t.count(), (a, b) -> (Long) a + (Long) b);
            }
        }
        add(r, "gateway.updates", null, null, "updates", total, perProvider);
        add(r, "gateway.webhooks.rejected", null, null, "signature_rejections", total, perProvider);
        add(r, "gateway.dead_letters", null, null, "dead_letters", total, perProvider);
        add(r, "gateway.replies", "outcome", "sent", "ai_replies_sent", total, perProvider);
        add(r, "gateway.replies", "outcome", "failed", "ai_replies_failed", total, perProvider);
        add(r, "gateway.provider.api.calls", null, null, "provider_api_calls", total, perProvider);
        add(r, "gateway.enrichment.cache", "result", "hit", "cache_hits", total, perProvider);
        add(r, "gateway.enrichment.cache", "result", "miss", "cache_misses", total, perProvider);
        for (Counter c : r.find("gateway.events.ignored").counters()) {
            String reason = String.valueOf(c.getId().getTag("reason"));
            long n = (long) c.count();
            addReason(total, reason, n);
            addReason(perProvider.computeIfAbsent(provider(c), p -> emptyStats()), reason, n);
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("since", SINCE.toString());
        stats.put("total", total);
        stats.put("providers", perProvider);
        return stats;
    }

    @SuppressWarnings("unchecked")
    private static void addReason(Map<String, Object> stats, String reason, long n) {
        ((Map<String, Long>) stats.get("ignored_by_reason")).merge(reason, n, Long::sum);
    }

    private static Map<String, Object> emptyStats() {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String k : new String[] {"received", "stored", "duplicates", "ignored", "failed", "updates",
                "signature_rejections", "dead_letters", "ai_replies_sent", "ai_replies_failed", "provider_api_calls",
                "cache_hits", "cache_misses"}) {
            s.put(k, 0L);
        }
        s.put("ignored_by_reason", new TreeMap<String, Long>());
        return s;
    }

    private static String provider(Meter m) {
        String p = m.getId().getTag("provider");
        return p == null ? "unknown" : p;
    }

    private static void add(MeterRegistry r, String name, String tag, String value, String key,
            Map<String, Object> total, Map<String, Map<String, Object>> perProvider) {
        Collection<Counter> counters = tag == null ? r.find(name).counters() : r.find(name).tag(tag, value).counters();
        for (Counter c : counters) {
            long n = (long) c.count();
            total.merge(key, n, (a, b) -> (Long) a + (Long) b);
            perProvider.computeIfAbsent(provider(c), p -> emptyStats()).merge(key, n, (a, b) -> (Long) a + (Long) b);
        }
    }

    /**
     * What {@code GET /health} answers: {@code status} ({@code UP} when Elasticsearch answers, else {@code DOWN}),
     * {@code version}, {@code started}, {@code uptime_seconds}, {@code elasticsearch} (cluster status) and
     * {@code stats} (as {@link #stats()}).
     *
     * @param exchange the request; its HTTP status is set to 503 when DOWN
     * @return the summary
     */
    public Map<String, Object> health(Exchange exchange) {
        ElasticsearchHealth.Result es;
        try {
            es = ElasticsearchHealth.check(store, healthTimeoutMs);
        } catch (IllegalStateException e) {
            es = new ElasticsearchHealth.Result(false, "unreachable", e.getMessage());
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", es.up() ? "UP" : "DOWN");
        h.put("version", version());
        long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        h.put("started", Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString());
        h.put("uptime_seconds", uptimeMs / 1000);
        Map<String, Object> esInfo = new LinkedHashMap<>();
        esInfo.put("status", es.status());
        if (es.error() != null) {
            esInfo.put("error", es.error());
        }
        h.put("elasticsearch", esInfo);
        h.put("stats", stats());
        if (!es.up()) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
        }
        return h;
    }

    /** @return the build's version (META-INF/build-info.properties), else the jar's, else {@code dev} */
    public static String version() {
        try (InputStream in = GatewayMetrics.class.getClassLoader()
                .getResourceAsStream("META-INF/build-info.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("build.version", "dev");
            }
        } catch (java.io.IOException e) {
            LOG.debug("no build info", e);
        }
        String v = GatewayMetrics.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
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

    /** @param healthTimeoutMs how long {@code /health} waits for Elasticsearch's cluster health, ms */
    public void setHealthTimeoutMs(long healthTimeoutMs) {
        this.healthTimeoutMs = healthTimeoutMs;
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

    /** Minimal JSON writer for the outcome line (strings, numbers, lists, maps). */
    private static final class Json {
        static String write(Object o) {
            StringBuilder b = new StringBuilder();
            write(b, o);
            return b.toString();
        }

        private static void write(StringBuilder b, Object o) {
            if (o == null) {
                b.append("null");
            } else if (o instanceof Number || o instanceof Boolean) {
                b.append(o);
            } else if (o instanceof Map<?, ?> m) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    write(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            } else if (o instanceof Collection<?> c) {
                b.append('[');
                boolean first = true;
                for (Object e : c) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    write(b, e);
                }
                b.append(']');
            } else {
                b.append('"');
                for (char ch : o.toString().toCharArray()) {
                    switch (ch) {
                        case '"' -> b.append("\\\"");
                        case '\\' -> b.append("\\\\");
                        case '\n' -> b.append("\\n");
                        case '\r' -> b.append("\\r");
                        case '\t' -> b.append("\\t");
                        default -> {
                            if (ch < 0x20) {
                                b.append(String.format("\\u%04x", (int) ch));
                            } else {
                                b.append(ch);
                            }
                        }
                    }
                }
                b.append('"');
            }
        }
    }
}
