package io.wagateway.enrich;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Names enrichment costs one provider API call per unique chat, not one per message, and survives restarts and
 * scale-out through the shared Elasticsearch names index.
 */
class EnrichmentIT extends GatewayIntegrationTest {

    private static final int MESSAGES = 1000;
    private static final int CHATS = 20;
    private static final int SENDERS = 5;

    private static String chat(int c) {
        return "1203630000000" + String.format("%05d", c) + "@g.us";
    }

    /** A Periskope group message.created of the fixture's shape, for chat c, sender s and a unique message id. */
    private static byte[] periskopeMessage(JsonNode template, int i, int c, int s) {
        ObjectNode body = template.deepCopy();
        ObjectNode data = (ObjectNode) body.get("data");
        String sender = "1555020" + String.format("%04d", s) + "@c.us";
        data.put("message_id", "false_" + chat(c) + "_LOAD" + i + "_" + sender);
        data.put("chat_id", chat(c));
        data.put("from", chat(c));
        data.put("author", sender);
        data.put("sender_phone", sender);
        data.put("body", "load message " + i);
        return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private int chatLookups() {
        return PEERS.findAll(getRequestedFor(urlPathMatching("/v1/chats/.*"))).size();
    }

    private int contactLookups() {
        return PEERS.findAll(getRequestedFor(urlPathMatching("/v1/contacts/.*"))).size();
    }

    private void sendConcurrently(int port, JsonNode template, int from, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                byte[] body = periskopeMessage(template, i, i % CHATS, i % SENDERS);
                answers.add(pool.submit(() -> HTTP.send(HttpRequest
                        .newBuilder(URI.create("http://localhost:" + port + "/webhooks/periskope"))
                        .header("Content-Type", "application/json")
                        .header("x-periskope-signature", Fixtures.hmacHex("HmacSHA256", body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow(); // a failed assertion must not leave requests running into the next test
        }
    }

    @Test
    void thousandMessagesInTwentyChatsCostTwentyChatLookupsAndNoneAfterARestart() throws Exception {
        JsonNode template = JSON.readTree(Fixtures.bytes("webhooks/periskope/message_created_group.json"));
        EnrichmentCache cache = camelContext.getRegistry().lookupByNameAndType("enrichmentCache", EnrichmentCache.class);
        CacheStats before = cache.stats();

        sendConcurrently(port, template, 0, MESSAGES);

        int chatCalls = chatLookups();
        int contactCalls = contactLookups();
        assertThat(chatCalls).isLessThanOrEqualTo(CHATS).isPositive();
        assertThat(contactCalls).isLessThanOrEqualTo(SENDERS);
        CacheStats stats = cache.stats().minus(before);
        System.out.printf("ENRICHMENT %d messages, %d chats: %d chat lookups, %d contact lookups; Caffeine requests=%d"
                + " hits=%d misses=%d hitRate=%.4f%n", MESSAGES, CHATS, chatCalls, contactCalls, stats.requestCount(),
                stats.hitCount(), stats.missCount(), stats.hitRate());

        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(MESSAGES);
        assertThat(docs).allSatisfy(d -> {
            String chatId = d.path("chat_id").asText();
            assertThat(d.path("chat_name").asText()).isEqualTo("Chat " + chatId);
            assertThat(d.path("sender_name").asText())
                    .isEqualTo("Contact " + d.path("sender_id").asText().replace("@c.us", ""));
        });
        List<JsonNode> names = all(store().getNamesIndex());
        assertThat(names).extracting(n -> n.path("kind").asText()).contains("chat", "contact");

        // A second gateway (a restart, or another replica): its own Camel context, cold memory cache, same ES.
        PEERS.resetRequests();
        try (ConfigurableApplicationContext second = startAnotherGateway()) {
            int secondPort = Integer.parseInt(second.getEnvironment().getProperty("local.server.port"));
            sendConcurrently(secondPort, template, MESSAGES, 200);
        }
        assertThat(chatLookups()).as("chat lookups after restart").isZero();
        assertThat(contactLookups()).as("contact lookups after restart").isZero();
        assertThat(all(store().getMessagesIndex())).hasSize(MESSAGES + 200)
                .allSatisfy(d -> assertThat(d.path("chat_name").asText()).startsWith("Chat "));
    }

    private static String loadId(int i) {
        return "periskope:15550100100@c.us:false_" + chat(1) + "_LOAD" + i + "_15550200001@c.us";
    }

    @Test
    void aFailingProviderApiNeverLosesTheMessageAndIsRetriedAfterItsBackoff() throws Exception {
        PEERS.resetAll();
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathMatching("/v1/.*"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.serverError()));
        JsonNode template = JSON.readTree(Fixtures.bytes("webhooks/periskope/message_created_group.json"));

        assertThat(postPeriskope(periskopeMessage(template, 1, 1, 1)).statusCode()).isEqualTo(200);
        JsonNode stored = all(store().getMessagesIndex()).get(0);
        assertThat(stored.path("chat_name").isNull() || stored.path("chat_name").isMissingNode()).isTrue();
        assertThat(chatLookups()).isEqualTo(1);

        stubProviderApis(); // the API recovers, but the chat backs off (gateway-test.properties: 3 s): no call yet
        assertThat(postPeriskope(periskopeMessage(template, 2, 1, 1)).statusCode()).isEqualTo(200);
        assertThat(chatLookups()).as("a message within the back-off").isZero();
        JsonNode second = message(loadId(2));
        assertThat(second.path("chat_name").isNull() || second.path("chat_name").isMissingNode()).isTrue();

        // after the back-off the next message of that chat looks the name up again
        AtomicInteger next = new AtomicInteger(3);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> {
            int i = next.getAndIncrement();
            assertThat(postPeriskope(periskopeMessage(template, i, 1, 1)).statusCode()).isEqualTo(200);
            return ("Chat " + chat(1)).equals(message(loadId(i)).path("chat_name").asText());
        });
        assertThat(chatLookups()).isEqualTo(1);
    }

    @Test
    void aSlowProviderApiDoesNotHoldTheWebhookLongerThanTheLookupTimeout() throws Exception {
        PEERS.resetAll();
        PEERS.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathMatching("/v1/.*"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson("{\"chat_name\":\"Slow\"}")
                        .withFixedDelay(5000)));
        JsonNode template = JSON.readTree(Fixtures.bytes("webhooks/periskope/message_created_group.json"));
        long start = System.nanoTime();
        HttpResponse<String> r = postPeriskope(periskopeMessage(template, 3, 2, 1));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ms).as("webhook answered after %d ms", ms).isLessThan(4000);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }
}
