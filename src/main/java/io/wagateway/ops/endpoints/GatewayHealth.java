package io.wagateway.ops.endpoints;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.store.ElasticsearchStore;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code GET /health} and {@code GET /stats} answer (routes/ops.camel.yaml): the counters since start, read from
 * the meters of {@link GatewayMetrics}, and Elasticsearch's cluster health. Declared in routes/beans.camel.yaml as
 * {@code gatewayHealth}.
 */
public class GatewayHealth {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHealth.class);
    private static final Instant SINCE = Instant.now();

    private ElasticsearchStore store;
    private long healthTimeoutMs = 2000;

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
        MeterRegistry r = GatewayMetrics.registry();
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
     * {@code version}, {@code started}, {@code uptime_seconds}, {@code elasticsearch} (cluster status, {@code nodes_configured}: how many node URLs the
     * client has) and
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
        esInfo.put("nodes_configured", store == null ? 0 : store.getNodes().size());
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
        try (InputStream in = GatewayHealth.class.getClassLoader()
                .getResourceAsStream("META-INF/build-info.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("build.version", "dev");
            }
        } catch (java.io.IOException e) {
            LOG.debug("no build info", e);
        }
        String v = GatewayHealth.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** @param store the store whose cluster health {@code /health} reports (by reference: {@code #bean:elasticsearchStore}) */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param healthTimeoutMs how long {@code /health} waits for Elasticsearch's cluster health, ms */
    public void setHealthTimeoutMs(long healthTimeoutMs) {
        this.healthTimeoutMs = healthTimeoutMs;
    }
}
