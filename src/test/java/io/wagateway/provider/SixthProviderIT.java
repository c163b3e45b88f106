package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * docs/recipes.md recipe 10 ("Add a provider"), followed: a sixth provider, {@code acme}, exists only as the test
 * route file src/test/resources/sixth-provider/acme.camel.yaml (inbound template, jq mapping, name-lookup-acme,
 * send-reply-acme) plus its properties, loaded next to the real routes in one more gateway (same compiled classes).
 * A signed webhook to it is stored with the chat's name from its name lookup (WireMock), its AI reply goes out
 * through its send route (WireMock records the body) and is stored as an outbound message; its webhook and payload
 * routes are left out of Camel's route metrics by the pattern in application.yaml, with no edit.
 */
class SixthProviderIT extends GatewayIntegrationTest {

    private static ConfigurableApplicationContext acme;

    private static int acmePort;

    private static void gatewayWithTheSixthProvider() throws Exception {
        if (acme != null) {
            return;
        }
        acme = startAnotherGateway(
                "--camel.main.routes-include-pattern=classpath:routes/*.camel.yaml,classpath:sixth-provider/*.camel.yaml",
                "--gateway.acme.webhook-secret=" + Fixtures.SECRET,
                "--gateway.acme.api-key=acme-key",
                "--gateway.acme.base-url=" + PEERS.baseUrl() + "/acme",
                "--gateway.auto-reply.enabled=true",
                "--gateway.openrouter.base-url=" + PEERS.baseUrl() + "/api/v1",
                "--gateway.openrouter.api-key=test-openrouter-key",
                // the test checks where the name comes from, not how fast: a loaded test machine may be slow
                "--gateway.enrichment.lookup-timeout-ms=30000",
                "--gateway.enrichment.api-timeout-ms=30000",
                "--camel.main.name=sixth-provider-gateway");
        acmePort = Integer.parseInt(acme.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stopIt() {
        if (acme != null) {
            acme.close();
        }
    }

    private HttpResponse<String> postAcme(byte[] body, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + acmePort + "/webhooks/acme"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            request.header("X-Acme-Signature", signature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSignedWebhookIsStoredWithItsNameAndAnsweredThroughTheProvidersOwnRoutes() throws Exception {
        gatewayWithTheSixthProvider();
        stubProviderApis();
        AutoReplyIT.stubSendApis();
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/acme/chats/15550100061"))
                .willReturn(okJson("{\"id\":\"15550100061\",\"title\":\"Alex from Acme\"}")));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/acme/messages"))
                .willReturn(okJson("{\"id\":\"ACME-REPLY-1\",\"status\":\"queued\"}").withStatus(201)));
        long now = System.currentTimeMillis() / 1000;
        byte[] body = ("{\"event\":\"message\",\"account\":\"acme-shop\",\"message\":{\"id\":\"ACME-0001\","
                + "\"chat\":\"15550100061\",\"from\":\"15550100061\",\"from_me\":false,"
                + "\"text\":\"Do you deliver on Sundays?\",\"sent_at\":" + now + "}}").getBytes(StandardCharsets.UTF_8);

        assertThat(postAcme(body, null).statusCode()).as("no signature").isEqualTo(401);
        assertThat(postAcme(body, "sha256=" + "0".repeat(64)).statusCode()).as("wrong signature").isEqualTo(401);
        HttpResponse<String> r = postAcme(body, "sha256=" + Fixtures.hmacHex("HmacSHA256", body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);

        JsonNode doc = message("acme:acme-shop:ACME-0001");
        assertThat(doc).isNotNull();
        assertThat(doc.path("provider").asText()).isEqualTo("acme");
        assertThat(doc.path("chat_id").asText()).isEqualTo("15550100061");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("text").asText()).isEqualTo("Do you deliver on Sundays?");
        // the names came from name-lookup-acme (the payload carries none)
        assertThat(doc.path("chat_name").asText()).isEqualTo("Alex from Acme");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex from Acme");
        List<LoggedRequest> lookups = PEERS.findAll(getRequestedFor(urlPathEqualTo("/acme/chats/15550100061")));
        assertThat(lookups).hasSize(1);
        assertThat(lookups.get(0).getHeader("Authorization")).isEqualTo("Bearer acme-key");

        // the AI reply went out through send-reply-acme, with the body its jq builds
        await().atMost(Duration.ofSeconds(30)).until(() ->
                PEERS.findAll(postRequestedFor(urlPathEqualTo("/acme/messages"))).size() == 1);
        LoggedRequest send = PEERS.findAll(postRequestedFor(urlPathEqualTo("/acme/messages"))).get(0);
        assertThat(send.getHeader("Authorization")).isEqualTo("Bearer acme-key");
        assertThat(send.getBodyAsString()).isEqualTo("{\"to\":\"15550100061\",\"text\":\"" + AutoReplyIT.ANSWER
                + "\",\"quote\":\"ACME-0001\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> message("acme:acme-shop:ACME-REPLY-1") != null);
        JsonNode reply = message("acme:acme-shop:ACME-REPLY-1");
        assertThat(reply.path("from_me").asBoolean()).isTrue();
        assertThat(reply.path("text").asText()).isEqualTo(AutoReplyIT.ANSWER);

        // its routes: all there, and the per-item ones out of the route metrics without editing the exclusion list
        CamelContext camel = acme.getBean(CamelContext.class);
        for (String id : List.of("acme-inbound", "acme-webhook", "acme-payload", "name-lookup-acme", "send-reply-acme")) {
            assertThat(camel.getRoute(id)).as(id).isNotNull();
        }
        Set<String> measured = acme.getBean(MeterRegistry.class).getMeters().stream()
                .map(m -> m.getId().getTag("routeId"))
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        assertThat(measured).contains("acme-inbound", "name-lookup-acme", "send-reply-acme")
                .doesNotContain("acme-webhook", "acme-payload");
    }
}
