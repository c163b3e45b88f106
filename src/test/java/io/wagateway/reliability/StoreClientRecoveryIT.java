package io.wagateway.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import io.wagateway.store.WriteOutcome;
import io.wagateway.support.TcpProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 7 (store part): no single error stops storage for good.
 * <ul>
 *   <li>the client's I/O reactor dies (here: its HTTP client is closed under it, as an OutOfMemoryError in an I/O
 *       thread does): the client is rebuilt and the next webhooks are stored;</li>
 *   <li>liveness fails only when the client cannot be rebuilt (here: the URL made invalid, so every rebuild
 *       fails), never for a plain Elasticsearch outage ({@code StoreUnavailableIT} checks that side);</li>
 *   <li>a stop with Elasticsearch hung (it accepts and never answers) finishes within the close timeout, and the
 *       writes it abandons fail as "unavailable" (503, redelivered).</li>
 * </ul>
 */
class StoreClientRecoveryIT extends ReliabilityTestBase {

    private static final String TAG = "recovery";

    private int liveness() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/liveness"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private int postWaha(JsonNode template, int i) throws Exception {
        byte[] body = Load.wahaMessage(template, TAG, i);
        return Load.send(webhook(port, "waha"), body, Load.wahaHeaders(body), Duration.ofSeconds(30)).statusCode();
    }

    /** Kills the store's client the way a dead I/O reactor leaves it: its HTTP client shut down. */
    private void killIoReactor() throws IOException {
        Rest5Client rest = ElasticsearchStore.restClient(store().client());
        rest.close();
        assertThat(rest.isRunning()).isFalse();
    }

    @Test
    void aClientWhoseIoReactorDiedIsRebuiltAndTheNextWebhooksAreStored() throws Exception {
        JsonNode template = Load.wahaTemplate();
        assertThat(postWaha(template, 0)).isEqualTo(200);
        killIoReactor();
        List<Integer> answers = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            answers.add(postWaha(template, i));
        }
        System.out.printf("RECOVERY reactor killed: next 5 webhooks answered %s%n", answers);
        assertThat(answers).as("webhooks after the I/O reactor died").containsOnly(200);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i <= 5; i++) {
            ids.add(Load.wahaDocumentId(TAG, i));
        }
        assertThat(countIds(store().getMessagesIndex(), ids)).isEqualTo(6);
        assertThat(liveness()).isEqualTo(200);
    }

    @Test
    void livenessFailsOnlyWhenTheClientCannotBeRebuilt() throws Exception {
        JsonNode template = Load.wahaTemplate();
        ElasticsearchStore store = store();
        String url = store.getUrl();
        assertThat(liveness()).isEqualTo(200);
        try {
            store.setUrl("http://not a url:9200"); // every rebuild now fails
            killIoReactor();
            int[] i = {100};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                assertThat(postWaha(template, i[0]++)).as("no webhook acknowledged with a broken client")
                        .isEqualTo(503);
                return liveness() == 503;
            });
            System.out.printf("RECOVERY client unrepairable: liveness 503 after %d webhooks answered 503; state %s%n",
                    i[0] - 100, store.clientState());
        } finally {
            store.setUrl(url);
        }
        // repaired (the next rebuild works): storage and liveness come back without a restart
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> postWaha(template, 200) == 200);
        assertThat(liveness()).isEqualTo(200);
        assertThat(countIds(store.getMessagesIndex(), List.of(Load.wahaDocumentId(TAG, 200)))).isEqualTo(1);
    }

    @Test
    void aStopFinishesInBoundedTimeWhenElasticsearchHangs() throws Exception {
        try (TcpProxy proxy = new TcpProxy(store().getUrl(), TcpProxy.Mode.FORWARD)) {
            ElasticsearchStore hanging = new ElasticsearchStore();
            hanging.setUrl(proxy.url());
            hanging.setWriteTimeoutMs(120_000); // the stop, not the write timeout, must end these writes
            hanging.setCloseTimeoutMs(2_000);
            hanging.start();
            hanging.ensureIndices();
            assertThat(hanging.createDocument(store().getMessagesIndex(), "stop-test-0", Map.of("text", "before"))
                    .get(30, TimeUnit.SECONDS)).isEqualTo(WriteOutcome.STORED);

            proxy.mode(TcpProxy.Mode.HANG);
            List<CompletableFuture<WriteOutcome>> pending = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                pending.add(hanging.createDocument(store().getMessagesIndex(), "stop-test-" + i, Map.of("text", "hung")));
            }
            long start = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(hanging::stop);
            stop.get(60, TimeUnit.SECONDS);
            long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("RECOVERY stop with Elasticsearch hung: %d ms (close timeout 2000 ms)%n", stopMs);
            assertThat(stopMs).as("stop duration, ms").isLessThan(7_000);
            for (CompletableFuture<WriteOutcome> f : pending) {
                assertThat(f).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .withCauseInstanceOf(StoreUnavailableException.class);
            }
        }
    }
}
