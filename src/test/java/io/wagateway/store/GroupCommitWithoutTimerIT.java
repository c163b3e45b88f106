package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 3, the group commit without a timer ({@link ElasticsearchGroupCommit}), on stores of their own against
 * the test Elasticsearch, some behind a proxy that holds every {@code _bulk} answer: a lone write goes out at once
 * (no linger), writes that arrive while a {@code _bulk} is in flight go together in the next one, the operation and
 * byte bounds split batches, an oversize operation goes alone, the requests in flight stay capped, a rejected
 * document fails only its own item, and operations given together travel together.
 */
class GroupCommitWithoutTimerIT extends GatewayIntegrationTest {

    private final List<ElasticsearchStore> stores = new ArrayList<>();
    private WireMockServer proxy;

    @AfterEach
    void stopStores() {
        stores.forEach(ElasticsearchStore::stop);
        if (proxy != null) {
            proxy.stop();
        }
    }

    /** A store of its own on the test Elasticsearch (or the proxy, once started), configured by {@code settings}. */
    private ElasticsearchStore newStore(Consumer<ElasticsearchStore> settings) {
        ElasticsearchStore s = new ElasticsearchStore();
        s.setUrl(proxy == null ? store().getUrl() : proxy.baseUrl());
        s.setWriteTimeoutMs(60_000);
        settings.accept(s);
        stores.add(s);
        s.start();
        s.ensureIndices();
        return s;
    }

    /** Puts a proxy in front of Elasticsearch that holds every {@code _bulk} answer for {@code holdMs} ms. */
    private void holdEveryBulk(int holdMs) {
        proxy = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        proxy.start();
        proxy.stubFor(WireMock.any(WireMock.anyUrl()).atPriority(10)
                .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl())));
        proxy.stubFor(WireMock.post(WireMock.urlPathEqualTo("/_bulk")).atPriority(1)
                .willReturn(WireMock.aResponse().proxiedFrom(store().getUrl()).withFixedDelay(holdMs)));
    }

    /** @return the operations of each {@code _bulk} the proxy received, in order (one action line + one source each) */
    private List<String> bulkBodies() {
        List<LoggedRequest> requests = new ArrayList<>(proxy.findAll(
                WireMock.postRequestedFor(WireMock.urlPathEqualTo("/_bulk"))));
        requests.sort((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()));
        return requests.stream().map(LoggedRequest::getBodyAsString).toList();
    }

    private static long operations(String bulkBody) {
        return bulkBody.lines().filter(l -> l.startsWith("{\"create\"")).count();
    }

    private static Map<String, Object> event(String id, String reason) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("event", "group-commit-test");
        doc.put("reason", reason);
        doc.put("raw_scope", id);
        return doc;
    }

    private static CompletableFuture<WriteOutcome> write(ElasticsearchStore s, String id, String reason) {
        return s.createDocument(s.getEventsIndex(), id, event(id, reason));
    }

    @Test
    void aLoneWriteGoesOutAtOnceWhileTheIngesterWaitsForItsLinger() {
        // the same huge flush interval for both: the ingester waits for it, the group commit ignores it
        ElasticsearchStore ingester = newStore(s -> {
            s.setBulkMode("bulk-ingester");
            s.setBulkFlushIntervalMs(600_000);
        });
        ElasticsearchStore groupCommit = newStore(s -> s.setBulkFlushIntervalMs(600_000));

        CompletableFuture<WriteOutcome> lingering = write(ingester, "LINGER", "ingester");
        CompletableFuture<WriteOutcome> atOnce = write(groupCommit, "ATONCE", "group commit");

        assertThat(atOnce.join()).isEqualTo(WriteOutcome.STORED);
        assertThat(groupCommit.groupCommitStats()).containsEntry("bulk_requests", 1L)
                .containsEntry("bulk_operations", 1L);
        assertThat(lingering).as("the ingester holds its lone write for the 600 s linger").isNotDone();
        assertThat(ingester.groupCommitStats()).containsEntry("bulk_requests", 0L);

        ingester.stop(); // a stop sends what the ingester holds
        assertThat(lingering.join()).isEqualTo(WriteOutcome.STORED);
    }

    @Test
    void writesThatArriveWhileABulkIsInFlightGoTogetherInTheNextAndARejectedOneFailsAlone() throws Exception {
        holdEveryBulk(1_500);
        ElasticsearchStore s = newStore(st -> st.setBulkMaxConcurrentRequests(1));

        CompletableFuture<WriteOutcome> first = write(s, "FIRST", "first");
        List<CompletableFuture<WriteOutcome>> joined = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            joined.add(write(s, "JOINED" + i, "joined"));
        }
        // a keyword term over Lucene's 32,766-byte limit: Elasticsearch refuses this item, takes its neighbours
        CompletableFuture<WriteOutcome> bad = write(s, "REFUSED", "9".repeat(40_000));

        assertThat(first.join()).isEqualTo(WriteOutcome.STORED);
        for (CompletableFuture<WriteOutcome> f : joined) {
            assertThat(f.join()).isEqualTo(WriteOutcome.STORED);
        }
        assertThat(catchCompletion(bad)).isInstanceOf(DocumentRejectedException.class);

        assertThat(s.groupCommitStats()).containsEntry("bulk_requests", 2L).containsEntry("bulk_operations", 22L)
                .containsEntry("largest_bulk", 21L);
        assertThat(bulkBodies()).extracting(GroupCommitWithoutTimerIT::operations).containsExactly(1L, 21L);
        assertThat(all(s.getEventsIndex())).hasSize(21);
    }

    @Test
    void operationsGivenTogetherTravelInOneBulkAlthoughSlotsAreFree() {
        ElasticsearchStore s = newStore(st -> { });
        List<co.elastic.clients.elasticsearch.core.bulk.BulkOperation> ops = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = "TOGETHER" + i;
            ops.add(co.elastic.clients.elasticsearch.core.bulk.BulkOperation.of(o -> o.create(c -> c
                    .index(s.getEventsIndex()).id(id).document(event(id, "together")))));
        }

        List<CompletableFuture<co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem>> items = s.bulk(ops);

        assertThat(items).hasSize(10);
        items.forEach(f -> assertThat(f.join().error()).isNull());
        // four slots were free: sent one by one, they would have left in four or more requests
        assertThat(s.groupCommitStats()).containsEntry("bulk_requests", 1L).containsEntry("bulk_operations", 10L);
    }

    @Test
    void theOperationAndByteBoundsSplitBatchesAndAnOversizeOperationGoesAlone() {
        holdEveryBulk(500);
        ElasticsearchStore s = newStore(st -> {
            st.setBulkMaxConcurrentRequests(1);
            st.setBulkMaxOperations(5);
            st.setBulkMaxBytes(4_000);
        });

        List<CompletableFuture<WriteOutcome>> writes = new ArrayList<>();
        writes.add(write(s, "HEAD", "head")); // goes at once; the rest queue behind it
        for (int i = 0; i < 12; i++) {
            writes.add(write(s, "SMALL" + i, "small")); // ~150 bytes each: the operation bound splits them 5, 5, 2
        }
        writes.add(write(s, "BIG", "b".repeat(10_000))); // over max-bytes: alone
        for (int i = 0; i < 3; i++) {
            writes.add(write(s, "MEDIUM" + i, "m".repeat(1_500))); // ~1,700 bytes: two fit in 4,000, the third not
        }
        writes.forEach(f -> assertThat(f.join()).isEqualTo(WriteOutcome.STORED));

        List<String> bodies = bulkBodies();
        assertThat(bodies).extracting(GroupCommitWithoutTimerIT::operations).containsExactly(1L, 5L, 5L, 2L, 1L, 2L, 1L);
        assertThat(bodies.get(4)).contains("\"BIG\"");
        assertThat(s.groupCommitStats()).containsEntry("bulk_requests", 7L).containsEntry("largest_bulk", 5L);
    }

    @Test
    void theRequestsInFlightStayCapped() {
        holdEveryBulk(800);
        ElasticsearchStore s = newStore(st -> {
            st.setBulkMaxConcurrentRequests(2);
            st.setBulkMaxOperations(1); // one operation per _bulk: ten requests
        });

        List<CompletableFuture<WriteOutcome>> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(write(s, "CAPPED" + i, "capped"));
        }
        // two requests reach Elasticsearch at once; the third only when one of them is answered
        await().atMost(Duration.ofSeconds(10)).until(() -> bulkBodies().size() == 2);
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> bulkBodies().size() == 2);
        writes.forEach(f -> assertThat(f.join()).isEqualTo(WriteOutcome.STORED));
        assertThat(bulkBodies()).hasSize(10);
        // received in pairs, a hold apart: never more than two in flight
        List<LoggedRequest> received = new ArrayList<>(proxy.findAll(
                WireMock.postRequestedFor(WireMock.urlPathEqualTo("/_bulk"))));
        received.sort((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()));
        for (int i = 2; i < received.size(); i++) {
            long gapMs = received.get(i).getLoggedDate().getTime() - received.get(i - 2).getLoggedDate().getTime();
            assertThat(gapMs).as("request %d left after request %d was answered", i, i - 2).isGreaterThanOrEqualTo(790);
        }
    }

    @Test
    void aStopSendsWhatIsQueuedAndWaitsForTheAnswers() {
        holdEveryBulk(500);
        ElasticsearchStore s = newStore(st -> st.setBulkMaxConcurrentRequests(1));
        CompletableFuture<WriteOutcome> inFlight = write(s, "INFLIGHT", "in flight");
        CompletableFuture<WriteOutcome> queued = write(s, "QUEUED", "queued");

        s.stop();

        assertThat(inFlight.join()).isEqualTo(WriteOutcome.STORED);
        assertThat(queued.join()).isEqualTo(WriteOutcome.STORED);
        assertThat(bulkBodies()).extracting(GroupCommitWithoutTimerIT::operations).containsExactly(1L, 1L);
    }

    private static Throwable catchCompletion(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
