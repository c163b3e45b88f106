package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Group commit keeps correctness: concurrent webhooks share {@code _bulk} requests, yet each is answered from its own
 * item — a rejected document fails only its webhook, duplicates inside one bulk make one document, and no webhook is
 * answered 200 before Elasticsearch confirmed its write. Above the in-flight bound, webhooks are refused (503) before
 * any processing.
 */
class GroupCommitIT extends GatewayIntegrationTest {

    /**
     * A gateway whose bulk requests wait 1.5 s for company, so concurrent webhooks surely share one: the client's
     * BulkIngester with a linger (the group commit, the default, has none).
     */
    private static ConfigurableApplicationContext lingeringGateway(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--gateway.elasticsearch.bulk.mode=bulk-ingester",
                "--gateway.elasticsearch.bulk.flush-interval-ms=1500",
                "--gateway.enrichment.enabled=false"));
        args.addAll(List.of(more));
        return startAnotherGateway(args.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext gateway) {
        return Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
    }

    private static ElasticsearchStore storeOf(ConfigurableApplicationContext gateway) {
        return ElasticsearchStore.in(gateway.getBean(CamelContext.class));
    }

    private static CompletableFuture<HttpResponse<String>> postWahaAsync(int port, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/waha"))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                .header("X-Webhook-Hmac-Algorithm", "sha512")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The WAHA text fixture with its own message id (and, optionally, another chat id). */
    private static byte[] wahaMessage(String messageId, String chat) {
        String body = new String(Fixtures.bytes("webhooks/waha/message_inbound_text.json"), StandardCharsets.UTF_8)
                .replace("3EB0FAKE00000000000201", messageId);
        if (chat != null) {
            body = body.replace("\"from\": \"15550100001@c.us\"", "\"from\": \"" + chat + "\"");
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** Each webhook was answered 200 with one stored message. */
    private static void assertAllStored(List<CompletableFuture<HttpResponse<String>>> answers) throws Exception {
        for (CompletableFuture<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("stored").asInt()).as(r.body()).isEqualTo(1);
        }
    }

    /** Messages {prefix}0..19 are stored, {prefix}BAD is not, and it is the one dead letter, refused by the mapping. */
    private void assertStoredButTheRefused(String prefix) throws Exception {
        for (int i = 0; i < 20; i++) {
            assertThat(message("waha:default:false_15550100001@c.us_" + prefix + i)).as("message %d", i).isNotNull();
        }
        assertThat(message("waha:default:false_15550100001@c.us_" + prefix + "BAD")).isNull();
        List<JsonNode> deadLetters = all(store().getDeadLettersIndex());
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).toString()).contains("rejected-document")
                .contains("failed to parse field [chat_id]");
    }

    @Test
    void aRejectedDocumentFailsOnlyItsOwnWebhookInASharedBulk() throws Exception {
        try (ConfigurableApplicationContext gateway = lingeringGateway()) {
            ElasticsearchStore store = storeOf(gateway);
            long largestBefore = store.groupCommitStats().get("largest_bulk");
            List<CompletableFuture<HttpResponse<String>>> good = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                good.add(postWahaAsync(port(gateway), wahaMessage("GROUP" + i, null)));
            }
            // chat_id is a keyword: a 40,000-byte term is over Lucene's 32,766-byte limit, so Elasticsearch refuses
            // this item (400 inside a 200 _bulk answer) while taking its neighbours
            CompletableFuture<HttpResponse<String>> bad = postWahaAsync(port(gateway),
                    wahaMessage("GROUPBAD", "9".repeat(40_000) + "@c.us"));

            assertAllStored(good);
            HttpResponse<String> rejected = bad.join();
            assertThat(rejected.body()).contains("dead-lettered");
            assertThat(store.groupCommitStats().get("largest_bulk")).as("the 21 documents shared a bulk request")
                    .isGreaterThanOrEqualTo(Math.max(largestBefore, 21));

            assertStoredButTheRefused("GROUP");
        }
    }

    /**
     * The same with the group commit (no linger): the first {@code _bulk} is held 1.5 s by a proxy; once it has reached
     * the proxy, the other webhooks are sent, so they share the next one (one request in flight at a time) whatever
     * order they arrive in.
     */
    @Test
    void aRejectedDocumentFailsOnlyItsOwnWebhookInASharedBulkOfTheGroupCommit() throws Exception {
        java.util.concurrent.CountDownLatch firstBulk = new java.util.concurrent.CountDownLatch(1);
        WireMockServer proxy = new WireMockServer(WireMockConfiguration.options().dynamicPort().extensions(
                new com.github.tomakehurst.wiremock.extension.ServeEventListener() {
                    @Override
                    public void afterMatch(com.github.tomakehurst.wiremock.stubbing.ServeEvent event,
                            com.github.tomakehurst.wiremock.extension.Parameters parameters) {
                        if (event.getRequest().getUrl().startsWith("/_bulk")) {
                            firstBulk.countDown(); // received, before its delay
                        }
                    }

                    @Override
                    public String getName() {
                        return "first-bulk";
                    }
                }));
        proxy.start();
        try {
            proxy.stubFor(WireMock.any(WireMock.anyUrl()).atPriority(10)
                    .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl())));
            proxy.stubFor(WireMock.post(WireMock.urlPathEqualTo("/_bulk")).atPriority(1)
                    .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl()).withFixedDelay(1500)));
            try (ConfigurableApplicationContext gateway = startAnotherGateway(
                    "--gateway.elasticsearch.url=" + proxy.baseUrl(), "--gateway.enrichment.enabled=false",
                    "--gateway.elasticsearch.bulk.mode=group-commit",
                    "--gateway.elasticsearch.bulk.max-concurrent-requests=1")) {
                List<CompletableFuture<HttpResponse<String>>> good = new ArrayList<>();
                good.add(postWahaAsync(port(gateway), wahaMessage("SHARED0", null)));
                assertThat(firstBulk.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                for (int i = 1; i < 20; i++) {
                    good.add(postWahaAsync(port(gateway), wahaMessage("SHARED" + i, null)));
                }
                CompletableFuture<HttpResponse<String>> bad = postWahaAsync(port(gateway),
                        wahaMessage("SHAREDBAD", "9".repeat(40_000) + "@c.us"));

                assertAllStored(good);
                assertThat(bad.join().body()).contains("dead-lettered");
                // the refused document went in a _bulk with others
                List<String> withBad = proxy.findAll(WireMock.postRequestedFor(WireMock.urlPathEqualTo("/_bulk")))
                        .stream().map(r -> r.getBodyAsString()).filter(b -> b.contains("SHAREDBAD")).toList();
                assertThat(withBad).isNotEmpty();
                assertThat(withBad.get(0).lines().filter(l -> l.startsWith("{\"create\"")).count())
                        .as("operations in the _bulk of the refused document").isGreaterThan(1);
                assertStoredButTheRefused("SHARED");
            }
        } finally {
            proxy.stop();
        }
    }

    @Test
    void aboveTheInFlightBoundWebhooksAreAnswered503WithRetryAfterAndNotProcessed() throws Exception {
        // at most 3 webhooks in flight; each waits for the 1.5 s bulk linger, so 10 at once overflow the bound
        try (ConfigurableApplicationContext gateway = lingeringGateway("--gateway.webhooks.max-in-flight=3",
                "--gateway.webhooks.retry-after-seconds=2")) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(postWahaAsync(port(gateway), wahaMessage("ADMIT" + i, null)));
            }
            int accepted = 0;
            int overloaded = 0;
            for (int i = 0; i < answers.size(); i++) {
                HttpResponse<String> r = answers.get(i).join();
                String id = "waha:default:false_15550100001@c.us_ADMIT" + i;
                if (r.statusCode() == 200) {
                    accepted++;
                    assertThat(message(id)).as("accepted webhook %d is stored", i).isNotNull();
                } else {
                    overloaded++;
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
                    assertThat(r.body()).contains("overloaded");
                    assertThat(message(id)).as("refused webhook %d is not processed", i).isNull();
                }
            }
            assertThat(accepted).isBetween(1, 3);
            assertThat(overloaded).isEqualTo(10 - accepted);
            assertThat(gateway.getBean(MeterRegistry.class).get("gateway.webhooks.overloaded").counter().count())
                    .isEqualTo(overloaded);

            // the bound is on what is in flight now: once those are answered, the redelivery is taken
            HttpResponse<String> redelivered = postWahaAsync(port(gateway), wahaMessage("ADMIT9", null)).join();
            assertThat(redelivered.statusCode()).as(redelivered.body()).isEqualTo(200);
        }
    }

    @Test
    void duplicatesInsideOneBulkMakeOneDocument() throws Exception {
        try (ConfigurableApplicationContext gateway = lingeringGateway()) {
            ElasticsearchStore store = storeOf(gateway);
            Map<String, Long> before = store.groupCommitStats();
            byte[] body = wahaMessage("SAMEINBATCH", null);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(postWahaAsync(port(gateway), body));
            }
            int stored = 0;
            int duplicate = 0;
            for (CompletableFuture<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.join();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                stored += JSON.readTree(r.body()).path("stored").asInt();
                duplicate += JSON.readTree(r.body()).path("duplicate").asInt();
            }
            Map<String, Long> after = store.groupCommitStats();
            long operations = after.get("bulk_operations") - before.get("bulk_operations");
            long requests = after.get("bulk_requests") - before.get("bulk_requests");
            assertThat(operations).as("every delivery was checked by Elasticsearch (create-if-absent)").isEqualTo(10);
            assertThat(requests).as("in at most two bulk requests (a periodic flush may split them)").isBetween(1L, 2L);
            assertThat(stored).isEqualTo(1);
            assertThat(duplicate).isEqualTo(9);
            assertThat(all(store().getMessagesIndex())).extracting(d -> d.path("message_id").asText())
                    .containsExactly("false_15550100001@c.us_SAMEINBATCH");
        }
    }

    @Test
    void aWebhookIsAnsweredOnlyAfterElasticsearchConfirmedItsDocument() throws Exception {
        // Elasticsearch behind a proxy that holds every _bulk answer for 1.5 s, then fails them
        WireMockServer proxy = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        proxy.start();
        try {
            proxy.stubFor(WireMock.any(WireMock.anyUrl()).atPriority(10)
                    .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl())));
            proxy.stubFor(WireMock.post(WireMock.urlPathEqualTo("/_bulk")).atPriority(1)
                    .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl()).withFixedDelay(1500)));
            try (ConfigurableApplicationContext gateway = startAnotherGateway(
                    "--gateway.elasticsearch.url=" + proxy.baseUrl(), "--gateway.enrichment.enabled=false")) {
                long start = System.nanoTime();
                HttpResponse<String> r = postWahaAsync(port(gateway), wahaMessage("CONFIRMED", null)).join();
                long elapsedMs = (System.nanoTime() - start) / 1_000_000;
                // checked at once, with a real-time GET straight to Elasticsearch (not through the proxy)
                JsonNode stored = message("waha:default:false_15550100001@c.us_CONFIRMED");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(stored).as("the document exists when the 200 arrives").isNotNull();
                assertThat(elapsedMs).as("the answer waited for the held bulk answer").isGreaterThanOrEqualTo(1500);
                proxy.verify(WireMock.postRequestedFor(WireMock.urlPathEqualTo("/_bulk"))
                        .withRequestBody(WireMock.containing("CONFIRMED")));

                // the bulk request now fails at the connection: the webhook is answered 503, never 200
                proxy.stubFor(WireMock.post(WireMock.urlPathEqualTo("/_bulk")).atPriority(1)
                        .willReturn(WireMock.aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
                HttpResponse<String> failed = postWahaAsync(port(gateway), wahaMessage("NEVERCONFIRMED", null)).join();
                assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
                assertThat(message("waha:default:false_15550100001@c.us_NEVERCONFIRMED")).isNull();
            }
        } finally {
            proxy.stop();
        }
    }
}
