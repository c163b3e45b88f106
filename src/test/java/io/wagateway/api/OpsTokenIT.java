package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code gateway.metrics.token} set: {@code /stats} and {@code /actuator/prometheus} need it as a bearer token in the
 * Authorization header (never the query string); {@code /health} still answers, without its counters.
 */
@TestPropertySource(properties = "gateway.metrics.token=test-metrics-token")
class OpsTokenIT extends GatewayIntegrationTest {

    private int status(String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/stats", "/actuator/prometheus"})
    void theMetricsTokenIsNeededInTheHeader(String path) throws Exception {
        assertThat(status(path, null)).isEqualTo(401);
        assertThat(status(path, "Bearer wrong")).isEqualTo(401);
        assertThat(status(path + "?Authorization=Bearer%20test-metrics-token", null)).isEqualTo(401);
        assertThat(status(path + "?access_token=test-metrics-token", null)).isEqualTo(401);
        assertThat(status(path, "Bearer test-metrics-token")).isEqualTo(200);
    }

    @Test
    void healthAnswersWithoutItsCountersUnlessTheTokenIsGiven() throws Exception {
        HttpResponse<String> open = get("/health");
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(open.body()).path("status").asText()).isEqualTo("UP");
        assertThat(JSON.readTree(open.body()).has("stats")).isFalse();
        HttpResponse<String> withToken = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/health")).header("Authorization", "Bearer test-metrics-token").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(withToken.body()).has("stats")).isTrue();
        // the probes stay open
        assertThat(status("/actuator/health/readiness", null)).isEqualTo(200);
        assertThat(status("/actuator/health/liveness", null)).isEqualTo(200);
    }
}
