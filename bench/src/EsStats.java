import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests Elasticsearch received, counted by Elasticsearch itself: {@code GET _nodes/stats/http}, whose
 * {@code http.routes} (Elasticsearch 8.9+) gives per REST route {@code requests.count}; every request counts
 * ({@code _bulk}, {@code _mget}, get, index, search, health), whoever sent it, not only the gateway's own meters.
 * The benchmark's own stats calls ({@code /_nodes/stats/...}) are listed by route but left out of the total.
 */
final class EsStats {

    private final String esUrl;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    EsStats(String esUrl) {
        this.esUrl = esUrl;
    }

    /**
     * @return route ({@code POST /_bulk}, ...) → requests so far, summed over the nodes, plus {@code "total"}; empty
     *         when the stats cannot be read (the bench goes on without the figure)
     */
    Map<String, Long> requests() {
        Map<String, Long> out = new TreeMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(esUrl
                    + "/_nodes/stats/http?filter_path=nodes.*.http.routes.*.requests.count")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode nodes = GatewayBenchmark.JSON.readTree(r.body()).path("nodes");
            long total = 0;
            for (Iterator<JsonNode> n = nodes.elements(); n.hasNext(); ) {
                JsonNode routes = n.next().path("http").path("routes");
                for (Map.Entry<String, JsonNode> route : routes.properties()) {
                    long count = route.getValue().path("requests").path("count").asLong();
                    out.merge(route.getKey(), count, Long::sum);
                    if (!route.getKey().startsWith("/_nodes/stats")) {
                        total += count;
                    }
                }
            }
            if (!out.isEmpty()) {
                out.put("total", total);
            }
        } catch (Exception e) {
            System.out.println("_nodes/stats/http unreadable: " + e);
        }
        return out;
    }

    /**
     * @param before  {@link #requests()} at a phase's start
     * @param after   at its end
     * @param webhooks webhooks of the phase
     * @return total requests, requests per 1,000 webhooks, and the routes that received any
     */
    static Map<String, Object> delta(Map<String, Long> before, Map<String, Long> after, long webhooks) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        if (before == null || after == null || !after.containsKey("total")) {
            return out;
        }
        long total = after.get("total") - before.getOrDefault("total", 0L);
        out.put("requests", total);
        out.put("per_1000_webhooks", webhooks == 0 ? 0 : GatewayBenchmark.round1(1000.0 * total / webhooks));
        Map<String, Long> routes = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d > 0 && !k.equals("total")) {
                routes.put(k, d);
            }
        });
        out.put("by_route", routes);
        return out;
    }
}
