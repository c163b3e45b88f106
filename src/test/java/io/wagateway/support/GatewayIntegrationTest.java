package io.wagateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.wagateway.GatewayApplication;
import io.wagateway.enrich.EnrichmentCache;
import io.wagateway.store.ElasticsearchStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Base of the integration tests: the whole gateway (Spring Boot + the YAML routes) on a random port against the
 * real local Elasticsearch that the test JVM starts itself (port 9250, fresh data). Each test starts from empty
 * indices. All subclasses share one application context.
 */
@CamelSpringBootTest
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(locations = "classpath:gateway-test.properties")
public abstract class GatewayIntegrationTest {

    protected static final ObjectMapper JSON = new ObjectMapper();
    protected static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Stands in for every provider API (Periskope, Unipile, WAHA); one server per test JVM. */
    protected static final WireMockServer PEERS = startPeers();

    @LocalServerPort
    protected int port;

    private static WireMockServer startPeers() {
        WireMockServer server = new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        return server;
    }

    /** Points the provider API base URLs at {@link #PEERS}. */
    @DynamicPropertySource
    static void peerUrls(DynamicPropertyRegistry registry) {
        registry.add("gateway.periskope.base-url", () -> PEERS.baseUrl() + "/v1");
        registry.add("gateway.unipile.dsn", PEERS::baseUrl);
        registry.add("gateway.waha.base-url", PEERS::baseUrl);
    }

    /** Resets {@link #PEERS} to the provider API answers of {@link ProviderApiStubs}. */
    protected static void stubProviderApis() {
        PEERS.resetAll();
        ProviderApiStubs.stubNameLookups(PEERS);
    }

    @Autowired
    protected CamelContext camelContext;

    protected ElasticsearchStore store() {
        return camelContext.getRegistry().lookupByNameAndType("elasticsearchStore", ElasticsearchStore.class);
    }

    /**
     * The uuids of the indices the last full reset created (index name -> uuid), or empty: while the same indices stand
     * (no test deleted, re-created or replaced one since), emptying them is enough.
     */
    private static final Map<String, String> RESET_INDICES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The timer routes this class stopped in a cached context that is not the running test's, per context. */
    private static final Map<CamelContext, List<String>> STOPPED_TIMERS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Spring keeps the contexts of earlier test classes running (its context cache), all on the same Elasticsearch
     * indices. Their timer routes (the reply and send recoveries, the lifecycle sweep, the dead-letter drain) would
     * claim the running test's work as another instance would: stop them, and start again the ones stopped in this
     * test's context when it is reused.
     */
    private void isolateFromCachedContexts() throws Exception {
        LIVE_CONTEXTS.removeIf(other -> other != camelContext && !other.isStarted()); // closed (evicted, dirtied)
        STOPPED_TIMERS.keySet().removeIf(other -> other != camelContext && !other.isStarted());
        List<String> mine = STOPPED_TIMERS.remove(camelContext);
        if (mine != null) {
            for (String id : mine) {
                camelContext.getRouteController().startRoute(id);
            }
        }
        for (CamelContext other : LIVE_CONTEXTS) {
            if (other == camelContext || !other.isStarted() || STOPPED_TIMERS.containsKey(other)) {
                continue;
            }
            List<String> stopped = new java.util.ArrayList<>();
            for (org.apache.camel.Route route : other.getRoutes()) {
                if (route.getEndpoint().getEndpointUri().startsWith("timer:")
                        && !"gateway-startup".equals(route.getRouteId())
                        && other.getRouteController().getRouteStatus(route.getRouteId()).isStarted()) {
                    other.getRouteController().stopRoute(route.getRouteId(), 10, java.util.concurrent.TimeUnit.SECONDS);
                    stopped.add(route.getRouteId());
                }
            }
            STOPPED_TIMERS.put(other, stopped);
        }
        LIVE_CONTEXTS.add(camelContext);
    }

    /** Every gateway context a test of this JVM has run in. */
    private static final java.util.Set<CamelContext> LIVE_CONTEXTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeEach
    void emptyIndices() throws Exception {
        stubProviderApis();
        isolateFromCachedContexts();
        // the start-up creates the indices on its own thread: a reset racing it loses an alias or re-creates an index
        io.wagateway.GatewayStartup startup = camelContext.getRegistry()
                .lookupByNameAndType("gatewayStartup", io.wagateway.GatewayStartup.class);
        if (startup != null && !startup.awaitDone(60_000)) {
            throw new IllegalStateException("the gateway-startup route has not run within 60 s");
        }
        ElasticsearchStore store = store();
        // wildcard deletes are refused (action.destructive_requires_name): name the index behind each alias
        List<String> names = java.util.stream.Stream.of(store.getMessagesIndex(), store.getUpdatesIndex(),
                store.getDeadLettersIndex(), store.getNamesIndex(), store.getEventsIndex(), "whatsapp-replies",
                "whatsapp-chats", "whatsapp-message-lifecycle").map(alias -> alias + "-000001").toList();
        String indices = String.join(",", names);
        if (!emptyInPlace(indices)) {
            // one request for all (one cluster-state update instead of eight), then every alias made again
            HttpResponse<String> deleted = es("DELETE", "/" + indices + "?ignore_unavailable=true", null);
            if (deleted.statusCode() != 200) {
                throw new IllegalStateException("cannot delete " + indices + ": " + deleted.body());
            }
            store.resetIndices();
            store.ensureIndices();
            camelContext.getRegistry().findByType(io.wagateway.reply.ReplyOutbox.class)
                    .forEach(io.wagateway.reply.ReplyOutbox::resetIndex);
            camelContext.getRegistry().findByType(io.wagateway.lifecycle.MessageLifecycle.class).forEach(l -> {
                l.resetIndex();
                l.start();
            });
            camelContext.getRegistry().findByType(io.wagateway.reply.ReplyOutbox.class)
                    .forEach(io.wagateway.reply.ReplyOutbox::start);
            camelContext.getRegistry().findByType(io.wagateway.reply.AutoReplyPolicy.class).forEach(p -> {
                p.invalidate();
                p.start();
            });
            camelContext.getRegistry().findByType(io.wagateway.chat.Chats.class).forEach(c -> {
                c.resetIndex();
                c.start();
            });
            RESET_INDICES.clear();
            RESET_INDICES.putAll(uuids(indices));
        }
        // settings documents are cached: forget them (the index is checked again on the first lookup)
        camelContext.getRegistry().findByType(io.wagateway.reply.AutoReplyPolicy.class)
                .forEach(io.wagateway.reply.AutoReplyPolicy::invalidate);
        camelContext.getRegistry().lookupByNameAndType("messageIdempotentRepository", IdempotentRepository.class)
                .clear();
        camelContext.getRegistry().lookupByNameAndType("enrichmentCache", EnrichmentCache.class).invalidateMemory();
        camelContext.getRegistry().findByType(io.wagateway.enrich.NameLookupBackoff.class)
                .forEach(io.wagateway.enrich.NameLookupBackoff::invalidateAll);
        camelContext.getRegistry().findByType(io.wagateway.enrich.IdentityLinks.class)
                .forEach(io.wagateway.enrich.IdentityLinks::invalidateMemory);
    }

    /**
     * Deletes every document of the given indices when they are exactly the ones the last full reset created (same
     * uuids) and hold at most 10,000 documents: a few requests instead of eight index creations per test.
     *
     * @return false when a full reset is needed
     */
    private boolean emptyInPlace(String indices) throws Exception {
        if (RESET_INDICES.isEmpty() || !RESET_INDICES.equals(uuids(indices))) {
            return false;
        }
        es("POST", "/" + indices + "/_refresh", null);
        HttpResponse<String> found = es("POST", "/" + indices + "/_search?size=10000&track_total_hits=true",
                "{\"_source\":false,\"query\":{\"match_all\":{}}}");
        if (found.statusCode() != 200) {
            return false;
        }
        com.fasterxml.jackson.databind.JsonNode hits = JSON.readTree(found.body()).path("hits");
        if (hits.path("total").path("value").asLong() > 10_000) {
            return false;
        }
        if (hits.path("hits").isEmpty()) {
            return true;
        }
        StringBuilder bulk = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonNode hit : hits.path("hits")) {
            bulk.append("{\"delete\":{\"_index\":").append(JSON.writeValueAsString(hit.path("_index").asText()))
                    .append(",\"_id\":").append(JSON.writeValueAsString(hit.path("_id").asText())).append("}}\n");
        }
        HttpResponse<String> deleted = es("POST", "/_bulk?refresh=true", bulk.toString());
        return deleted.statusCode() == 200 && !JSON.readTree(deleted.body()).path("errors").asBoolean();
    }

    /** @return index name -> uuid of the given indices, empty when any is missing */
    private Map<String, String> uuids(String indices) throws Exception {
        HttpResponse<String> r = es("GET", "/" + indices + "/_settings/index.uuid?flat_settings=true", null);
        if (r.statusCode() != 200) {
            return Map.of();
        }
        Map<String, String> uuids = new java.util.HashMap<>();
        JSON.readTree(r.body()).fields().forEachRemaining(e -> uuids.put(e.getKey(),
                e.getValue().path("settings").path("index.uuid").asText()));
        return uuids;
    }

    /**
     * Starts another, independent gateway (its own Spring and Camel context, memory caches and HTTP port) on the same
     * Elasticsearch and WireMock: a restart or a second replica.
     *
     * @param extraArgs more {@code --key=value} arguments
     * @return the running context; close it to stop that gateway
     */
    protected static org.springframework.context.ConfigurableApplicationContext startAnotherGateway(String... extraArgs)
            throws IOException {
        java.util.Properties test = new java.util.Properties();
        try (java.io.InputStream in = GatewayIntegrationTest.class.getClassLoader()
                .getResourceAsStream("gateway-test.properties")) {
            test.load(in);
        }
        // one value per key (a repeated --key would reach Spring as "first,second"): extra arguments win
        Map<String, String> values = new java.util.LinkedHashMap<>();
        test.forEach((k, v) -> values.put((String) k, (String) v));
        values.put("server.port", "0");
        values.put("gateway.periskope.base-url", PEERS.baseUrl() + "/v1");
        values.put("gateway.unipile.dsn", PEERS.baseUrl());
        values.put("gateway.waha.base-url", PEERS.baseUrl());
        values.put("camel.main.name", "another-gateway");
        for (String arg : extraArgs) {
            int eq = arg.indexOf('=');
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        List<String> args = new ArrayList<>();
        values.forEach((k, v) -> args.add("--" + k + "=" + v));
        // command-line arguments rank above application.yaml, as @TestPropertySource does for the first instance
        return new org.springframework.boot.builder.SpringApplicationBuilder(GatewayApplication.class)
                .run(args.toArray(String[]::new));
    }

    protected HttpResponse<String> post(String path, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> postMeta(byte[] body) throws Exception {
        return post("/webhooks/meta", body, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", Fixtures.metaSignature(body)));
    }

    protected HttpResponse<String> postPeriskope(byte[] body) throws Exception {
        return post("/webhooks/periskope", body, Map.of("Content-Type", "application/json",
                "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", body)));
    }

    /** Posts like an API-created Unipile webhook: JSON labelled as a form, authenticated by the secret header. */
    protected HttpResponse<String> postUnipile(byte[] body) throws Exception {
        return post("/webhooks/unipile", body, Map.of("Content-Type", "application/x-www-form-urlencoded",
                "Unipile-Auth", Fixtures.SECRET));
    }

    protected HttpResponse<String> postWaha(byte[] body) throws Exception {
        return post("/webhooks/waha", body, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", Fixtures.wahaSignature(body), "X-Webhook-Hmac-Algorithm", "sha512"));
    }

    /** @return the stored document's _source, or null when absent */
    protected JsonNode document(String index, String id) throws Exception {
        HttpResponse<String> r = es("GET", "/" + index + "/_doc/" + encode(id), null);
        if (r.statusCode() == 404) {
            return null;
        }
        return JSON.readTree(r.body()).get("_source");
    }

    protected JsonNode message(String id) throws Exception {
        return document(store().getMessagesIndex(), id);
    }

    /** @return all _source documents of an index (after a refresh), in _id order */
    protected List<JsonNode> all(String index) throws Exception {
        es("POST", "/" + index + "/_refresh", null);
        HttpResponse<String> r = es("POST", "/" + index + "/_search",
                "{\"size\":10000,\"query\":{\"match_all\":{}}}");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("search " + index + " failed: " + r.body());
        }
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode hit : JSON.readTree(r.body()).path("hits").path("hits")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) hit.get("_source")).put("_id", hit.get("_id").asText());
            docs.add(hit.get("_source"));
        }
        docs.sort(java.util.Comparator.comparing(d -> d.path("_id").asText()));
        return docs;
    }

    protected HttpResponse<String> es(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(store().getUrl() + path))
                .header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static String encode(String id) {
        return java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
