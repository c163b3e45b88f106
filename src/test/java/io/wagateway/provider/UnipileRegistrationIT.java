package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The gateway as deployed registers its Unipile webhook at start-up (the bean is declared in
 * routes/unipile.camel.yaml and started by the gateway-startup route): none existing → exactly one created.
 */
class UnipileRegistrationIT extends GatewayIntegrationTest {

    @Test
    void aStartingGatewayCreatesItsWebhookOnceAndAnExistingOneIsKept() throws Exception {
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/api/v1/webhooks"))
                .willReturn(okJson("{\"object\":\"WebhookList\",\"items\":[]}")));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/webhooks"))
                .willReturn(okJson("{\"object\":\"WebhookCreated\",\"webhook_id\":\"wh_1\"}").withStatus(201)));
        try (ConfigurableApplicationContext gateway = startAnotherGateway("--gateway.webhook-base-url=https://gw.example")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> PEERS.verify(1,
                    postRequestedFor(urlPathEqualTo("/api/v1/webhooks"))
                            .withHeader("X-API-KEY", equalTo("test-unipile-key"))
                            .withRequestBody(matchingJsonPath("$.request_url", equalTo("https://gw.example/webhooks/unipile")))
                            .withRequestBody(matchingJsonPath("$.source", equalTo("messaging")))
                            .withRequestBody(matchingJsonPath("$.headers[?(@.key == 'Unipile-Auth')].value",
                                    equalTo("test-secret")))));
        }

        // a restart finds its webhook listed and creates none
        PEERS.resetRequests();
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/api/v1/webhooks")).willReturn(okJson("{\"object\":\"WebhookList\",\"items\":["
                + "{\"object\":\"Webhook\",\"id\":\"wh_1\",\"request_url\":\"https://gw.example/webhooks/unipile\"}]}")));
        try (ConfigurableApplicationContext gateway = startAnotherGateway("--gateway.webhook-base-url=https://gw.example")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> PEERS.verify(1,
                    com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo("/api/v1/webhooks"))));
            PEERS.verify(0, postRequestedFor(urlPathEqualTo("/api/v1/webhooks")));
            PEERS.verify(0, deleteRequestedFor(urlPathMatching("/api/v1/webhooks/.*")));
        }
    }
}
