package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wagateway.enrich.EnrichmentCache;
import io.wagateway.enrich.NameLoad;
import io.wagateway.enrich.NameLookupAnswer;
import io.wagateway.enrich.NameLookupBackoff;
import io.wagateway.enrich.NamesIndex;
import io.wagateway.message.CanonicalMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failing name lookups back off per chat: the enricher's routes ({@code names-enrichment}, {@code names-load},
 * {@code names-write-back}, {@code name-lookup}) with the real {@code name-lookup-waha} route calling WAHA's API, a
 * WireMock server that answers 503, resets the connection or answers late. The names index is an empty stub
 * (AdviceWith), the back-off's clock a test ticker, so "after the period" needs no waiting. Every assertion on calls
 * counts the requests WireMock recorded.
 */
class NameLookupBackoffRouteTest {

    private static final long FIRST_MS = 30_000;
    private static final long MAX_MS = 120_000;
    private static final long API_TIMEOUT_MS = 500;
    private static final long LOOKUP_TIMEOUT_MS = 1_500;

    private final WireMockServer waha = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private final AtomicLong nanos = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private NameLookupBackoff backoff;
    private EnrichmentCache cache;
    private ExecutorService pool;
    private CamelContext context;
    private ProducerTemplate template;

    /** Stands in for gatewayMetrics: name-lookup-waha counts its calls there. */
    public static class MetricsStub {
        public void apiCall(String provider, String api) {
        }
    }

    @BeforeEach
    void start() throws Exception {
        waha.start();
        Metrics.addRegistry(meters);
        Properties props = new Properties();
        props.setProperty("gateway.waha.base-url", waha.baseUrl());
        props.setProperty("gateway.waha.api-key", "waha-key");
        props.setProperty("gateway.enrichment.api-timeout-ms", Long.toString(API_TIMEOUT_MS));
        cache = new EnrichmentCache();
        cache.setLookupTimeoutMs(LOOKUP_TIMEOUT_MS);
        cache.setNamesIndex(new NamesIndex());
        backoff = new NameLookupBackoff();
        backoff.setFirstMs(FIRST_MS);
        backoff.setMaxMs(MAX_MS);
        backoff.setTicker(nanos::get);
        pool = EnrichmentCache.lookupPool(4);
        context = ProviderRoutes.load(
                List.of(Path.of("routes/enrichment.camel.yaml"), Path.of("routes/waha.camel.yaml")),
                Set.of("names-enrichment", "names-load", "names-write-back", "name-lookup", "name-lookup-waha"), props,
                Map.of("gatewayMetrics", new MetricsStub(), "enrichmentCache", cache, "nameLookupBackoff", backoff,
                        "nameLookupAnswer", new NameLookupAnswer(), "namesLookupPool", pool));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:identity-link").routeId("identity-link-stub").log("identity-link stub");
            }
        });
        AdviceWith.adviceWith(context, "names-load",
                a -> a.weaveById("names-index-read").replace().log("not in the names index"));
        AdviceWith.adviceWith(context, "names-write-back",
                a -> a.weaveById("names-index-write").replace().to("mock:write-back"));
        context.start();
        template = context.createProducerTemplate();
    }

    @AfterEach
    void stop() {
        context.stop();
        pool.shutdownNow();
        waha.stop();
        Metrics.removeRegistry(meters);
    }

    private static String groupPath(String chat) {
        return "/api/default/groups/" + chat;
    }

    private int calls(String chat) {
        return waha.findAll(getRequestedFor(urlPathEqualTo(groupPath(chat)))).size();
    }

    /** The requests WireMock recorded for that chat reach (and stay at) n: a load may still be on its way. */
    private void assertCalls(String chat, int n, String what) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(calls(chat)).as(what).isEqualTo(n));
    }

    /** A WAHA group message of our own (fromMe: no sender lookup) in that chat, without the chat's name. */
    private CanonicalMessage enrich(int i, String chat) {
        return template.requestBody("direct:enrich-names", new CanonicalMessage("waha", "default", "m" + i, chat,
                "group", null, null, null, true, "text", "hello " + i, null, null, Instant.EPOCH, Instant.EPOCH,
                "received", null), CanonicalMessage.class);
    }

    private void after(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private double count(String counter) {
        return meters.find(counter).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aChatWithADownApiMakesOneCallPerBackoffPeriodDoublingUntilASuccessClearsIt() {
        waha.stubFor(get(urlPathEqualTo(groupPath("g1@g.us"))).willReturn(serviceUnavailable()));
        waha.stubFor(get(urlPathEqualTo(groupPath("g2@g.us"))).willReturn(okJson("{\"subject\":\"Other\"}")));

        for (int i = 0; i < 20; i++) {
            assertThat(enrich(i, "g1@g.us").chatName()).isNull();
        }
        assertCalls("g1@g.us", 1, "20 messages within the first period");
        await().atMost(Duration.ofSeconds(5)).until(() -> count("gateway.enrichment.failures") == 1);
        // the others were skipped in back-off (counted), or found the failed load still in memory (no load at all)
        assertThat(count("gateway.enrichment.backoff")).isPositive().isLessThanOrEqualTo(19);
        assertThat(enrich(100, "g2@g.us").chatName()).as("another chat is not affected").isEqualTo("Other");
        assertCalls("g2@g.us", 1, "calls");

        after(FIRST_MS - 1);
        assertThat(enrich(20, "g1@g.us").chatName()).isNull();
        assertCalls("g1@g.us", 1, "1 ms before the period ends");
        after(1);
        assertThat(enrich(21, "g1@g.us").chatName()).isNull();
        assertCalls("g1@g.us", 2, "the period has ended: one more call");

        after(FIRST_MS);
        enrich(22, "g1@g.us");
        assertCalls("g1@g.us", 2, "the second failure doubled the period");
        after(FIRST_MS);
        for (int i = 23; i < 43; i++) {
            enrich(i, "g1@g.us");
        }
        assertCalls("g1@g.us", 3, "after 2 x the first period: one call for 20 messages");

        after(MAX_MS - 1);  // 4 x FIRST_MS = MAX_MS after three failures, not 8 x
        enrich(43, "g1@g.us");
        assertCalls("g1@g.us", 3, "calls");
        after(1);
        enrich(44, "g1@g.us");
        assertCalls("g1@g.us", 4, "the period is capped at the max");
        after(MAX_MS);
        enrich(45, "g1@g.us");
        assertCalls("g1@g.us", 5, "still capped at the max");

        // the API recovers: the call after the period answers, which clears the back-off
        waha.stubFor(get(urlPathEqualTo(groupPath("g1@g.us"))).willReturn(okJson("{\"subject\":\"Team\"}")));
        after(MAX_MS);
        assertThat(enrich(46, "g1@g.us").chatName()).isEqualTo("Team");
        assertCalls("g1@g.us", 6, "calls");
        assertThat(backoff.size()).isZero();

        // cleared: after a restart (memory forgotten) the next failure backs off from the first period again
        cache.invalidateMemory();
        waha.stubFor(get(urlPathEqualTo(groupPath("g1@g.us"))).willReturn(serviceUnavailable()));
        assertThat(enrich(47, "g1@g.us").chatName()).isNull();
        assertCalls("g1@g.us", 7, "no back-off after the success");
        after(FIRST_MS);
        enrich(48, "g1@g.us");
        assertCalls("g1@g.us", 8, "first period again, not the max");
    }

    @Test
    void aResetConnectionBacksOffLikeA503() {
        waha.stubFor(get(urlPathEqualTo(groupPath("g3@g.us")))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        for (int i = 0; i < 20; i++) {
            assertThat(enrich(i, "g3@g.us").chatName()).isNull();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> count("gateway.enrichment.failures") == 1);
        // one lookup: Apache HttpClient (camel-http) may send an idempotent GET once more on a reset connection
        assertThat(calls("g3@g.us")).isBetween(1, 2);
        assertThat(count("gateway.enrichment.failures")).isEqualTo(1);
        assertThat(count("gateway.enrichment.backoff")).isPositive();
    }

    @Test
    void aTimingOutApiHoldsOnlyTheFirstMessageOfThePeriod() {
        waha.stubFor(get(urlPathEqualTo(groupPath("g4@g.us")))
                .willReturn(okJson("{\"subject\":\"Late\"}").withFixedDelay((int) (3 * API_TIMEOUT_MS))));

        long start = System.nanoTime();
        assertThat(enrich(0, "g4@g.us").chatName()).isNull();
        long firstMs = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        for (int i = 1; i < 20; i++) {
            assertThat(enrich(i, "g4@g.us").chatName()).isNull();
        }
        long nextMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("BACKOFF timing-out API: first message %d ms, the next 19 messages %d ms in all%n", firstMs,
                nextMs);

        assertThat(firstMs).as("the first message waits for the one call").isBetween(API_TIMEOUT_MS - 50,
                LOOKUP_TIMEOUT_MS + 1_000);
        assertThat(nextMs).as("19 messages in back-off do not wait for the API").isLessThan(API_TIMEOUT_MS);
        assertCalls("g4@g.us", 1, "calls");
    }

    @Test
    void aProviderWithoutANameIsNoFailure() {
        waha.stubFor(get(urlPathEqualTo(groupPath("g5@g.us"))).willReturn(okJson("{\"id\":\"g5@g.us\"}")));

        assertThat(enrich(0, "g5@g.us").chatName()).isNull();

        assertCalls("g5@g.us", 1, "calls");
        assertThat(backoff.size()).isZero();
        assertThat(backoff.waiting(new NameLoad("waha:default:chat:g5@g.us", "waha", "default", "chat", "g5@g.us",
                "group", null, null, null))).isFalse();
    }
}
