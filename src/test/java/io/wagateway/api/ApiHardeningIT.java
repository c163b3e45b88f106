package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The /api and /admin endpoints (issue 15 items 5, 12 and 14): bad query parameters are a 400 naming the parameter,
 * bearer tokens count only in the Authorization header, the dead-letter list pages summaries, and /error is no 500.
 */
class ApiHardeningIT extends GatewayIntegrationTest {

    static final String TOKEN = "test-admin-token";
    static final String LONG = "x".repeat(600);

    private HttpResponse<String> call(String method, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String deadLetter(String provider, int rawBytes, Instant receivedAt) throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        byte[] raw = new byte[rawBytes];
        java.util.Arrays.fill(raw, (byte) 'a');
        String doc = JSON.createObjectNode().put("id", id).put("provider", provider).put("route_id", provider + "-inbound")
                .put("reason", "malformed-payload").put("error", "not valid JSON")
                .put("raw_body", new String(raw, StandardCharsets.US_ASCII))
                .put("raw_body_base64", Base64.getEncoder().encodeToString(raw)).put("raw_body_bytes", raw.length)
                .put("attempts", 1).put("received_at", receivedAt.toString()).toString();
        HttpResponse<String> r = es("PUT", "/" + store().getDeadLettersIndex() + "/_doc/" + id + "?refresh=true", doc);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return id;
    }

    // --- item 5: bad query input is a 400 that names the parameter

    static Stream<Arguments> badParameters() {
        String q = "q=" + "w".repeat(1001);
        return Stream.of(
                Arguments.of("GET", "/admin/dead-letters?from=yesterday", "from"),
                Arguments.of("GET", "/admin/dead-letters?to=2026-13-45", "to"),
                Arguments.of("GET", "/admin/dead-letters?from=2026-02-01&to=2026-01-01", "from"),
                Arguments.of("GET", "/admin/dead-letters?size=abc", "size"),
                Arguments.of("GET", "/admin/dead-letters?size=0", "size"),
                Arguments.of("GET", "/admin/dead-letters?size=100000", "size"),
                Arguments.of("GET", "/admin/dead-letters?size=1&size=2", "size"),
                Arguments.of("GET", "/admin/dead-letters?provider=No%20Such!", "provider"),
                Arguments.of("GET", "/admin/dead-letters?reason=" + LONG, "reason"),
                Arguments.of("GET", "/admin/dead-letters?route=" + LONG, "route"),
                Arguments.of("GET", "/admin/dead-letters?error=" + "w".repeat(1001), "error"),
                Arguments.of("GET", "/admin/dead-letters?after=not-a-cursor", "after"),
                Arguments.of("GET", "/admin/dead-letters/" + LONG, "id"),
                Arguments.of("DELETE", "/admin/dead-letters/" + LONG, "id"),
                Arguments.of("POST", "/admin/dead-letters/" + LONG + "/replay", "id"),
                Arguments.of("POST", "/admin/dead-letters/replay?from=yesterday", "from"),
                Arguments.of("POST", "/admin/dead-letters/replay?to=soon", "to"),
                Arguments.of("POST", "/admin/dead-letters/replay?provider=No%20Such!", "provider"),
                Arguments.of("POST", "/admin/dead-letters/replay?reason=" + LONG, "reason"),
                // issue 16 item 8: the events admin follows the same rules
                Arguments.of("GET", "/admin/events?from=yesterday", "from"),
                Arguments.of("GET", "/admin/events?from=2026-02-01&to=2026-01-01", "from"),
                Arguments.of("GET", "/admin/events?size=0", "size"),
                Arguments.of("GET", "/admin/events?provider=No%20Such!", "provider"),
                Arguments.of("GET", "/admin/events?event=" + LONG, "event"),
                Arguments.of("GET", "/admin/events?account=" + LONG, "account"),
                Arguments.of("GET", "/admin/events?replayed=maybe", "replayed"),
                Arguments.of("GET", "/admin/events?after=not-a-cursor", "after"),
                Arguments.of("GET", "/admin/events/" + LONG, "id"),
                Arguments.of("POST", "/admin/events/" + LONG + "/replay", "id"),
                Arguments.of("POST", "/admin/events/replay?to=soon", "to"),
                Arguments.of("POST", "/admin/events/replay?event=" + LONG, "event"),
                Arguments.of("GET", "/api/messages?from=yesterday", "from"),
                Arguments.of("GET", "/api/messages?to=2026-11-31T25:00:00Z", "to"),
                Arguments.of("GET", "/api/messages?size=abc", "size"),
                Arguments.of("GET", "/api/messages?size=-1", "size"),
                Arguments.of("GET", "/api/messages?size=501", "size"),
                Arguments.of("GET", "/api/messages?provider=No%20Such!", "provider"),
                Arguments.of("GET", "/api/messages?chat=" + LONG, "chat"),
                Arguments.of("GET", "/api/messages?sender=" + LONG, "sender"),
                Arguments.of("GET", "/api/messages?" + q, "q"),
                Arguments.of("GET", "/api/conversation", "chat"),
                Arguments.of("GET", "/api/conversation?chat=c1&size=abc", "size"),
                Arguments.of("GET", "/api/conversation?chat=c1&size=0", "size"),
                Arguments.of("GET", "/api/conversation?chat=c1&provider=No%20Such!", "provider"),
                Arguments.of("GET", "/api/conversation?chat=c1&account=" + LONG, "account"),
                Arguments.of("GET", "/api/conversation?chat=" + LONG, "chat"),
                Arguments.of("GET", "/api/stats/messages-per-minute?minutes=abc", "minutes"),
                Arguments.of("GET", "/api/stats/messages-per-minute?minutes=0", "minutes"),
                Arguments.of("GET", "/api/stats/messages-per-minute?minutes=100000", "minutes"));
    }

    @ParameterizedTest(name = "{0} {1} -> 400 naming {2}")
    @MethodSource("badParameters")
    void aBadQueryParameterIsA400NamingIt(String method, String pathAndQuery, String parameter) throws Exception {
        HttpResponse<String> r = call(method, pathAndQuery, "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("parameter").asText()).isEqualTo(parameter);
        assertThat(body.path("error").asText()).startsWith(parameter + ": ");
    }

    @Test
    void goodParametersStillWork() throws Exception {
        assertThat(call("GET", "/admin/dead-letters?from=2026-01-01&to=2099-01-01T00:00:00Z&size=500&provider=meta",
                "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/messages?from=2026-01-01T00:00:00%2B02:00&size=1&provider=waha&q=hi",
                "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/conversation?chat=c1&size=500", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/stats/messages-per-minute?minutes=1440", "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
    }

    // --- item 12: bearer tokens only in the Authorization header

    static Stream<Arguments> protectedEndpoints() {
        return Stream.of(
                Arguments.of("GET", "/admin/dead-letters"),
                Arguments.of("GET", "/admin/dead-letters/{id}"),
                Arguments.of("POST", "/admin/dead-letters/{id}/replay"),
                Arguments.of("POST", "/admin/dead-letters/replay?provider=waha"),
                Arguments.of("DELETE", "/admin/dead-letters/{id}"),
                Arguments.of("GET", "/admin/events"),
                Arguments.of("POST", "/admin/events/replay?event=none-such"),
                Arguments.of("GET", "/api/messages"),
                Arguments.of("GET", "/api/conversation?chat=c1"),
                Arguments.of("GET", "/api/stats/messages-per-minute"),
                Arguments.of("GET", "/events/messages"));
    }

    @ParameterizedTest(name = "{0} {1}: token in the query 401, in the header 200")
    @MethodSource("protectedEndpoints")
    void aBearerTokenCountsOnlyInTheHeader(String method, String path) throws Exception {
        String id = deadLetter("waha", 10, Instant.now());
        String p = path.replace("{id}", id);
        String sep = p.contains("?") ? "&" : "?";
        String inQuery = "Authorization=" + URLEncoder.encode("Bearer " + TOKEN, StandardCharsets.UTF_8);
        for (String query : List.of(inQuery, inQuery.replace("Authorization", "authorization"),
                "Authorization=Bearer%20" + TOKEN)) {
            assertThat(status(method, p + sep + query, null)).as(query).isEqualTo(401);
        }
        // a wrong header is not rescued by a right query parameter, nor the other way round
        assertThat(status(method, p + sep + inQuery, "Bearer wrong")).isEqualTo(401);
        assertThat(status(method, p + sep + "Authorization=Bearer%20wrong", "Bearer " + TOKEN)).isEqualTo(200);
        assertThat(status(method, p, "Bearer " + TOKEN)).isIn(200, 404); // DELETE: deleted just above
    }

    @ParameterizedTest(name = "{0}: a token in a form body does not count")
    @ValueSource(strings = {"/admin/dead-letters/{id}/replay", "/admin/dead-letters/replay?provider=waha"})
    void aBearerTokenInAFormBodyDoesNotCount(String path) throws Exception {
        String id = deadLetter("waha", 10, Instant.now());
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path.replace("{id}", id)))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("Authorization=Bearer%20" + TOKEN)).build();
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    }

    /** The status only: an SSE stream's answer arrives with its headers, its body never ends. */
    private int status(String method, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        r.body().close();
        return r.statusCode();
    }

    // --- item 14: the dead-letter list pages summaries; one is whole only by id

    @Test
    void theDeadLetterListPagesSmallSummariesOfLargeDeadLetters() throws Exception {
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        String oldest = deadLetter("waha", 4 << 20, t);
        String middle = deadLetter("meta", 4 << 20, t.plusSeconds(1));
        String newest = deadLetter("waha", 4 << 20, t.plusSeconds(1)); // same time as middle: the cursor tells them apart

        HttpResponse<String> first = call("GET", "/admin/dead-letters?size=2", "Bearer " + TOKEN);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body().length()).isLessThan(4096);
        JsonNode page1 = JSON.readTree(first.body());
        assertThat(page1.path("total").asInt()).isEqualTo(3);
        assertThat(page1.path("items")).hasSize(2);
        JsonNode item = page1.path("items").get(0);
        assertThat(item.path("raw_body_bytes").asLong()).isEqualTo(4 << 20);
        assertThat(item.has("raw_body")).isFalse();
        assertThat(item.has("raw_body_base64")).isFalse();
        assertThat(item.has("headers")).isFalse();
        String next = page1.path("next").asText();
        assertThat(next).isNotBlank();

        JsonNode page2 = JSON.readTree(call("GET", "/admin/dead-letters?size=2&after=" + next, "Bearer " + TOKEN).body());
        assertThat(page2.path("items")).hasSize(1);
        assertThat(page2.path("next").isNull() || page2.path("next").isMissingNode()).isTrue();

        List<String> ids = new ArrayList<>();
        page1.path("items").forEach(i -> ids.add(i.path("id").asText()));
        page2.path("items").forEach(i -> ids.add(i.path("id").asText()));
        assertThat(ids).hasSize(3).containsAll(Set.of(oldest, middle, newest)).endsWith(oldest);

        // one dead letter, whole, by its id
        HttpResponse<String> one = call("GET", "/admin/dead-letters/" + middle, "Bearer " + TOKEN);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(Base64.getDecoder().decode(JSON.readTree(one.body()).path("raw_body_base64").asText()))
                .hasSize(4 << 20);
    }

    @Test
    void aQueryParameterCannotStandInForThePathId() throws Exception {
        String id = deadLetter("waha", 10, Instant.now());
        String other = deadLetter("meta", 10, Instant.now());
        HttpResponse<String> r = call("GET", "/admin/dead-letters/" + id + "?id=" + other, "Bearer " + TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("id").asText()).isEqualTo(id);
        assertThat(call("DELETE", "/admin/dead-letters/" + id + "?id=" + other, "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
        assertThat(call("GET", "/admin/dead-letters/" + id, "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/admin/dead-letters/" + other, "Bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    // --- item 14: GET /error is not a 500

    @Test
    void getErrorIsA404() throws Exception {
        for (String method : List.of("GET", "POST")) {
            HttpResponse<String> r = call(method, "/error", null);
            assertThat(r.statusCode()).as(method + " " + r.body()).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("json");
        }
        // an unknown path still answers Spring Boot's usual 404
        assertThat(call("GET", "/no-such-page", null).statusCode()).isEqualTo(404);
    }

    // --- item 14: metrics and stats are open by default (the token is opt-in: OpsTokenIT)

    @Test
    void statsAndPrometheusAreOpenWithoutAMetricsToken() throws Exception {
        assertThat(call("GET", "/stats", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/actuator/prometheus", null).statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(call("GET", "/health", null).body()).has("stats")).isTrue();
    }
}
