package io.wagateway.reliability;

import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Collection;

/** Elasticsearch accounting shared by the reliability tests (same application context as every other IT). */
abstract class ReliabilityTestBase extends GatewayIntegrationTest {

    URI webhook(int gatewayPort, String provider) {
        return URI.create("http://localhost:" + gatewayPort + "/webhooks/" + provider);
    }

    /** @return {@code _count} of an index after a refresh */
    long count(String index) throws Exception {
        return count(index, "{\"query\":{\"match_all\":{}}}");
    }

    long count(String index, String query) throws Exception {
        es("POST", "/" + index + "/_refresh", null);
        HttpResponse<String> r = es("POST", "/" + index + "/_count", query);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("count " + index + " failed: " + r.body());
        }
        return JSON.readTree(r.body()).path("count").asLong();
    }

    /** @return how many of {@code ids} exist in {@code index} (after a refresh) */
    long countIds(String index, Collection<String> ids) throws Exception {
        if (ids.isEmpty()) {
            return 0;
        }
        return count(index, "{\"query\":{\"ids\":{\"values\":" + Load.json(ids) + "}}}");
    }

    static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1fs", nanos / 1e9);
    }
}
