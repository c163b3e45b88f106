package io.wagateway.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.support.Fixtures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load-generating side of the reliability tests: an HTTP/1.1 client to localhost, a status-code histogram, and a
 * sender that retries a request the way a webhook provider redelivers (bounded attempts, back-off). Only the sender
 * sleeps between its own attempts; the tests never sleep to wait for the system under test.
 */
final class Load {

    /** HTTP/1.1 (what providers use), no h2c upgrade; localhost only. */
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static final ObjectMapper JSON = new ObjectMapper();

    private Load() {
    }

    /** Status-code histogram; transport failures are counted as {@code io:<exception class>}. */
    static final class Histogram {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        void add(String key) {
            counts.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        void add(int status) {
            add(Integer.toString(status));
        }

        long get(String key) {
            LongAdder a = counts.get(key);
            return a == null ? 0 : a.sum();
        }

        long get(int status) {
            return get(Integer.toString(status));
        }

        long matching(java.util.function.Predicate<String> key) {
            return counts.entrySet().stream().filter(e -> key.test(e.getKey())).mapToLong(e -> e.getValue().sum()).sum();
        }

        @Override
        public String toString() {
            Map<String, Long> sorted = new TreeMap<>();
            counts.forEach((k, v) -> sorted.put(k, v.sum()));
            return sorted.toString().replace(" ", "");
        }
    }

    /** How a sender redelivers: at most {@code maxAttempts} attempts and {@code maxTotal} overall, back-off doubling. */
    record RetryPolicy(int maxAttempts, Duration maxTotal, Duration firstPause, Duration maxPause) {
    }

    /**
     * The end of one logical delivery (one webhook, possibly several attempts).
     *
     * @param status   the last HTTP status, or -1 when the last attempt failed in transport
     * @param body     the last response body (null on transport failure)
     * @param attempts attempts made
     */
    record Delivery(int status, String body, int attempts) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    static HttpResponse<String> send(URI uri, byte[] body, Map<String, String> headers, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends until a 2xx answer, like a provider redelivering: every attempt's status goes to {@code histogram}.
     *
     * @return the final delivery (ok or retries exhausted)
     */
    static Delivery sendUntilOk(URI uri, byte[] body, Map<String, String> headers, RetryPolicy policy,
            Histogram histogram) throws InterruptedException {
        long deadline = System.nanoTime() + policy.maxTotal().toNanos();
        long pause = policy.firstPause().toMillis();
        int attempts = 0;
        int status = -1;
        String answer = null;
        while (true) {
            attempts++;
            try {
                HttpResponse<String> r = send(uri, body, headers, Duration.ofSeconds(60));
                status = r.statusCode();
                answer = r.body();
                histogram.add(status);
            } catch (IOException e) {
                status = -1;
                answer = null;
                histogram.add("io:" + e.getClass().getSimpleName());
            }
            if (status >= 200 && status < 300) {
                return new Delivery(status, answer, attempts);
            }
            if (attempts >= policy.maxAttempts() || System.nanoTime() + pause * 1_000_000 > deadline) {
                return new Delivery(status, answer, attempts);
            }
            Thread.sleep(pause); // the sender (a provider's redelivery) waits, not the test
            pause = Math.min(pause * 2, policy.maxPause().toMillis());
        }
    }

    /** @return the count named {@code key} in a webhook's JSON answer ({@code stored}, {@code duplicate}, ...) */
    static int outcome(String answer, String key) {
        if (answer == null) {
            return 0;
        }
        try {
            return JSON.readTree(answer).path(key).asInt(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * A compact WAHA {@code message} webhook of the shape of {@code waha/message_inbound_text.json} with its own
     * envelope id and {@code payload.id}.
     */
    static byte[] wahaMessage(JsonNode template, String tag, int i) {
        ObjectNode body = template.deepCopy();
        body.put("id", "evt_" + tag + "_" + i);
        ObjectNode payload = (ObjectNode) body.get("payload");
        String wid = "3EB0" + tag.toUpperCase(java.util.Locale.ROOT) + String.format("%08d", i);
        payload.put("id", wahaPayloadId(tag, i));
        ((ObjectNode) payload.path("_data").path("Info")).put("ID", wid);
        payload.put("body", "reliability " + tag + " message " + i);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String wahaPayloadId(String tag, int i) {
        return "false_15550100001@c.us_3EB0" + tag.toUpperCase(java.util.Locale.ROOT) + String.format("%08d", i);
    }

    /** @return the Elasticsearch {@code _id} of {@link #wahaMessage}'s message */
    static String wahaDocumentId(String tag, int i) {
        return "waha:default:" + wahaPayloadId(tag, i);
    }

    static JsonNode wahaTemplate() {
        try {
            return JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Headers of a correctly signed WAHA webhook. */
    static Map<String, String> wahaHeaders(byte[] body) {
        return Map.of("Content-Type", "application/json", "X-Webhook-Hmac", Fixtures.wahaSignature(body),
                "X-Webhook-Hmac-Algorithm", "sha512");
    }

    static String json(Iterable<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
