package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.reply.ProviderSendApi;
import io.wagateway.reply.ReplyTask;
import io.wagateway.reply.TenantSendRates;
import io.wagateway.tenant.Tenants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Outbound calls per tenant (issue 22 item 1), route level: {@code reply-send} (routes/auto-reply.camel.yaml) with the
 * WAHA and Meta send routes of their provider files, against WireMock servers answering with the providers'
 * documented shapes (providers.md 2.9 WAHA {@code POST /api/sendText}, 1.8 Meta {@code POST /{phone number id}/messages}).
 * Tenants acme and globex each run a WAHA server with a session called {@code default} and a Meta app of their own;
 * the default tenant is the single-provider properties. Tenants slow (1 send/s) and fast (no limit) share the send
 * workers. No Elasticsearch, no Spring.
 */
class TenantSendRoutesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WAHA_ANSWER = "{\"id\":{\"_serialized\":\"true_15550100001@c.us_OUT1\"},"
            + "\"fromMe\":true,\"body\":\"Hello\"}";
    private static final String META_ANSWER = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":"
            + "\"15550100001\",\"wa_id\":\"15550100001\"}],\"messages\":[{\"id\":\"wamid.OUT1\","
            + "\"message_status\":\"accepted\"}]}";

    /** The default tenant's WAHA (gateway.waha.base-url). */
    private static final WireMockServer DEFAULT_WAHA = server();
    private static final WireMockServer ACME_WAHA = server();
    private static final WireMockServer GLOBEX_WAHA = server();
    /** Meta's Graph API (one global URL for every tenant). */
    private static final WireMockServer GRAPH = server();
    /** The WAHA servers of tenants slow (path /slow) and fast (path /fast). */
    private static final WireMockServer RATES = server();

    private static CamelContext context;

    private static WireMockServer server() {
        WireMockServer s = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        s.start();
        return s;
    }

    @BeforeAll
    static void start() throws Exception {
        Path file = Files.createTempFile("tenants", ".yaml");
        file.toFile().deleteOnExit();
        Files.writeString(file, """
                tenants:
                  acme:
                    waha:
                      - base-url: %s
                        api-key: acme-waha-key
                        hmac-key: acme-hmac
                        sessions: [default]
                    meta:
                      - app-secret: acme-app-secret
                        access-token: acme-meta-token
                        phone-number-ids: ["111000111"]
                  globex:
                    waha:
                      - base-url: %s
                        api-key: globex-waha-key
                        hmac-key: globex-hmac
                        sessions: [default]
                    meta:
                      - app-secret: globex-app-secret
                        access-token: globex-meta-token
                        phone-number-ids: ["222000222"]
                  slow:
                    sends-per-second: 1
                    waha:
                      - base-url: %s/slow
                        api-key: slow-key
                  fast:
                    waha:
                      - base-url: %s/fast
                        api-key: fast-key
                """.formatted(ACME_WAHA.baseUrl(), GLOBEX_WAHA.baseUrl(), RATES.baseUrl(), RATES.baseUrl()));
        Properties props = new Properties();
        props.setProperty("gateway.tenants.file", file.toString());
        props.setProperty("gateway.waha.base-url", DEFAULT_WAHA.baseUrl());
        props.setProperty("gateway.waha.api-key", "default-waha-key");
        props.setProperty("gateway.meta.graph-base-url", GRAPH.baseUrl());
        props.setProperty("gateway.meta.graph-version", "v23.0");
        props.setProperty("gateway.meta.access-token", "default-meta-token");
        props.setProperty("gateway.auto-reply.sends-per-second", "80");
        Tenants tenants = ProviderRoutes.defaultTenants(props, null);
        TenantSendRates rates = new TenantSendRates();
        rates.setTenants(tenants);
        context = ProviderRoutes.load(
                List.of(Path.of("routes/auto-reply.camel.yaml"), Path.of("routes/waha.camel.yaml"),
                        Path.of("routes/meta-cloud-api.camel.yaml")),
                Set.of("reply-send", "send-reply-waha", "send-message-waha", "send-reply-meta", "send-message-meta"),
                props,
                Map.of("tenants", tenants, "tenantSendRates", rates, "providerSendApi", new ProviderSendApi(),
                        "gatewayMetrics", new Metrics(), "mediaUpload", new io.wagateway.send.MediaUpload(),
                        "wahaNumberedMenus", new io.wagateway.provider.waha.WahaNumberedMenus()));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // two workers shared by every tenant, as send-worker's seda consumers are (gateway.send.workers)
                from("seda:tenant-sends?concurrentConsumers=2&size=100").routeId("test-send-workers")
                        .setVariable("task", body())
                        .to("direct:send-reply");
            }
        });
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
        List.of(DEFAULT_WAHA, ACME_WAHA, GLOBEX_WAHA, GRAPH, RATES).forEach(WireMockServer::stop);
    }

    @BeforeEach
    void stubs() {
        for (WireMockServer waha : List.of(DEFAULT_WAHA, ACME_WAHA, GLOBEX_WAHA)) {
            waha.resetAll();
            waha.stubFor(post(urlPathEqualTo("/api/sendText")).willReturn(okJson(WAHA_ANSWER).withStatus(201)));
        }
        GRAPH.resetAll();
        GRAPH.stubFor(post(urlPathMatching("/v23\\.0/[0-9]+/messages")).willReturn(okJson(META_ANSWER)));
        RATES.resetAll();
        RATES.stubFor(post(urlPathMatching("/(slow|fast)/api/sendText")).willReturn(okJson(WAHA_ANSWER).withStatus(201)));
    }

    /** Stands in for gatewayMetrics (apiCall counts a provider call). */
    public static class Metrics {
        public void apiCall(String provider, String call) {
        }
    }

    /** A send API outbox entry (kind send) of a text request. */
    private static ReplyTask sendTask(String provider, String account, String chat) {
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("kind", "send");
        doc.put("provider", provider);
        doc.put("account_id", account);
        doc.put("chat_id", chat);
        doc.put("state", "sending");
        ObjectNode request = doc.putObject("request");
        request.put("provider", provider);
        request.put("account_id", account);
        request.put("chat_id", chat);
        request.put("type", "text");
        request.put("text", "Hello");
        return new ReplyTask(provider + ":" + account + ":out:1", 1, 1, doc);
    }

    /** An AI reply's outbox entry (kind reply) answering an inbound message. */
    private static ReplyTask replyTask(String provider, String account, String chat) {
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("provider", provider);
        doc.put("account_id", account);
        doc.put("chat_id", chat);
        doc.put("chat_type", "direct");
        doc.put("inbound_message_id", "false_15550100001@c.us_IN1");
        doc.put("state", "sending");
        doc.put("reply_text", "Hello");
        return new ReplyTask(provider + ":" + account + ":false_15550100001@c.us_IN1", 1, 1, doc);
    }

    private static String send(ReplyTask task) {
        Exchange done = context.createProducerTemplate().send("direct:send-reply", e -> e.setVariable("task", task));
        assertThat(done.getException()).isNull();
        return done.getMessage().getBody(String.class);
    }

    private static JsonNode body(LoggedRequest r) throws Exception {
        return MAPPER.readTree(r.getBodyAsString());
    }

    private static List<LoggedRequest> wahaSends(WireMockServer server) {
        return server.findAll(postRequestedFor(urlPathEqualTo("/api/sendText")));
    }

    // ---------------------------------------------------------------- credentials

    @Test
    void eachTenantsWahaSendGoesToItsServerWithItsKeyAndTheRawSession() throws Exception {
        assertThat(send(sendTask("waha", "acme~default", "15550100001@c.us"))).isEqualTo("true_15550100001@c.us_OUT1");
        send(sendTask("waha", "globex~default", "15550100002@c.us"));
        send(sendTask("waha", "default", "15550100003@c.us"));

        List<LoggedRequest> acme = wahaSends(ACME_WAHA);
        assertThat(acme).hasSize(1);
        assertThat(acme.get(0).getHeader("X-Api-Key")).isEqualTo("acme-waha-key");
        assertThat(body(acme.get(0)).path("session").asText()).isEqualTo("default");    // not acme~default
        assertThat(body(acme.get(0)).path("chatId").asText()).isEqualTo("15550100001@c.us");

        List<LoggedRequest> globex = wahaSends(GLOBEX_WAHA);
        assertThat(globex).hasSize(1);
        assertThat(globex.get(0).getHeader("X-Api-Key")).isEqualTo("globex-waha-key");
        assertThat(body(globex.get(0)).path("session").asText()).isEqualTo("default");
        assertThat(body(globex.get(0)).path("chatId").asText()).isEqualTo("15550100002@c.us");

        // the default tenant: WAHA_BASE_URL / WAHA_API_KEY, as before tenants
        List<LoggedRequest> plain = wahaSends(DEFAULT_WAHA);
        assertThat(plain).hasSize(1);
        assertThat(plain.get(0).getHeader("X-Api-Key")).isEqualTo("default-waha-key");
        assertThat(body(plain.get(0)).path("session").asText()).isEqualTo("default");
        assertThat(body(plain.get(0)).path("chatId").asText()).isEqualTo("15550100003@c.us");
    }

    @Test
    void eachTenantsMetaSendUsesItsAccessTokenAndItsPhoneNumberId() throws Exception {
        assertThat(send(sendTask("meta", "acme~111000111", "15550100001"))).isEqualTo("wamid.OUT1");
        send(sendTask("meta", "globex~222000222", "15550100002"));
        send(sendTask("meta", "100000000000002", "15550100003"));

        List<LoggedRequest> acme = GRAPH.findAll(postRequestedFor(urlPathEqualTo("/v23.0/111000111/messages")));
        assertThat(acme).hasSize(1);
        assertThat(acme.get(0).getHeader("Authorization")).isEqualTo("Bearer acme-meta-token");
        assertThat(body(acme.get(0)).path("to").asText()).isEqualTo("15550100001");

        List<LoggedRequest> globex = GRAPH.findAll(postRequestedFor(urlPathEqualTo("/v23.0/222000222/messages")));
        assertThat(globex).hasSize(1);
        assertThat(globex.get(0).getHeader("Authorization")).isEqualTo("Bearer globex-meta-token");

        List<LoggedRequest> plain = GRAPH.findAll(postRequestedFor(urlPathEqualTo("/v23.0/100000000000002/messages")));
        assertThat(plain).hasSize(1);
        assertThat(plain.get(0).getHeader("Authorization")).isEqualTo("Bearer default-meta-token");
        // a qualified id never reaches Meta's URL, and no token travels in a URL
        assertThat(GRAPH.findAll(postRequestedFor(urlPathMatching(".*~.*")))).isEmpty();
        GRAPH.findAll(postRequestedFor(urlPathMatching(".*"))).forEach(r -> assertThat(r.getUrl()).doesNotContain("token"));
    }

    @Test
    void anAutoReplyOfATenantsMessageIsSentWithThatTenantsCredentials() throws Exception {
        assertThat(send(replyTask("waha", "acme~default", "15550100001@c.us"))).isEqualTo("true_15550100001@c.us_OUT1");

        assertThat(wahaSends(DEFAULT_WAHA)).isEmpty();
        assertThat(wahaSends(GLOBEX_WAHA)).isEmpty();
        List<LoggedRequest> acme = wahaSends(ACME_WAHA);
        assertThat(acme).hasSize(1);
        assertThat(acme.get(0).getHeader("X-Api-Key")).isEqualTo("acme-waha-key");
        JsonNode sent = body(acme.get(0));
        assertThat(sent.path("session").asText()).isEqualTo("default");
        assertThat(sent.path("text").asText()).isEqualTo("Hello");
        assertThat(sent.path("reply_to").asText()).isEqualTo("false_15550100001@c.us_IN1");
    }

    @Test
    void aTenantWithoutAnEntryForTheProviderFailsTheSendAndCallsNobody() {
        Exchange done = context.createProducerTemplate().send("direct:send-reply",
                e -> e.setVariable("task", sendTask("waha", "nobody~default", "15550100001@c.us")));
        assertThat(done.getException()).hasMessageContaining("no tenant nobody");
        for (WireMockServer s : List.of(DEFAULT_WAHA, ACME_WAHA, GLOBEX_WAHA)) {
            assertThat(wahaSends(s)).isEmpty();
        }
    }

    // ---------------------------------------------------------------- rate limits

    @Test
    void oneTenantsRateLimitDoesNotSlowAnothers() {
        send(sendTask("waha", "fast~warm-up", "15550300000@c.us"));    // the first call's start-up costs paid
        RATES.resetRequests();
        // slow's five sends are queued first, then fast's five, on two workers shared by both tenants
        for (int i = 1; i <= 5; i++) {
            context.createProducerTemplate().sendBody("seda:tenant-sends",
                    sendTask("waha", "slow~s1", "1555010000" + i + "@c.us"));
        }
        for (int i = 1; i <= 5; i++) {
            context.createProducerTemplate().sendBody("seda:tenant-sends",
                    sendTask("waha", "fast~f1", "1555020000" + i + "@c.us"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> RATES.findAll(postRequestedFor(
                urlPathMatching("/(slow|fast)/api/sendText"))).size() == 10);

        List<LoggedRequest> slow = RATES.findAll(postRequestedFor(urlPathEqualTo("/slow/api/sendText")));
        List<LoggedRequest> fast = RATES.findAll(postRequestedFor(urlPathEqualTo("/fast/api/sendText")));
        slow.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        fast.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        assertThat(slow).hasSize(5);
        assertThat(fast).hasSize(5);
        // slow was held to its rate: five sends at 1/s span at least 3 s (4 s nominally) ...
        assertThat(slow.get(4).getLoggedDate().getTime() - slow.get(0).getLoggedDate().getTime())
                .isGreaterThanOrEqualTo(3000);
        // ... and fast's sends all reached its server while slow's were still queued (before slow's third), although
        // they were queued after them: slow's backlog held no worker fast needed
        assertThat(fast.get(4).getLoggedDate()).isBefore(slow.get(2).getLoggedDate());
        fast.forEach(r -> assertThat(r.getHeader("X-Api-Key")).isEqualTo("fast-key"));
        slow.forEach(r -> assertThat(r.getHeader("X-Api-Key")).isEqualTo("slow-key"));
    }
}
