package io.wagateway.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.wagateway.GatewayApplication;
import io.wagateway.support.LocalCluster;
import io.wagateway.support.ProviderApiStubs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Issue 22: an Elasticsearch cluster that loses a node under load. Three nodes of the project's distribution
 * ({@link LocalCluster}: HTTP 9281-9283, transport 9381-9383, 256 MB heaps), the gateway in-process pointed at all
 * three with one fixed replica per shard and {@code wait_for_active_shards 1}. A client that retries like a provider
 * (any non-2xx or transport failure: the same bytes again after a short back-off) sends distinct signed WAHA webhooks.
 * <ul>
 *   <li>after the first third is acknowledged the node holding the messages index's primary is killed with SIGKILL,
 *       after the second third it is started again on its data;</li>
 *   <li>then the same with the elected master.</li>
 * </ul>
 * Every acknowledged webhook's message must be stored exactly once: 0 lost, 0 duplicated. The figures go to stdout
 * ({@code CLUSTER-FIGURES ...}) and {@code target/cluster-figures.txt}. Sizes: {@code -Dcluster.webhooks} (default
 * 3,000 in CI, where the whole suite shares 2 cores) and {@code -Dcluster.master-webhooks} (default 1,500);
 * {@code bench/cluster-failover.sh} runs the 10,000 (and 3,000 for the master) on demand.
 *
 * <p>Order matters for a 2-core machine: the cluster is started and green before the gateway's context, and the load
 * begins only once the gateway's {@code /health} says UP.
 */
@CamelSpringBootTest
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(locations = "classpath:gateway-test.properties", properties = {
        "gateway.elasticsearch.local.enabled=false",
        "gateway.elasticsearch.replicas=1",
        "gateway.elasticsearch.wait-for-active-shards=1",
        "gateway.elasticsearch.write-timeout-ms=10000"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ClusterFailoverIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WEBHOOKS = Integer.getInteger("cluster.webhooks", 3_000);
    private static final int MASTER_WEBHOOKS = Integer.getInteger("cluster.master-webhooks", 1_500);
    private static final int THREADS = Integer.getInteger("cluster.threads", 24);
    private static final Path FIGURES = Path.of(System.getProperty("gateway.project-dir", "."),
            "target/cluster-figures.txt");

    private static LocalCluster cluster;
    /** Why the cluster did not start: not tried again for the context (that would cost the same minutes again). */
    private static IllegalStateException startFailure;
    private static final WireMockServer PEERS = new WireMockServer(WireMockConfiguration.options().dynamicPort()
            .globalTemplating(true));

    @LocalServerPort
    int port;

    /** Starts the cluster (once) and waits for green: before the gateway's context is created. */
    private static synchronized LocalCluster cluster() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (cluster == null) {
            LocalCluster c = new LocalCluster(3, 9281, 9381, Path.of(System.getProperty("gateway.project-dir", "."),
                    "target/cluster-it"), "256m");
            try {
                long t0 = System.nanoTime();
                c.start(Duration.ofMinutes(6)); // ~40 s on a quiet 2-core machine; minutes when it is shared
                System.out.printf(Locale.ROOT, "CLUSTER started 3 nodes, green in %.1fs%n", (System.nanoTime() - t0) / 1e9);
            } catch (Exception e) {
                startFailure = new IllegalStateException("3-node cluster did not start: " + e, e);
                throw startFailure;
            }
            cluster = c;
        }
        return cluster;
    }

    @DynamicPropertySource
    static void clusterAndPeers(DynamicPropertyRegistry registry) {
        registry.add("gateway.elasticsearch.url", () -> cluster().urls());
        if (!PEERS.isRunning()) {
            PEERS.start();
            ProviderApiStubs.stubNameLookups(PEERS);
        }
        registry.add("gateway.periskope.base-url", () -> PEERS.baseUrl() + "/v1");
        registry.add("gateway.unipile.dsn", PEERS::baseUrl);
        registry.add("gateway.waha.base-url", PEERS::baseUrl);
    }

    @BeforeAll
    static void startCluster() {
        cluster();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
        PEERS.stop();
    }

    @Test
    void killingTheNodeThatHoldsThePrimaryLosesAndDuplicatesNothing() throws Exception {
        Figures f = run("primary", "CLUSTERP", WEBHOOKS, () -> cluster.primaryOf("whatsapp-messages-000001"));
        assertExactlyOnce(f);
    }

    @Test
    void killingTheElectedMasterLosesAndDuplicatesNothing() throws Exception {
        Figures f = run("master", "CLUSTERM", MASTER_WEBHOOKS, () -> cluster.master());
        assertExactlyOnce(f);
    }

    private static void assertExactlyOnce(Figures f) {
        assertThat(f.acknowledged).as("webhooks acknowledged (2xx)").isEqualTo(f.sent);
        assertThat(f.lost).as("acknowledged but not stored").isZero();
        assertThat(f.duplicated).as("message ids stored more than once").isZero();
        assertThat(f.stored).as("documents stored").isEqualTo(f.sent);
    }

    interface Victim {
        String find() throws Exception;
    }

    /** What one phase measured; {@link #line()} is the {@code CLUSTER-FIGURES} line. */
    record Figures(String phase, String killed, int sent, long acknowledged, long attempts, long non2xx,
            long non2xxWhileDown, long transportFailures, long stored, long lost, long duplicated, long gapMs,
            long downMs, long slowestMs, long totalMs, int threads) {
        String line() {
            return String.format(Locale.ROOT, "CLUSTER-FIGURES phase=%s killed=%s sent=%d acknowledged=%d attempts=%d"
                    + " retries=%d non2xx=%d non2xx_while_down=%d transport_failures=%d stored=%d lost=%d"
                    + " duplicated=%d gap_ms=%d node_down_ms=%d slowest_answer_ms=%d total_ms=%d threads=%d", phase,
                    killed, sent, acknowledged, attempts, attempts - sent, non2xx, non2xxWhileDown, transportFailures,
                    stored, lost, duplicated, gapMs, downMs, slowestMs, totalMs, threads);
        }
    }

    /**
     * Sends {@code count} distinct webhooks from {@link #THREADS} senders; kills {@code victim} after a third is
     * acknowledged and starts it again after two thirds; waits for every delivery; counts.
     */
    private Figures run(String phase, String tag, int count, Victim victim) throws Exception {
        cluster.awaitHealth("green", 3, Duration.ofSeconds(120)); // the previous phase's node has rejoined
        awaitGatewayUp();
        JsonNode template = Load.wahaTemplate();
        URI uri = URI.create("http://localhost:" + port + "/webhooks/waha");
        AtomicInteger next = new AtomicInteger();
        AtomicLong acked = new AtomicLong();
        LongAdder attempts = new LongAdder();
        LongAdder non2xx = new LongAdder();
        LongAdder non2xxWhileDown = new LongAdder();
        LongAdder transportFailures = new LongAdder();
        AtomicLong slowestMs = new AtomicLong();
        AtomicLong firstFailure = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastFailure = new AtomicLong(Long.MIN_VALUE);
        AtomicLong downSince = new AtomicLong(Long.MAX_VALUE);
        AtomicLong downUntil = new AtomicLong(Long.MAX_VALUE);
        ConcurrentLinkedQueue<String> ackedIds = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> unacked = new ConcurrentLinkedQueue<>();
        Map<Integer, LongAdder> statuses = new java.util.concurrent.ConcurrentHashMap<>();

        long t0 = System.nanoTime();
        ExecutorService senders = Executors.newFixedThreadPool(THREADS);
        for (int t = 0; t < THREADS; t++) {
            senders.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    byte[] body = Load.wahaMessage(template, tag, i);
                    Map<String, String> headers = Load.wahaHeaders(body);
                    long pause = 50;
                    boolean ok = false;
                    for (int attempt = 1; attempt <= 40 && !ok; attempt++) { // a provider's cap
                        attempts.increment();
                        int status;
                        long sentAt = System.nanoTime();
                        try {
                            status = Load.send(uri, body, headers, Duration.ofSeconds(30)).statusCode();
                            slowestMs.accumulateAndGet((System.nanoTime() - sentAt) / 1_000_000, Math::max);
                        } catch (IOException e) {
                            status = -1;
                            transportFailures.increment();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return null;
                        }
                        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                        ok = status >= 200 && status < 300;
                        if (!ok) {
                            long now = System.nanoTime();
                            non2xx.increment();
                            firstFailure.accumulateAndGet(now, Math::min);
                            lastFailure.accumulateAndGet(now, Math::max);
                            if (now >= downSince.get() && now <= downUntil.get()) {
                                non2xxWhileDown.increment();
                            }
                            Thread.sleep(pause); // the provider's back-off before it redelivers the same bytes
                            pause = Math.min(pause * 2, 1000);
                        }
                    }
                    if (ok) {
                        acked.incrementAndGet();
                        ackedIds.add(Load.wahaDocumentId(tag, i));
                    } else {
                        unacked.add(Load.wahaDocumentId(tag, i));
                    }
                }
                return null;
            });
        }
        senders.shutdown();

        String killed = null;
        long killedAt = 0;
        long restartedAt = 0;
        if (awaitAcked(acked, count / 3, senders)) {
            killed = victim.find();
            cluster.kill(killed);
            killedAt = System.nanoTime();
            downSince.set(killedAt);
            System.out.printf(Locale.ROOT, "CLUSTER %s: killed %s (SIGKILL) after %d acknowledged%n", phase, killed,
                    acked.get());
            if (awaitAcked(acked, 2 * count / 3, senders)) {
                System.out.printf(Locale.ROOT, "CLUSTER %s: starting %s again after %d acknowledged%n", phase, killed,
                        acked.get());
                cluster.restart(killed);
                restartedAt = System.nanoTime();
                System.out.printf(Locale.ROOT, "CLUSTER %s: %s running again (%d acknowledged)%n", phase, killed,
                        acked.get());
            }
        }
        assertThat(senders.awaitTermination(10, TimeUnit.MINUTES)).as("senders done").isTrue();
        long totalMs = (System.nanoTime() - t0) / 1_000_000;
        if (killed != null && restartedAt == 0) {
            cluster.restart(killed); // the load ended before two thirds: bring it back for the next phase
            restartedAt = System.nanoTime();
        }
        if (killed != null) {
            cluster.awaitHealth("yellow", 3, Duration.ofSeconds(120));
        }
        long rejoinedAt = System.nanoTime();
        downUntil.set(rejoinedAt);

        cluster.request("POST", "/whatsapp-messages/_refresh", null);
        List<String> acknowledged = new ArrayList<>(ackedIds);
        long storedAcked = countIds(acknowledged);
        List<String> all = new ArrayList<>(acknowledged);
        all.addAll(unacked);
        long stored = countIds(all);
        long duplicated = duplicates(tag);
        long gapMs = firstFailure.get() == Long.MAX_VALUE ? 0 : (lastFailure.get() - firstFailure.get()) / 1_000_000;
        Figures f = new Figures(phase, killed, count, acked.get(), attempts.sum(), non2xx.sum(),
                non2xxWhileDown.sum(), transportFailures.sum(), stored, acked.get() - storedAcked, duplicated, gapMs,
                killedAt == 0 ? 0 : (rejoinedAt - killedAt) / 1_000_000, slowestMs.get(), totalMs, THREADS);
        System.out.println(f.line() + " statuses=" + statuses);
        Files.createDirectories(FIGURES.getParent());
        Files.writeString(FIGURES, f.line() + " statuses=" + statuses + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return f;
    }

    /** @return true once {@code target} webhooks are acknowledged; false when the senders finished first */
    private static boolean awaitAcked(AtomicLong acked, long target, ExecutorService senders)
            throws InterruptedException {
        while (acked.get() < target) {
            if (senders.awaitTermination(20, TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
        return true;
    }

    private void awaitGatewayUp() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        int status = 0;
        while (System.nanoTime() < deadline) {
            status = Load.CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            if (status == 200) {
                return;
            }
            Thread.sleep(200); // polling the gateway's readiness before the load, not inside it
        }
        throw new IllegalStateException("gateway /health not UP within 300 s (last " + status + ")");
    }

    /** @return how many of the ids are stored in the messages alias, counted in chunks */
    private long countIds(List<String> ids) throws Exception {
        long n = 0;
        for (int from = 0; from < ids.size(); from += 2000) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 2000));
            HttpResponse<String> r = cluster.request("POST", "/whatsapp-messages/_count",
                    "{\"query\":{\"ids\":{\"values\":" + Load.json(chunk) + "}}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            n += JSON.readTree(r.body()).path("count").asLong();
        }
        return n;
    }

    /** @return message ids of this phase stored in more than one document (a terms aggregation, one shard: exact) */
    private long duplicates(String tag) throws Exception {
        HttpResponse<String> r = cluster.request("POST", "/whatsapp-messages/_search", "{\"size\":0,\"track_total_hits\":true,\"query\":"
                + "{\"wildcard\":{\"message_id\":{\"value\":\"*" + tag + "*\"}}},\"aggs\":{\"ids\":{\"cardinality\":"
                + "{\"field\":\"message_id\",\"precision_threshold\":40000}},\"dup\":{\"terms\":{\"field\":"
                + "\"message_id\",\"min_doc_count\":2,\"size\":100}}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        long docs = body.path("hits").path("total").path("value").asLong();
        System.out.printf(Locale.ROOT, "CLUSTER %s: %d documents whose message_id has the tag, %d distinct%n", tag,
                docs, body.path("aggregations").path("ids").path("value").asLong());
        long dup = 0;
        for (JsonNode b : body.path("aggregations").path("dup").path("buckets")) {
            dup += b.path("doc_count").asLong() - 1;
        }
        return dup;
    }
}
