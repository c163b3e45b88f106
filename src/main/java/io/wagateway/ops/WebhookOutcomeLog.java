package io.wagateway.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one structured line logged per webhook when it is answered (logger {@code io.wagateway.webhook-outcome}: route
 * it, or silence it, by that name), e.g.
 * {@code {"log":"webhook","provider":"waha","event":"message","message_ids":["..."],"outcome":"ok","status":200,
 * "items":{"stored":1},"latency_ms":4.2}}, with {@code "trace_id":"<32 hex>"} last when tracing is on
 * (docs/tracing.md). Ids are masked ({@link LogMask}), at most 20 per line; a 503 outage logs
 * one line per cause and interval ({@link RateLimitedLog}) with {@code similar_suppressed}. The line is written by
 * Jackson and carried as key-value pairs as well, for structured log appenders.
 */
public final class WebhookOutcomeLog {

    /** Logger of the outcome lines. */
    private static final Logger OUTCOMES = LoggerFactory.getLogger("io.wagateway.webhook-outcome");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_IDS = 20;

    private WebhookOutcomeLog() {
    }

    /**
     * Logs one webhook's outcome line (nothing when the logger is off, or when a repeated 503 is rate-limited).
     *
     * @param provider the provider
     * @param outcome  {@code ok}, {@code rejected}, {@code malformed}, {@code unavailable}, {@code dead-lettered} or
     *                 {@code error}
     * @param code     the HTTP status answered
     * @param nanos    the acknowledgement latency, ns
     * @param items    the webhook's items as {event, message id or null}, or null
     * @param counts   the items' outcome counts ({@code stored}, {@code duplicate}, ...), or null
     */
    public static void log(String provider, String outcome, int code, long nanos, Queue<String[]> items,
            Map<String, Integer> counts) {
        log(provider, outcome, code, nanos, items, counts, null);
    }

    /**
     * As {@link #log(String, String, int, long, Queue, Map)}, with the webhook's trace id.
     *
     * @param traceId the OpenTelemetry trace id of the webhook (32 hex digits), or null when tracing is off
     */
    public static void log(String provider, String outcome, int code, long nanos, Queue<String[]> items,
            Map<String, Integer> counts, String traceId) {
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
        Set<String> events = new TreeSet<>();
        List<String> ids = new ArrayList<>();
        if (items != null) {
            for (String[] item : items) {
                events.add(item[0]);
                if (item[1] != null && ids.size() < MAX_IDS) {
                    ids.add(LogMask.id(item[1]));
                }
            }
        }
        String event = String.join(",", events);
        double latencyMs = Math.round(nanos / 1e5) / 10.0;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("log", "webhook");
        line.put("provider", provider);
        line.put("event", event);
        line.put("message_ids", ids);
        line.put("outcome", outcome);
        line.put("status", code);
        if (counts != null) {
            line.put("items", new TreeMap<>(counts));
        }
        line.put("latency_ms", latencyMs);
        if (suppressed > 0) {
            line.put("similar_suppressed", suppressed);
        }
        if (traceId != null) {
            line.put("trace_id", traceId);
        }
        org.slf4j.spi.LoggingEventBuilder entry = OUTCOMES.atInfo().setMessage(write(line))
                .addKeyValue("provider", provider).addKeyValue("event", event)
                .addKeyValue("message_ids", String.join(",", ids)).addKeyValue("outcome", outcome)
                .addKeyValue("http_status", code).addKeyValue("latency_ms", latencyMs);
        if (traceId != null) {
            entry = entry.addKeyValue("trace_id", traceId);
        }
        entry.log();
    }

    /**
     * @param line the outcome line's fields
     * @return the line as JSON
     */
    static String write(Map<String, Object> line) {
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) { // strings, numbers, lists and maps only: not expected
            throw new IllegalStateException("outcome line not serialisable: " + e.getMessage(), e);
        }
    }
}
