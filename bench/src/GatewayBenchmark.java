import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.meta.MetaNormalizer;
import io.wagateway.provider.periskope.PeriskopeNormalizer;
import io.wagateway.provider.unipile.UnipileNormalizer;
import io.wagateway.provider.waha.WahaNormalizer;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.LocalElasticsearch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The throughput benchmark (issue 6), run by {@code bench/run.sh}. On one machine it starts Elasticsearch 9.2.0
 * (the project's local distribution), WireMock standing in for the provider APIs, and the packaged gateway; it
 * generates signed webhooks across the four providers and 100 chats, then measures:
 * <ol>
 *   <li>(a) Elasticsearch's own limit for the same documents: {@code _bulk} create requests with no gateway in front,
 *       and one create request per message (what a naive gateway does);</li>
 *   <li>(b) the gateway at maximum rate (closed loop, {@code --concurrency} requests in flight);</li>
 *   <li>(c) the gateway at a fixed rate ({@code --rate} req/s, open loop: latency counted from the scheduled send
 *       time, so a stall is not hidden by the generator waiting);</li>
 * </ol>
 * and prints throughput, p50/p99/max acknowledgement latency, the gateway/ES-limit ratio, provider-API calls, peak
 * heap (jstat), and checks that every message was stored exactly once.
 *
 * <p>Issue 18: (a) sends pre-serialised NDJSON through a lean client ({@link LeanBulk}) and reports Elasticsearch's
 * CPU per stored document; {@code --mix waha|meta} adds a business number's traffic mix ({@link TrafficMix}: messages
 * and their acks) at maximum rate, at light load and at the fixed rate, then checks that every update converged;
 * every phase reports the requests Elasticsearch received ({@link EsStats}); the gateway's idle CPU and the figures
 * of the targets are under {@code targets}; {@code --compare-bulk} compares the bulk writers in one run.
 */
public final class GatewayBenchmark {

    static final String SECRET = "bench-secret";
    static final String[] PROVIDERS = {"waha", "meta", "periskope", "unipile"};
    static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, String> opt = new HashMap<>();
    final Map<String, String> templates = new HashMap<>();
    final Map<String, Object> report = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4)).connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicLong sequence = new AtomicLong();
    String runId;
    int gatewayPort;
    String gatewayLog = "gateway.log";
    Process gateway;
    HeapSampler heap;
    /** The providers of the messages-only webhooks ({@code --providers}, default all four; in a mix run the mix's). */
    String[] providers = PROVIDERS;
    /** The traffic mix ({@code --mix waha|meta}), or null for messages only. */
    TrafficMix mix;
    /** Elasticsearch's own request counters (per phase). */
    EsStats esStats;
    /** The local Elasticsearch's pid file (its CPU is read from /proc; other helpers' nodes on the machine are not). */
    static Path esPidFile;
    Path project;
    Path work;

    public static void main(String[] args) throws Exception {
        GatewayBenchmark bench = new GatewayBenchmark();
        for (int i = 0; i + 1 < args.length; i += 2) {
            bench.opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        try {
            bench.run();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        } finally {
            if (bench.gateway != null) {
                bench.gateway.destroy();
                bench.gateway.waitFor(30, TimeUnit.SECONDS);
            }
        }
        System.exit(0);
    }

    int intOpt(String name, int def) {
        return Integer.parseInt(opt.getOrDefault(name, String.valueOf(def)));
    }

    void run() throws Exception {
        project = Path.of(opt.getOrDefault("project", ".")).toAbsolutePath().normalize();
        work = project.resolve("target/bench");
        Files.createDirectories(work);
        long runStarted = System.nanoTime();
        int messages = intOpt("messages", 40000);
        int concurrency = intOpt("concurrency", 128);
        int rate = intOpt("rate", 1000);
        int rateSeconds = intOpt("rate-seconds", 60);
        int soakSeconds = intOpt("soak-seconds", 0);
        int esPort = intOpt("es-port", 9299);
        gatewayPort = intOpt("gateway-port", 18080);
        runId = Long.toString(System.currentTimeMillis(), 36);
        for (String p : PROVIDERS) {
            templates.put(p, Files.readString(project.resolve("src/test/resources/fixtures/webhooks/" + p + "/"
                    + Map.of("waha", "message_inbound_text.json", "meta", "inbound_text.json",
                            "periskope", "message_created_inbound_text.json",
                            "unipile", "message_received_inbound_text.json").get(p))));
        }
        String mixProvider = opt.getOrDefault("mix", opt.containsKey("compare-bulk") ? "waha" : "none");
        if (!mixProvider.equals("none")) {
            mix = new TrafficMix(project, mixProvider, runId, Double.parseDouble(opt.getOrDefault(
                    "mix-early-ack-fraction", "0.1")), intOpt("mix-ack-distance", Math.max(200, concurrency * 2)));
            // messages only, for the ratio, from the same provider
            opt.putIfAbsent("providers", mixProvider);
        }
        if (opt.containsKey("providers")) {
            providers = opt.get("providers").split(",");
        }
        report.put("options", new java.util.TreeMap<>(opt));
        machine();

        // --- Elasticsearch and the provider stand-ins
        // --es-url: an Elasticsearch elsewhere (its own cores, as in production); else a local one on this machine
        if (!opt.containsKey("es-url")) {
            esPidFile = work.resolve("es-logs/elasticsearch.pid");
        }
        String esUrl = opt.containsKey("es-url") ? opt.get("es-url") : LocalElasticsearch.ensureRunning(new LocalElasticsearch.Settings(
                project.resolve(".local/elasticsearch"), work.resolve("es-data"), work.resolve("es-logs"), esPort,
                opt.getOrDefault("es-heap", "512m"), "elasticsearch", true, Duration.ofSeconds(120)));
        esStats = new EsStats(esUrl);
        WireMockServer peers = startPeers();
        // the store's _bulk timers in this JVM, with buckets fine enough to read percentiles from (phase a')
        meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        meters.config().meterFilter(new io.micrometer.core.instrument.config.MeterFilter() {
            @Override
            public io.micrometer.core.instrument.distribution.DistributionStatisticConfig configure(
                    io.micrometer.core.instrument.Meter.Id id,
                    io.micrometer.core.instrument.distribution.DistributionStatisticConfig config) {
                if (!id.getName().startsWith("gateway.elasticsearch.bulk")) {
                    return config;
                }
                double[] slo = {1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000};
                return io.micrometer.core.instrument.distribution.DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(Arrays.stream(slo).map(ms -> ms * 1e6).toArray()).build().merge(config);
            }
        });
        io.micrometer.core.instrument.Metrics.addRegistry(meters);
        ElasticsearchStore store = new ElasticsearchStore();
        store.setUrl(esUrl);
        store.setMessagesIndex("bench-probe");
        // the group commit of phase (a'), by default as the gateway's defaults (application.yaml) set it
        store.setBulkFlushIntervalMs(intOpt("store-flush-interval-ms", 5));
        store.setBulkMaxConcurrentRequests(intOpt("store-max-concurrent-requests", 4));
        store.start();
        ElasticsearchClient es = store.client();
        if (opt.containsKey("es-refresh-interval")) {   // e.g. 1s (Elasticsearch's default), 5s, -1
            es.indices().putSettings(s -> s.index("bench-probe").settings(i -> i.refreshInterval(t -> t.time(
                    opt.get("es-refresh-interval")))));
        }
        if (Boolean.parseBoolean(opt.getOrDefault("store-only", "false"))) {
            // only (a'), with nothing else running: the floor Elasticsearch and the group commit set on this machine
            storeAlone(store, intOpt("rate", 1000), intOpt("store-seconds", 30));   // warm-up
            Map<String, double[]> before = bulkHistograms();
            Phase alone = storeAlone(store, intOpt("rate", 1000), intOpt("store-seconds", 30));
            report.put("group_commit_alone_at_fixed_rate", alone.summary());
            report.put("group_commit_alone_bulk_ms", timerSummary(before, bulkHistograms()));
            writeResult(work);
            store.stop();
            peers.stop();
            return;
        }

        if (opt.containsKey("compare-http-entry")) {
            compareHttpEntry(project, work, esUrl, peers.baseUrl(), store, es, messages, concurrency, rate, rateSeconds);
            peers.stop();
            store.stop();
            return;
        }

        // --- (a) Elasticsearch's limit for the same documents: the gateway's template, pre-serialised NDJSON
        double bulkLimit = phaseA(esUrl, store, es);
        double esCpuPerDoc = (double) report.get("es_bulk_cpu_ms_per_doc");
        double singleRate = 0;
        int singles = intOpt("single-docs", mix != null ? 0 : 10000);
        if (singles > 0) {
            List<CanonicalMessage> docs = new ArrayList<>();
            for (Webhook w : generate(singles)) {
                docs.add(w.document());
            }
            sequence.addAndGet(-singles);   // not sent to the gateway
            store.ensureIndex("bench-single", "elasticsearch/messages-mapping.json");
            singleRate = singleLimit(es, docs, 64);
            report.put("es_one_request_per_message_docs_per_s", Math.round(singleRate));
            report.put("es_bulk_vs_single", round1(bulkLimit / singleRate));
            es.indices().delete(d -> d.index("bench-single-000001"));
        }

        if (opt.containsKey("compare-bulk")) {
            compareBulk(esUrl, peers.baseUrl(), es, messages, concurrency, bulkLimit, esCpuPerDoc);
            peers.stop();
            store.stop();
            report.put("total_seconds", Math.round((System.nanoTime() - runStarted) / 1e9));
            writeResult(work);
            return;
        }

        // --- the gateway
        List<Webhook> webhooks = generate(messages);
        startGateway(project, work, esUrl, peers.baseUrl());
        heap = new HeapSampler(gateway.pid());
        heap.start();
        // the JIT needs a long time to settle on 2 cores: after 60,000 webhooks the gateway's C2 compiler thread still
        // took 0.3-0.4 cores in (b) (busiest_threads_cores), after 150,000 about 0.2
        warmUp(intOpt("warmup", 150000), 64);
        if (mix != null) {
            closedLoop(mix.next(intOpt("mix-warmup", 20000)), 64);
            System.out.println("mix warm-up done");
        }
        long apiCallsBefore = PEER_CALLS.get();
        Map<String, Object> targets = new LinkedHashMap<>();

        // --- (b) maximum rate, messages only
        Map<String, double[]> gatewayBefore = scrapeGateway();
        Phase max = closedLoop(webhooks, concurrency);
        Map<String, double[]> gatewayAfter = scrapeGateway();
        report.put("max_rate", max.summary());
        report.put("max_rate_gateway_side_ms", timerSummary(gatewayBefore, gatewayAfter));
        report.put("gateway_vs_es_bulk_limit", round1(100.0 * max.throughput() / bulkLimit) + " %");
        if (singleRate > 0) {
            report.put("gateway_vs_one_request_per_message", round1(max.throughput() / singleRate) + " x");
        }
        targets.put("messages_only_webhooks_per_s", Math.round(max.throughput()));
        targets.put("messages_only_vs_bulk_limit", round3(max.throughput() / bulkLimit));
        targets.put("messages_only_gateway_cpu_ms_per_webhook", max.gatewayCpuMsPerRequest());
        targets.put("messages_only_gateway_cpu_vs_es_cpu_per_doc", round1(max.gatewayCpuMsPerRequest() / esCpuPerDoc));

        // --- (b) maximum rate, the mix
        Source load = this::generate;
        if (mix != null) {
            load = mix::next;
            gatewayBefore = scrapeGateway();
            Phase mixMax = closedLoop(mix.next(intOpt("mix-webhooks", Math.max(5000, messages / 2))), concurrency);
            report.put("mix_max_rate", mixMax.summary());
            report.put("mix_max_rate_gateway_side_ms", timerSummary(gatewayBefore, scrapeGateway()));
            targets.put("mix_webhooks_per_s", Math.round(mixMax.throughput()));
            targets.put("mix_vs_messages_only", round2(mixMax.throughput() / max.throughput()));
            targets.put("mix_vs_bulk_limit", round3(mixMax.throughput() / bulkLimit));
            @SuppressWarnings("unchecked")
            Map<String, Object> mixBulk = (Map<String, Object>) report.get("es_bulk_mix");
            targets.put("mix_vs_mix_documents_bulk_limit", round3(mixMax.throughput()
                    / ((Number) mixBulk.get("docs_per_s")).doubleValue()));
            targets.put("mix_gateway_cpu_ms_per_webhook", mixMax.gatewayCpuMsPerRequest());
            targets.put("mix_gateway_cpu_vs_es_cpu_per_doc", round1(mixMax.gatewayCpuMsPerRequest() / esCpuPerDoc));
            Map<String, Object> converged = convergence(es);
            report.put("mix_convergence_after_max_rate", converged);
            targets.put("converged_after_max_rate", converged.get("converged"));
        }

        // --- light load: 2 connections, closed loop (the mix when there is one)
        int lightWebhooks = intOpt("light-webhooks", 3000);
        if (lightWebhooks > 0) {
            gatewayBefore = scrapeGateway();
            Phase light = closedLoop(load.next(lightWebhooks), intOpt("light-connections", 2));
            report.put("light_load", light.summary());
            report.put("light_load_gateway_side_ms", timerSummary(gatewayBefore, scrapeGateway()));
            long[] sorted = light.sortedLatencies();
            targets.put("light_load_p50_ms", Phase.pct(sorted, 50));
            targets.put("light_load_p99_ms", Phase.pct(sorted, 99));
        }

        // --- (c) fixed rate (the mix when there is one)
        if (rateSeconds > 0) {
            gatewayBefore = scrapeGateway();
            Phase fixed = openLoop(rate, rateSeconds, load);
            gatewayAfter = scrapeGateway();
            report.put("fixed_rate", fixed.summary());
            // where the acknowledgement time goes, as the gateway measured it: the whole webhook, the _bulk round
            // trip and Elasticsearch's own part of it (took), the batched _mget
            report.put("fixed_rate_gateway_side_ms", timerSummary(gatewayBefore, gatewayAfter));
            long[] sorted = fixed.sortedLatencies();
            targets.put("fixed_rate_p50_ms", Phase.pct(sorted, 50));
            targets.put("fixed_rate_p99_ms", Phase.pct(sorted, 99));
            targets.put("fixed_rate_es_requests_per_1000_webhooks", fixed.esRequests.get("per_1000_webhooks"));
            targets.put("fixed_rate_gateway_cpu_ms_per_webhook", fixed.gatewayCpuMsPerRequest());
            // (a') the floor under that latency: the gateway's own group commit (ElasticsearchStore with the
            // gateway's bulk defaults) at the same rate, with no HTTP and no Camel in front; run here, once
            // Elasticsearch is as warm as it was for (c), while the gateway idles
            int storeSeconds = intOpt("store-seconds", mix != null ? 0 : 30);
            if (storeSeconds > 0) {
                Map<String, double[]> storeBefore = bulkHistograms();
                Phase alone = storeAlone(store, rate, storeSeconds);
                report.put("group_commit_alone_at_fixed_rate", alone.summary());
                report.put("group_commit_alone_bulk_ms", timerSummary(storeBefore, bulkHistograms()));
            }
        }
        // --- the gateway idle, after the load
        int idleSeconds = intOpt("idle-seconds", 30);
        if (idleSeconds > 0) {
            Map<String, Object> idle = idle(idleSeconds);
            report.put("idle", idle);
            targets.put("idle_gateway_cores", idle.get("gateway_cores"));
        }
        if (soakSeconds > 0) {
            report.put("heap_after_full_gc_before_soak_mb", heapAfterFullGc(work, "histogram-before-soak.txt"));
            heap.markSoak();
            Phase soak = openLoop(rate, soakSeconds, load);
            report.put("soak", soak.summary());
            report.put("soak_old_gen_min_per_minute_mb", heap.soakTrend());
            // G1 reclaims the old generation late (after a concurrent mark), so a rising old gen is not yet a leak:
            // what a full GC leaves is. The histogram (which forces one) says what is left.
            report.put("heap_after_full_gc_after_soak_mb", heapAfterFullGc(work, "histogram-after-soak.txt"));
            targets.put("soak_heap_after_full_gc_mb", report.get("heap_after_full_gc_before_soak_mb") + " -> "
                    + report.get("heap_after_full_gc_after_soak_mb"));
        }
        long apiCalls = PEER_CALLS.get();
        // the gateway's own view (acknowledgement and _bulk histograms), kept for reading beside the client's figures
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        Files.writeString(work.resolve("prometheus.txt"), metrics.body());
        report.put("provider_api_calls", Map.of("warm_up", apiCallsBefore, "measured_phases", apiCalls - apiCallsBefore));

        // --- exactly once: every acknowledged message is stored once; the mix: every update converged
        if (mix != null) {
            Map<String, Object> converged = convergence(es);
            report.put("mix_convergence", converged);
            targets.put("converged", converged.get("converged"));
        }
        es.indices().refresh(r -> r.index("whatsapp-messages"));
        long stored = es.count(c -> c.index("whatsapp-messages")).count();
        long expected = sequence.get() + (mix == null ? 0 : 2 * mix.units());
        report.put("messages_sent_unique", expected);
        report.put("messages_stored", stored);
        report.put("peak_heap_used_mb", heap.peakUsedMb());
        report.put("peak_heap_committed_mb", heap.peakCommittedMb());
        targets.put("peak_heap_used_mb", heap.peakUsedMb());
        heap.stopSampling();
        report.put("targets", targets);
        report.put("total_seconds", Math.round((System.nanoTime() - runStarted) / 1e9));
        writeResult(work);
        System.out.println("\n===== TARGETS (issue 18) =====");
        targets.forEach((k, v) -> System.out.println(k + ": " + v));
        System.out.println("total: " + report.get("total_seconds") + " s");
        peers.stop();
        store.stop();
        if (stored != expected) {
            System.out.println("MISMATCH: stored " + stored + " != sent " + expected);
        }
    }

    /** Where the webhooks of a phase come from: messages only ({@link #generate}) or the mix. */
    interface Source {
        List<Webhook> next(int n) throws Exception;
    }

    /**
     * (a) Elasticsearch's own {@code _bulk} limit: {@code --es-bulk-docs} (default 100,000, at least
     * {@code --messages}) message documents generated as the gateway normalises them, into an index made by the
     * gateway's own template code ({@code ElasticsearchStore.ensureIndex}, the messages mapping), serialised to NDJSON
     * before the clock starts, sent by {@code --es-bulk-clients} (4) lean clients, {@code --es-bulk-size} (1,000) per
     * {@code _bulk}, op_type create with the real {@code _id}s. A first pass of {@code --es-bulk-warmup-docs}
     * (20,000) into another index warms Elasticsearch up. Elasticsearch's CPU per stored document comes from its
     * process's own CPU time (/proc/PID/stat) over the measured pass.
     *
     * @return documents per second
     */
    double phaseA(String esUrl, ElasticsearchStore store, ElasticsearchClient es) throws Exception {
        int size = intOpt("es-bulk-size", 1000);
        String clientCounts = opt.getOrDefault("es-bulk-clients", opt.getOrDefault("es-bulk-concurrency", "2,4"));
        int warmDocs = intOpt("es-bulk-warmup-docs", 20000);
        int docsWanted = intOpt("es-bulk-docs", Math.max(100000, intOpt("messages", 40000)));
        ObjectMapper mapper = store.objectMapper();
        if (warmDocs > 0) {
            store.ensureIndex("bench-warm", "elasticsearch/messages-mapping.json");
            LeanBulk.send(esUrl, LeanBulk.prepare(mapper, "bench-warm", documents(warmDocs), size), 4);
            es.indices().delete(d -> d.index("bench-warm-000001"));
        }
        LeanBulk.Prepared prepared = LeanBulk.prepare(mapper, "bench-bulk", documents(docsWanted), size);
        List<Map<String, Object>> passes = new ArrayList<>();
        Map<String, Object> best = null;
        double bestRate = 0;
        // one pass per client count, each into a fresh index (the same documents and _ids): the limit is the best
        for (String count : clientCounts.split(",")) {
            int clients = Integer.parseInt(count.trim());
            store.ensureIndex("bench-bulk", "elasticsearch/messages-mapping.json");
            System.gc();
            Map<String, Long> esBefore = esStats.requests();
            long[] cpuBefore = cpuNow();
            LeanBulk.Result r = LeanBulk.send(esUrl, prepared, clients);
            long[] cpuAfter = cpuNow();
            Map<String, Long> esAfter = esStats.requests();
            System.out.printf("(a) lean _bulk, %d clients: %d documents in %.2f s = %.0f docs/s, %d item errors, %d"
                    + " requests%n", clients, r.documents(), r.seconds(), r.docsPerSecond(), r.itemErrors(), r.requests());
            es.indices().refresh(x -> x.index("bench-bulk"));
            long stored = es.count(c -> c.index("bench-bulk")).count();
            double esMs = cpuAfter[1] - cpuBefore[1];
            Map<String, Object> pass = new LinkedHashMap<>();
            pass.put("clients", clients);
            pass.put("docs_per_s", Math.round(r.docsPerSecond()));
            pass.put("es_cpu_ms_per_doc", round3(esMs / r.documents()));
            pass.put("documents", r.documents());
            pass.put("stored", stored);
            pass.put("item_errors", r.itemErrors());
            pass.put("seconds", round2(r.seconds()));
            pass.put("docs_per_bulk", size);
            pass.put("ndjson_bytes_per_doc", prepared.bytes() / Math.max(1, r.documents()));
            pass.put("es_cores", round2(esMs / 1000.0 / r.seconds()));
            pass.put("benchmark_cores", round2((cpuAfter[2] - cpuBefore[2]) / 1000.0 / r.seconds()));
            pass.put("machine_idle_cores", round2((cpuAfter[3] - cpuBefore[3]) / 1000.0 / r.seconds()));
            pass.put("es_requests", EsStats.delta(esBefore, esAfter, r.documents()));
            passes.add(pass);
            if (r.docsPerSecond() > bestRate) {
                bestRate = r.docsPerSecond();
                best = pass;
            }
            es.indices().delete(d -> d.index("bench-bulk-000001"));
        }
        report.put("es_bulk_limit_docs_per_s", Math.round(bestRate));
        report.put("es_bulk_cpu_ms_per_doc", best.get("es_cpu_ms_per_doc"));
        report.put("es_bulk_best_clients", best.get("clients"));
        report.put("es_bulk", passes);
        if (mix != null) {
            report.put("es_bulk_mix", mixBulkLimit(esUrl, store, es, (int) best.get("clients"), size));
        }
        return bestRate;
    }

    /**
     * (a) for the mix's own documents: units of a mix of their own (not sent to the gateway), normalised by the
     * gateway's normalisers: the 2 message documents per unit into {@code bench-bulk} (messages mapping), the 3 update
     * documents into {@code bench-updates} (updates mapping), in the same {@code _bulk}s, as many documents as (a)'s
     * passes. Elasticsearch's limit for storing what the mix brings, once each (the lifecycle documents and
     * projections the gateway also writes are not in it).
     *
     * @return docs/s, Elasticsearch's CPU per document, documents
     */
    Map<String, Object> mixBulkLimit(String esUrl, ElasticsearchStore store, ElasticsearchClient es, int clients,
            int size) throws Exception {
        TrafficMix own = new TrafficMix(project, mix.provider, runId + "a", mix.earlyFraction, mix.ackDistance);
        int docsWanted = intOpt("es-bulk-docs", Math.max(100000, intOpt("messages", 40000)));
        List<LeanBulk.Doc> docs = new ArrayList<>(docsWanted + 5);
        while (docs.size() < docsWanted) {
            for (Webhook w : own.next(1000)) {
                JsonNode node = JSON.readTree(w.body());
                WebhookItem item = (w.provider().equals("waha") ? new WahaNormalizer().normalize(node)
                        : new MetaNormalizer().normalize(node)).get(0);
                if (item instanceof CanonicalMessage m) {
                    docs.add(new LeanBulk.Doc("bench-bulk", m.documentId(), m));
                } else if (item instanceof io.wagateway.message.LifecycleUpdate u) {
                    docs.add(new LeanBulk.Doc("bench-updates", u.documentId(), u));
                }
            }
        }
        store.ensureIndex("bench-bulk", "elasticsearch/messages-mapping.json");
        store.ensureIndex("bench-updates", "elasticsearch/updates-mapping.json");
        LeanBulk.Prepared prepared = LeanBulk.prepareDocs(store.objectMapper(), docs, size);
        System.gc();
        long[] cpuBefore = cpuNow();
        LeanBulk.Result r = LeanBulk.send(esUrl, prepared, clients);
        long[] cpuAfter = cpuNow();
        System.out.printf("(a) lean _bulk of the mix's documents, %d clients: %d documents in %.2f s = %.0f docs/s, %d"
                + " item errors%n", clients, r.documents(), r.seconds(), r.docsPerSecond(), r.itemErrors());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("docs_per_s", Math.round(r.docsPerSecond()));
        out.put("es_cpu_ms_per_doc", round3((double) (cpuAfter[1] - cpuBefore[1]) / r.documents()));
        out.put("documents", r.documents());
        out.put("item_errors", r.itemErrors());
        out.put("clients", clients);
        out.put("ndjson_bytes_per_doc", prepared.bytes() / Math.max(1, r.documents()));
        es.indices().delete(d -> d.index("bench-bulk-000001", "bench-updates-000001"));
        return out;
    }

    /** {@code n} message documents as the gateway normalises them (not sent to the gateway: not counted). */
    List<CanonicalMessage> documents(int n) throws Exception {
        List<CanonicalMessage> docs = new ArrayList<>(n);
        for (Webhook w : generate(n)) {
            docs.add(w.document());
        }
        sequence.addAndGet(-n);
        return docs;
    }

    /**
     * The gateway's CPU while nothing is sent: {@code seconds} of quiet after a 5-second pause, from /proc.
     *
     * @return gateway cores, Elasticsearch cores, the gateway's busiest threads
     */
    Map<String, Object> idle(int seconds) throws Exception {
        Thread.sleep(5000);   // the last responses and the bulks behind them
        Phase quiet = new Phase("idle, " + seconds + " s", 1);
        begin(quiet);
        Thread.sleep(seconds * 1000L);
        end(quiet);
        Map<String, Object> out = new LinkedHashMap<>();
        double s = (quiet.endNanos - quiet.startNanos) / 1e9;
        out.put("seconds", round1(s));
        out.put("gateway_cores", round3((quiet.cpuAtEnd[0] - quiet.cpuAtStart[0]) / 1000.0 / s));
        out.put("elasticsearch_cores", round3((quiet.cpuAtEnd[1] - quiet.cpuAtStart[1]) / 1000.0 / s));
        out.put("es_requests", quiet.esRequests.get("requests"));
        Map<String, Double> threads = new LinkedHashMap<>();
        quiet.threadsAtEnd.forEach((k, v) -> {
            double cores = (v - quiet.threadsAtStart.getOrDefault(k, 0L)) / 1000.0 / s;
            if (k.startsWith("gateway: ") && cores >= 0.001) {
                threads.put(k, round3(cores));
            }
        });
        out.put("gateway_threads_cores", threads);
        System.out.println("idle: " + out);
        return out;
    }

    /**
     * The mix converged (issue 18 item 1): after a refresh, polled for up to {@code --converge-wait-seconds} (10):
     * every own message's document has {@code status} = read, the message documents of the mix are exactly the
     * distinct messages sent (2 per unit: nothing missing, nothing duplicated: the ids are the documents' ids), and
     * {@code whatsapp-message-updates} holds exactly the distinct acks sent (3 per unit).
     *
     * @return the counts, expected and found, and {@code converged}
     */
    Map<String, Object> convergence(ElasticsearchClient es) throws Exception {
        String pattern = "*" + mix.token() + "*";
        long units = mix.units();
        Map<String, Object> out = new LinkedHashMap<>();
        long deadline = System.nanoTime() + intOpt("converge-wait-seconds", 10) * 1_000_000_000L;
        long startedAt = System.nanoTime();
        while (true) {
            es.indices().refresh(r -> r.index("whatsapp-messages", "whatsapp-message-updates"));
            long messagesFound = es.count(c -> c.index("whatsapp-messages").query(q -> q.wildcard(w -> w
                    .field("message_id").value(pattern)))).count();
            long ownFound = es.count(c -> c.index("whatsapp-messages").query(q -> q.bool(b -> b
                    .filter(f -> f.wildcard(w -> w.field("message_id").value(pattern)))
                    .filter(f -> f.term(t -> t.field("from_me").value(true)))))).count();
            long ownNotRead = es.count(c -> c.index("whatsapp-messages").query(q -> q.bool(b -> b
                    .filter(f -> f.wildcard(w -> w.field("message_id").value(pattern)))
                    .filter(f -> f.term(t -> t.field("from_me").value(true)))
                    .mustNot(f -> f.term(t -> t.field("status").value("read")))))).count();
            long updatesFound = es.count(c -> c.index("whatsapp-message-updates").query(q -> q.wildcard(w -> w
                    .field("target_message_id").value(pattern)))).count();
            out.put("units", units);
            out.put("messages_expected", 2 * units);
            out.put("messages_found", messagesFound);
            out.put("own_messages_expected", units);
            out.put("own_messages_found", ownFound);
            out.put("own_messages_not_read", ownNotRead);
            out.put("updates_expected", 3 * units);
            out.put("updates_found", updatesFound);
            boolean ok = messagesFound == 2 * units && ownFound == units && ownNotRead == 0 && updatesFound == 3 * units;
            out.put("converged", ok);
            out.put("waited_ms", Math.round((System.nanoTime() - startedAt) / 1e6));
            if (ok || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(500);
        }
        if (!(boolean) out.get("converged")) {
            // a few of the own messages not read, for a look at their lifecycle documents
            var hits = es.search(s -> s.index("whatsapp-messages").size(5).query(q -> q.bool(b -> b
                    .filter(f -> f.wildcard(w -> w.field("message_id").value(pattern)))
                    .filter(f -> f.term(t -> t.field("from_me").value(true)))
                    .mustNot(f -> f.term(t -> t.field("status").value("read"))))), JsonNode.class).hits().hits();
            List<String> examples = new ArrayList<>();
            for (var h : hits) {
                // the message's lifecycle document (same _id): which statuses were merged there
                var lifecycle = es.get(g -> g.index("whatsapp-message-lifecycle").id(h.id()), JsonNode.class);
                examples.add(h.id() + " status=" + (h.source() == null ? null : h.source().path("status"))
                        + " status_history=" + (h.source() == null ? null : h.source().path("status_history"))
                        + " lifecycle=" + (lifecycle.found() ? lifecycle.source().path("statuses") : "(none)"));
            }
            out.put("examples_not_read", examples);
        }
        System.out.println("convergence: " + out);
        return out;
    }

    /**
     * The HTTP entries compared in one run ({@code --compare-http-entry default}, issue 17 item 5): today's
     * asynchronous engine with its servlet, and Camel's stock platform-http consumer ({@code WEBHOOK_ASYNC=false})
     * with Spring's task executor ({@code spring.task.execution.pool.core-size}, the executor Camel's Spring Boot
     * platform-http engine runs each request on) sized 8 (Spring's default), 64 and 200 threads (Tomcat's
     * {@code server.tomcat.threads.max} default), then the first again (Elasticsearch still gets faster per document
     * during the run, so the order shows in the figures). {@code --compare-http-entry "name:KEY=v,KEY=v;name2:..."}
     * gives others ({@code name:} alone: the defaults).
     */
    static final String HTTP_ENTRIES = "async-servlet:;stock-8:WEBHOOK_ASYNC=false,SPRING_TASK_EXECUTION_POOL_CORE_SIZE=8"
            + ";stock-64:WEBHOOK_ASYNC=false,SPRING_TASK_EXECUTION_POOL_CORE_SIZE=64"
            + ";stock-200:WEBHOOK_ASYNC=false,SPRING_TASK_EXECUTION_POOL_CORE_SIZE=200"
            + ";async-servlet-again:";   // the first entry again, last: what the order (a warming Elasticsearch) does

    /**
     * Runs (b) and (c) once per HTTP entry ({@link #HTTP_ENTRIES}), each on a freshly started gateway with the same
     * warm-up ({@code --warmup}), against the same Elasticsearch and WireMock, and reports them side by side under
     * {@code http_entries}: throughput at maximum rate, p50/p99 at the fixed rate, gateway CPU per webhook (ms) in
     * both. The gateway's log of each is {@code target/bench/gateway-<name>.log}.
     */
    void compareHttpEntry(Path project, Path work, String esUrl, String peers, ElasticsearchStore store,
            ElasticsearchClient es, int messages, int concurrency, int rate, int rateSeconds) throws Exception {
        String spec = opt.get("compare-http-entry");
        if (spec.isBlank() || spec.equals("default") || spec.equals("true")) {
            spec = HTTP_ENTRIES;
        }
        // Elasticsearch warms up first (its JIT, the first merges): else the first entry pays for it. Phase (a),
        // into indices of their own, deleted afterwards.
        phaseA(esUrl, store, es);
        Map<String, Object> entries = new LinkedHashMap<>();
        List<Map<String, Object>> table = new ArrayList<>();
        int warmup = intOpt("warmup", 60000);
        report.put("http_entries_warmup", warmup);
        report.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        for (String entry : spec.split(";")) {
            String name = entry.substring(0, entry.indexOf(':')).trim();
            Map<String, String> env = variantEnvironment(entry);
            System.out.println("\n===== HTTP entry " + name + " " + env + " =====");
            Map<String, String> saved = new HashMap<>(opt);
            opt.putAll(env);
            gatewayLog = "gateway-" + name + ".log";
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("environment", env);
            try {
                startGateway(project, work, esUrl, peers);
                heap = new HeapSampler(gateway.pid());
                heap.start();
                warmUp(warmup, 64);
                Map<String, double[]> before = scrapeGateway();
                Phase max = closedLoop(generate(messages), concurrency);
                result.put("max_rate", max.summary());
                result.put("max_rate_gateway_side_ms", timerSummary(before, scrapeGateway()));
                Phase fixed = null;
                if (rateSeconds > 0) {
                    before = scrapeGateway();
                    fixed = openLoop(rate, rateSeconds, this::generate);
                    result.put("fixed_rate", fixed.summary());
                    result.put("fixed_rate_gateway_side_ms", timerSummary(before, scrapeGateway()));
                }
                result.put("peak_heap_used_mb", heap.peakUsedMb());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("entry", name);
                row.put("max_rate_webhooks_per_s", Math.round(max.throughput()));
                row.put("max_rate_p99_ms", Phase.pct(max.sortedLatencies(), 99));
                row.put("max_rate_gateway_cpu_ms_per_webhook", max.gatewayCpuMsPerRequest());
                if (fixed != null) {
                    long[] sorted = fixed.sortedLatencies();
                    row.put("fixed_rate_p50_ms", Phase.pct(sorted, 50));
                    row.put("fixed_rate_p99_ms", Phase.pct(sorted, 99));
                    row.put("fixed_rate_gateway_cpu_ms_per_webhook", fixed.gatewayCpuMsPerRequest());
                    row.put("fixed_rate_non_200", fixed.recorded.get() - fixed.statuses.getOrDefault(200,
                            new AtomicInteger()).get() + fixed.failures.get());
                }
                row.put("max_rate_non_200", max.recorded.get() - max.statuses.getOrDefault(200, new AtomicInteger()).get()
                        + max.failures.get());
                table.add(row);
            } catch (Exception e) {
                e.printStackTrace();
                result.put("failed", e.toString());
            } finally {
                if (heap != null) {
                    heap.stopSampling();
                }
                stopGateway();
                opt.clear();
                opt.putAll(saved);
            }
            entries.put(name, result);
        }
        report.put("http_entries", table);
        report.put("http_entries_detail", entries);
        report.put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).trim());
        es.indices().refresh(r -> r.index("whatsapp-messages"));
        long stored = es.count(c -> c.index("whatsapp-messages")).count();
        report.put("messages_sent_unique", sequence.get());
        report.put("messages_stored", stored);
        writeResult(work);
        System.out.println("\n===== HTTP entries =====");
        for (Map<String, Object> row : table) {
            System.out.println(row);
        }
        if (stored != sequence.get()) {
            System.out.println("MISMATCH: stored " + stored + " != sent " + sequence.get());
        }
    }

    /** The bulk writers compared by {@code --compare-bulk default} (issue 18 item 3): the gateway property
     * {@code gateway.elasticsearch.bulk.mode} through its environment variable. */
    static final String BULK_MODES = "group-commit:ES_BULK_MODE=group-commit;bulk-ingester:ES_BULK_MODE=bulk-ingester";

    /**
     * The two bulk writers in one run ({@code --compare-bulk default}, or {@code "name:KEY=v,KEY=v;name2:..."}): per
     * mode a freshly started gateway against the same Elasticsearch, the same warm-up ({@code --warmup}, 30,000
     * messages, then {@code --mix-warmup} of the mix), then messages only at maximum rate, the mix at maximum rate and
     * the mix at light load ({@code --light-connections} 2); one table ({@code bulk_modes}), each mode's phases in
     * {@code bulk_modes_detail}, and the convergence of every mix webhook sent at the end.
     */
    void compareBulk(String esUrl, String peers, ElasticsearchClient es, int messages, int concurrency,
            double bulkLimit, double esCpuPerDoc) throws Exception {
        String spec = opt.get("compare-bulk");
        if (spec.isBlank() || spec.equals("default") || spec.equals("true")) {
            spec = BULK_MODES;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        List<Map<String, Object>> table = new ArrayList<>();
        report.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        for (String entry : spec.split(";")) {
            String name = entry.substring(0, entry.indexOf(':')).trim();
            Map<String, String> env = variantEnvironment(entry);
            System.out.println("\n===== bulk mode " + name + " " + env + " =====");
            Map<String, String> saved = new HashMap<>(opt);
            opt.putAll(env);
            gatewayLog = "gateway-" + name + ".log";
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("environment", env);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("mode", name);
            try {
                startGateway(project, work, esUrl, peers);
                heap = new HeapSampler(gateway.pid());
                heap.start();
                warmUp(intOpt("warmup", 30000), 64);
                closedLoop(mix.next(intOpt("mix-warmup", 10000)), 64);
                Phase max = closedLoop(generate(messages), concurrency);
                result.put("max_rate", max.summary());
                Phase mixMax = closedLoop(mix.next(intOpt("mix-webhooks", Math.max(5000, messages / 2))), concurrency);
                result.put("mix_max_rate", mixMax.summary());
                Phase light = closedLoop(mix.next(intOpt("light-webhooks", 3000)), intOpt("light-connections", 2));
                result.put("light_load", light.summary());
                result.put("peak_heap_used_mb", heap.peakUsedMb());
                row.put("messages_only_webhooks_per_s", Math.round(max.throughput()));
                row.put("messages_only_vs_bulk_limit", round3(max.throughput() / bulkLimit));
                row.put("messages_only_gateway_cpu_ms", max.gatewayCpuMsPerRequest());
                row.put("messages_only_p99_ms", Phase.pct(max.sortedLatencies(), 99));
                row.put("mix_webhooks_per_s", Math.round(mixMax.throughput()));
                row.put("mix_vs_messages_only", round2(mixMax.throughput() / max.throughput()));
                row.put("mix_gateway_cpu_ms", mixMax.gatewayCpuMsPerRequest());
                row.put("mix_gateway_cpu_vs_es_cpu_per_doc", round1(mixMax.gatewayCpuMsPerRequest() / esCpuPerDoc));
                row.put("mix_p99_ms", Phase.pct(mixMax.sortedLatencies(), 99));
                row.put("mix_es_requests_per_1000", mixMax.esRequests.get("per_1000_webhooks"));
                long[] sorted = light.sortedLatencies();
                row.put("light_mix_p50_ms", Phase.pct(sorted, 50));
                row.put("light_mix_p99_ms", Phase.pct(sorted, 99));
                long non200 = 0;
                for (Phase p : List.of(max, mixMax, light)) {
                    non200 += p.recorded.get() - p.statuses.getOrDefault(200, new AtomicInteger()).get() + p.failures.get();
                }
                row.put("non_200", non200);
                // every mix webhook sent so far (this mode's and the earlier modes'), checked before the next mode
                Map<String, Object> converged = convergence(es);
                result.put("mix_convergence", converged);
                row.put("converged", converged.get("converged"));
                int idleSeconds = intOpt("idle-seconds", 15);
                if (idleSeconds > 0) {
                    Map<String, Object> idle = idle(idleSeconds);
                    result.put("idle", idle);
                    row.put("idle_gateway_cores", idle.get("gateway_cores"));
                }
            } catch (Exception e) {
                e.printStackTrace();
                result.put("failed", e.toString());
                row.put("failed", e.toString());
            } finally {
                if (heap != null) {
                    heap.stopSampling();
                }
                stopGateway();
                opt.clear();
                opt.putAll(saved);
            }
            table.add(row);
            detail.put(name, result);
        }
        report.put("bulk_modes", table);
        report.put("bulk_modes_detail", detail);
        report.put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).trim());
        report.put("mix_convergence", convergence(es));
        System.out.println("\n===== bulk writers compared (es _bulk limit " + Math.round(bulkLimit) + " docs/s, "
                + esCpuPerDoc + " ms ES CPU per doc) =====");
        for (Map<String, Object> row : table) {
            System.out.println(row);
        }
    }

    /** Stops the gateway (SIGTERM, graceful) and waits for it. */
    void stopGateway() throws InterruptedException {
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            gateway = null;
        }
    }

    /** Prints the report and writes it to target/bench/result.json. */
    void writeResult(Path work) throws IOException {
        String out = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        Files.writeString(work.resolve("result.json"), out);
        System.out.println("\n===== RESULT =====\n" + out);
    }

    /** Forces a full GC in the gateway (jcmd GC.class_histogram), keeps the histogram, and returns the heap then used. */
    long heapAfterFullGc(Path work, String histogramFile) throws Exception {
        Path jdk = Path.of(opt.getOrDefault("gateway-java", System.getProperty("java.home")));
        Process histo = new ProcessBuilder(jdk.resolve("bin/jcmd").toString(), String.valueOf(gateway.pid()),
                "GC.class_histogram").redirectErrorStream(true).redirectOutput(work.resolve(histogramFile).toFile())
                .start();
        histo.waitFor(120, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jdk.resolve("bin/jcmd").toString(), String.valueOf(gateway.pid()),
                "GC.heap_info").redirectErrorStream(true).start();
        String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(30, TimeUnit.SECONDS);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
    }

    /** Starts a phase's clock and its CPU readings (per process, per thread group, the machine's idle and steal). */
    void begin(Phase phase) {
        phase.esAtStart = esStats == null ? null : esStats.requests();
        phase.cpuAtStart = cpuNow();
        phase.threadsAtStart = threadCpuMs();
        phase.startNanos = System.nanoTime();
    }

    /** Stops what {@link #begin} started. */
    void end(Phase phase) {
        phase.endNanos = System.nanoTime();
        phase.cpuAtEnd = cpuNow();
        phase.threadsAtEnd = threadCpuMs();
        if (esStats != null) {
            phase.esRequests = EsStats.delta(phase.esAtStart, esStats.requests(), phase.recorded.get());
        }
    }

    /** CPU ms used so far by the gateway, Elasticsearch and this JVM (load generator and WireMock), from /proc. */
    long[] cpuNow() {
        long es = elasticsearchPids().map(GatewayBenchmark::procCpuMs).sum();
        long[] machine = machineTicks();
        return new long[] {gateway == null ? 0 : procCpuMs(gateway.pid()), es, procCpuMs(ProcessHandle.current().pid()),
                machine[0] * 10, machine[1] * 10};
    }

    /** The Elasticsearch processes on this machine (the local one, or none with --es-url elsewhere). */
    static java.util.stream.LongStream elasticsearchPids() {
        if (esPidFile != null) {   // the bench's own node only (other ones on this machine are not measured)
            try {
                return java.util.stream.LongStream.of(Long.parseLong(Files.readString(esPidFile).trim()));
            } catch (IOException | NumberFormatException e) {
                // not written yet: all of them
            }
        }
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("org.elasticsearch.bootstrap"))
                .mapToLong(ProcessHandle::pid);
    }

    /**
     * CPU time (ms) of the gateway's and Elasticsearch's threads so far, summed by thread group: the thread's name
     * (/proc/PID/task/TID/comm, 15 characters) without its trailing number, as "gateway: C2 CompilerThre".
     */
    Map<String, Long> threadCpuMs() {
        Map<String, Long> out = new HashMap<>();
        List<long[]> who = new ArrayList<>();
        if (gateway != null) {
            who.add(new long[] {0, gateway.pid()});
        }
        elasticsearchPids().forEach(pid -> who.add(new long[] {1, pid}));
        for (long[] w : who) {
            try (var tasks = Files.list(Path.of("/proc/" + w[1] + "/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String name = Files.readString(task.resolve("comm")).trim()
                                .replaceAll("[#\\-_ ]*[0-9]+([#\\-_ ]*[0-9]*)*$", "");
                        String stat = Files.readString(task.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
                        out.merge((w[0] == 0 ? "gateway: " : "elasticsearch: ") + name, ms, Long::sum);
                    } catch (Exception gone) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }
        return out;
    }

    /** The machine's idle and steal time so far, in clock ticks (/proc/stat's first line: idle + iowait, steal). */
    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), Long.parseLong(f[8])};
        } catch (Exception e) {
            return new long[2];
        }
    }

    static long procCpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (Exception e) {
            return 0;
        }
    }

    void machine() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.replaceFirst(".*:\\s*", "")).orElse("?");
        m.put("cpu", cpu);
        m.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        report.put("machine", m);
    }

    // ------------------------------------------------------------------ webhooks

    record Webhook(String provider, byte[] body, Map<String, String> headers, String documentId) {
        CanonicalMessage document() throws IOException {
            JsonNode node = JSON.readTree(body);
            List<WebhookItem> items = switch (provider) {
                case "waha" -> new WahaNormalizer().normalize(node);
                case "meta" -> new MetaNormalizer().normalize(node);
                case "periskope" -> new PeriskopeNormalizer().normalize(node);
                default -> new UnipileNormalizer().normalize(node);
            };
            return (CanonicalMessage) items.get(0);
        }
    }

    List<Webhook> generate(int n) throws Exception {
        List<Webhook> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(next());
        }
        return list;
    }

    /** The next unique webhook: providers round-robin, 100 chats (25 per provider), a unique message id. */
    Webhook next() throws Exception {
        long seq = sequence.getAndIncrement();
        String provider = providers[(int) (seq % providers.length)];
        int chat = (int) ((seq / providers.length) % 25) + 25 * Arrays.asList(PROVIDERS).indexOf(provider);
        String chatNumber = chatPrefix() + String.format("%04d", chat);
        String id = ("B" + runId + "X" + seq).toUpperCase();
        String text = "Benchmark message " + seq + ": is the blue model in size 42 still available?";
        String body = templates.get(provider).replace("15550100001", chatNumber);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        switch (provider) {
            case "waha" -> body = body.replace("3EB0FAKE00000000000201", id)
                    .replace("Hello! Do you have the blue model in size 42?", text)
                    // the envelope's delivery time: the fixture's is older than the gateway's replay bound
                    .replace("1767610800137", Long.toString(System.currentTimeMillis()));
            case "meta" -> body = body.replace("HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=", id)
                    .replace("Hi, is my order #4821 ready for pickup?", text);
            case "periskope" -> body = body.replace("3EB0FAKE00000000000301", id)
                    .replace("Hi, what are your opening hours on Sunday?", text);
            default -> body = body.replace("FAKEmsg000000000000401", id).replace("3EB0FAKE00000000000401", id)
                    .replace("FAKEchatA0000000000001", "FAKEchat" + chatNumber)
                    .replace("Good morning, I'd like to book a demo.", text);
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        switch (provider) {
            case "waha" -> {
                headers.put("X-Webhook-Hmac", hmac("HmacSHA512", bytes));
                headers.put("X-Webhook-Hmac-Algorithm", "sha512");
            }
            case "meta" -> headers.put("X-Hub-Signature-256", "sha256=" + hmac("HmacSHA256", bytes));
            case "periskope" -> headers.put("x-periskope-signature", hmac("HmacSHA256", bytes));
            default -> headers.put("Unipile-Auth", SECRET);
        }
        return new Webhook(provider, bytes, headers, null);
    }

    static String hmac(String algorithm, byte[] body) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), algorithm));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    // ------------------------------------------------------------------ (a) Elasticsearch alone

    double singleLimit(ElasticsearchClient es, List<CanonicalMessage> docs, int parallel) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(parallel);
        long start = System.nanoTime();
        for (int t = 0; t < parallel; t++) {
            pool.execute(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < docs.size(); ) {
                        CanonicalMessage m = docs.get(i);
                        es.create(c -> c.index("bench-single").id(m.documentId()).document(m));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf("(a) one request per message: %d documents in %.1f s (%d clients)%n", docs.size(), seconds, parallel);
        return docs.size() / seconds;
    }

    // ------------------------------------------------------------------ gateway process

    void startGateway(Path project, Path work, String esUrl, String peers) throws Exception {
        // --gateway-jar: another checkout's build (e.g. main, for "before" figures); its routes are the ones beside
        // it (<checkout>/routes, or --gateway-routes)
        Path jar;
        if (opt.containsKey("gateway-jar")) {
            jar = Path.of(opt.get("gateway-jar")).toAbsolutePath();
        } else {
            try (var files = Files.list(project.resolve("target"))) {
                jar = files.filter(p -> p.getFileName().toString().matches("whatsapp-gateway-[^-]+(-SNAPSHOT)?\\.jar"))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("no jar in target/: run ./mvnw package first"));
            }
        }
        Path routes = opt.containsKey("gateway-routes") ? Path.of(opt.get("gateway-routes")).toAbsolutePath()
                : jar.getParent().getParent().resolve("routes");
        // --gateway-java: another JDK's home to run the gateway on (default: the JDK running the benchmark)
        List<String> cmd = new ArrayList<>(List.of(Path.of(opt.getOrDefault("gateway-java",
                System.getProperty("java.home")), "bin", "java").toString(),
                "-Xmx" + opt.getOrDefault("gateway-heap", "512m")));
        if (opt.containsKey("gateway-jvm-opts")) {
            cmd.addAll(List.of(opt.get("gateway-jvm-opts").split(" ")));
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve(gatewayLog).toFile());
        Map<String, String> env = pb.environment();
        env.put("PORT", String.valueOf(gatewayPort));
        env.put("ELASTICSEARCH_URL", esUrl);
        env.put("ELASTICSEARCH_LOCAL_ENABLED", "false");
        env.put("GATEWAY_ROUTES", "file:" + routes + "/*.camel.yaml");
        env.put("DEAD_LETTER_JOURNAL_DIR", work.resolve("dead-letters").toString());
        env.put("WHATSAPP_APP_SECRET", SECRET);
        env.put("WHATSAPP_VERIFY_TOKEN", "bench");
        env.put("WAHA_WEBHOOK_HMAC_KEY", SECRET);
        env.put("PERISKOPE_SIGNING_SECRET", SECRET);
        env.put("UNIPILE_WEBHOOK_SECRET", SECRET);
        // --provider-api down: the WAHA API refuses connections (a port nobody listens on), so every name lookup fails
        env.put("WAHA_BASE_URL", "down".equals(opt.get("provider-api")) ? "http://127.0.0.1:" + closedPort() : peers);
        if (mix != null) {
            mix.chatPrefix = "down".equals(opt.get("provider-api")) ? "1555050" : "1555030";
        }
        env.put("WAHA_API_KEY", "bench");
        env.put("PERISKOPE_BASE_URL", peers + "/v1");
        env.put("PERISKOPE_API_KEY", "bench");
        env.put("UNIPILE_DSN", peers);
        env.put("UNIPILE_API_KEY", "bench");
        for (String key : opt.keySet()) {   // --SOME_SETTING value: any option in capitals is the gateway's environment
            if (key.matches("[A-Z][A-Z0-9_]*")) {
                env.put(key, opt.get(key));
            }
        }
        report.put("gateway_jar", jar.toString());
        long started = System.nanoTime();
        gateway = pb.start();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/actuator/health")).build();
        for (int i = 0; i < 240; i++) {
            try {
                if (http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    System.out.printf("gateway up in %.1f s (pid %d)%n", (System.nanoTime() - started) / 1e9, gateway.pid());
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (!gateway.isAlive()) {
                throw new IllegalStateException("gateway exited; see " + work.resolve(gatewayLog));
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("gateway did not start; see " + work.resolve(gatewayLog));
    }

    /**
     * The chats' number prefix: with {@code --provider-api down} other chats than with the API up, whose names no
     * earlier variant of the run stored (else the names index answers and the down API is never asked).
     */
    String chatPrefix() {
        return "down".equals(opt.get("provider-api")) ? "1555040" : "1555020";
    }

    /** A local TCP port nobody listens on (bound once, then closed): connections to it are refused. */
    static int closedPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ load

    /** Latencies (µs) and statuses of one phase. */
    static final class Phase {
        final String name;
        final long[] latencyMicros;
        final AtomicInteger recorded = new AtomicInteger();
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final AtomicInteger failures = new AtomicInteger();
        final Map<String, AtomicInteger> failureKinds = new ConcurrentHashMap<>();
        long startNanos;
        long endNanos;
        long[] cpuAtStart;
        long[] cpuAtEnd;
        Map<String, Long> threadsAtStart;
        Map<String, Long> threadsAtEnd;
        Map<String, Long> esAtStart;
        /** Requests Elasticsearch received during the phase ({@link EsStats#delta}). */
        Map<String, Object> esRequests = Map.of();

        Phase(String name, int capacity) {
            this.name = name;
            this.latencyMicros = new long[capacity];
        }

        void record(long micros, int status) {
            int i = recorded.getAndIncrement();
            if (i < latencyMicros.length) {
                latencyMicros[i] = micros;
            }
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        }

        void fail(Throwable e) {
            failures.incrementAndGet();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            failureKinds.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
        }

        double throughput() {
            return recorded.get() / ((endNanos - startNanos) / 1e9);
        }

        long[] sortedLatencies() {
            long[] sorted = Arrays.copyOf(latencyMicros, Math.min(recorded.get(), latencyMicros.length));
            Arrays.sort(sorted);
            return sorted;
        }

        /** Gateway CPU (user + system, ms) per request over the phase, from /proc. */
        double gatewayCpuMsPerRequest() {
            return recorded.get() == 0 ? 0 : round2((double) (cpuAtEnd[0] - cpuAtStart[0]) / recorded.get());
        }

        Map<String, Object> summary() {
            long[] sorted = Arrays.copyOf(latencyMicros, Math.min(recorded.get(), latencyMicros.length));
            Arrays.sort(sorted);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("requests", recorded.get());
            s.put("seconds", round1((endNanos - startNanos) / 1e9));
            s.put("throughput_req_per_s", Math.round(throughput()));
            s.put("p50_ms", pct(sorted, 50));
            s.put("p90_ms", pct(sorted, 90));
            s.put("p99_ms", pct(sorted, 99));
            s.put("p999_ms", pct(sorted, 99.9));
            s.put("max_ms", sorted.length == 0 ? 0 : round2(sorted[sorted.length - 1] / 1000.0));
            Map<String, Integer> st = new LinkedHashMap<>();
            statuses.forEach((k, v) -> st.put(String.valueOf(k), v.get()));
            s.put("statuses", st);
            s.put("transport_failures", failures.get());
            if (cpuAtStart != null && cpuAtEnd != null && recorded.get() > 0) {
                // CPU time (user + system) each process used during the phase, per request
                Map<String, Object> cpu = new LinkedHashMap<>();
                String[] who = {"gateway", "elasticsearch", "load_generator_and_wiremock"};
                double seconds = (endNanos - startNanos) / 1e9;
                for (int i = 0; i < who.length; i++) {
                    long ms = cpuAtEnd[i] - cpuAtStart[i];
                    cpu.put(who[i], Map.of("cores", round2(ms / 1000.0 / seconds),
                            "ms_per_request", round2((double) ms / recorded.get())));
                }
                // what was left of the machine, and what its hypervisor took (a noisy neighbour shows here)
                int cores = Runtime.getRuntime().availableProcessors();
                cpu.put("machine_idle_cores", round2((cpuAtEnd[3] - cpuAtStart[3]) / 1000.0 / seconds));
                cpu.put("machine_steal_percent", round1(100.0 * (cpuAtEnd[4] - cpuAtStart[4]) / 1000.0 / seconds / cores));
                s.put("cpu", cpu);
                if (threadsAtStart != null && threadsAtEnd != null) {
                    // the busiest thread groups of the gateway and Elasticsearch (JIT compilers, GC, HTTP, ...)
                    Map<String, Double> groups = new LinkedHashMap<>();
                    threadsAtEnd.forEach((k, v) -> groups.put(k, round2((v - threadsAtStart.getOrDefault(k, 0L)) / 1000.0
                            / seconds)));
                    Map<String, Double> top = new LinkedHashMap<>();
                    groups.entrySet().stream().filter(e -> e.getValue() >= 0.01)
                            .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(16)
                            .forEach(e -> top.put(e.getKey(), e.getValue()));
                    s.put("busiest_threads_cores", top);
                }
            }
            if (!esRequests.isEmpty()) {
                s.put("es_requests", esRequests);
            }
            if (!failureKinds.isEmpty()) {
                s.put("transport_failure_kinds", failureKinds.toString());
            }
            System.out.println(name + ": " + s);
            return s;
        }

        static double pct(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return round2(sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0);
        }
    }

    void warmUp(int n, int concurrency) throws Exception {
        List<Webhook> w = generate(n);
        Phase p = closedLoop(w, concurrency);
        System.out.println("warm-up done: " + p.recorded.get() + " requests");
    }

    byte[] wire(Webhook w) {
        return HttpLoad.post("127.0.0.1", gatewayPort, "/webhooks/" + w.provider(), w.headers(), w.body());
    }

    HttpLoad load(int connections) throws IOException {
        return new HttpLoad("127.0.0.1", gatewayPort, connections);
    }

    /** Maximum rate: {@code concurrency} requests always in flight; latency from each request's own send. */
    Phase closedLoop(List<Webhook> webhooks, int concurrency) throws Exception {
        Phase phase = new Phase("closed loop, " + concurrency + " in flight", webhooks.size());
        List<byte[]> requests = new ArrayList<>(webhooks.size());
        for (Webhook w : webhooks) {
            requests.add(wire(w));
        }
        CountDownLatch done = new CountDownLatch(webhooks.size());
        AtomicInteger next = new AtomicInteger();
        try (HttpLoad load = load(concurrency)) {
            HttpLoad.Callback[] onDone = new HttpLoad.Callback[1];
            onDone[0] = (status, started) -> {
                long now = System.nanoTime();
                if (status < 0) {
                    phase.fail(new IOException("connection failed"));
                }
                phase.record((now - started) / 1000, status);
                done.countDown();
                int i = next.getAndIncrement();
                if (i < requests.size()) {
                    load.submit(requests.get(i), now, onDone[0]);
                }
            };
            begin(phase);
            for (int c = 0; c < concurrency; c++) {
                int i = next.getAndIncrement();
                if (i < requests.size()) {
                    load.submit(requests.get(i), System.nanoTime(), onDone[0]);
                }
            }
            done.await(600, TimeUnit.SECONDS);
            end(phase);
        }
        return phase;
    }

    /**
     * Fixed rate (open loop): request i is due at start + i / rate; its latency counts from that time, so a request
     * queued behind slow ones is counted as slow. Webhooks are signed ahead, on another thread, in 5-second chunks.
     */
    Phase openLoop(int rate, int seconds, Source source) throws Exception {
        // the mix comes in units of 5 webhooks: whole units only, in every chunk
        int unit = mix == null ? 1 : 5;
        int total = (rate * seconds + unit - 1) / unit * unit;
        Phase phase = new Phase("open loop, " + rate + " req/s for " + seconds + " s", total);
        CountDownLatch done = new CountDownLatch(total);
        int chunk = Math.max(unit, rate * 5 / unit * unit);
        ExecutorService signer = Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<List<byte[]>> ahead = signer.submit(() -> wireAll(source.next(Math.min(total, chunk))));
        List<byte[]> current = List.of();
        int index = 0;
        HttpLoad.Callback onDone = (status, scheduled) -> {
            if (status < 0) {
                phase.fail(new IOException("connection failed"));
            }
            phase.record((System.nanoTime() - scheduled) / 1000, status);
            done.countDown();
        };
        try (HttpLoad load = load(intOpt("open-loop-connections", 512))) {
            begin(phase);
            for (int i = 0; i < total; i++) {
                if (index == current.size()) {
                    current = ahead.get();
                    index = 0;
                    int sent = i + current.size();
                    ahead = signer.submit(() -> wireAll(source.next(Math.min(Math.max(0, total - sent), chunk))));
                }
                long scheduled = phase.startNanos + (long) (i * (1e9 / rate));
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                load.submit(current.get(index++), scheduled, onDone);
            }
            // --drain-seconds: how long the answers may lag behind the schedule (a rate above capacity queues)
            int drain = intOpt("drain-seconds", 120);
            if (!done.await(drain, TimeUnit.SECONDS)) {
                System.out.println("open loop: " + done.getCount() + " requests unanswered after " + drain + " s");
            }
            end(phase);
        } finally {
            signer.shutdownNow();
        }
        return phase;
    }

    /** The store alone at a fixed rate: each document's latency from its scheduled time to its confirmed create. */
    Phase storeAlone(ElasticsearchStore store, int rate, int seconds) throws Exception {
        int total = rate * seconds;
        List<CanonicalMessage> docs = new ArrayList<>(total);
        for (Webhook w : generate(total)) {
            docs.add(w.document());
        }
        sequence.addAndGet(-total); // these go to bench-probe, not to the gateway's index counted at the end
        Phase phase = new Phase("group commit alone, " + rate + " docs/s for " + seconds + " s", total);
        CountDownLatch done = new CountDownLatch(total);
        begin(phase);
        for (int i = 0; i < total; i++) {
            long scheduled = phase.startNanos + (long) (i * (1e9 / rate));
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            store.storeMessage(docs.get(i)).whenComplete((outcome, e) -> {
                if (e != null) {
                    phase.fail(e);
                }
                phase.record((System.nanoTime() - scheduled) / 1000, e == null ? 201 : -1);
                done.countDown();
            });
        }
        done.await(120, TimeUnit.SECONDS);
        end(phase);
        return phase;
    }

    static final List<String> GATEWAY_TIMERS = List.of("gateway_webhooks_seconds", "gateway_elasticsearch_bulk_seconds",
            "gateway_elasticsearch_bulk_took_seconds", "gateway_elasticsearch_mget_seconds");

    /**
     * The gateway's own histograms ({@code /actuator/prometheus}): for each timer of {@link #GATEWAY_TIMERS}, its
     * buckets summed over all tags, as (upper bound in ms, cumulative count) pairs.
     */
    Map<String, double[]> scrapeGateway() throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, java.util.TreeMap<Double, Double>> buckets = new LinkedHashMap<>();
        Map<String, Double> totals = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            for (String name : GATEWAY_TIMERS) {
                if (line.startsWith(name + "_bucket{")) {
                    int le = line.indexOf("le=\"");
                    String bound = line.substring(le + 4, line.indexOf('"', le + 4));
                    double ms = "+Inf".equals(bound) ? Double.POSITIVE_INFINITY : Double.parseDouble(bound) * 1000;
                    double count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    buckets.computeIfAbsent(name, k -> new java.util.TreeMap<>()).merge(ms, count, Double::sum);
                } else if (line.startsWith(name + "_sum{") || line.startsWith(name + "_count{")) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    boolean sum = line.startsWith(name + "_sum{");
                    totals.merge(name + (sum ? "#sum" : "#count"), sum ? value * 1000 : value, Double::sum);
                }
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        totals.forEach((k, v) -> out.put(k, new double[] {v}));
        buckets.forEach((name, b) -> {
            double[] v = new double[b.size() * 2];
            int i = 0;
            for (Map.Entry<Double, Double> e : b.entrySet()) {
                v[i++] = e.getKey();
                v[i++] = e.getValue();
            }
            out.put(name, v);
        });
        return out;
    }

    /** The store's meters in this JVM (phase a'), with buckets fine enough for percentiles. */
    static io.micrometer.core.instrument.simple.SimpleMeterRegistry meters;

    /** Cumulative bucket counts (bucket upper bound ms, count) of the store's _bulk timers in this JVM. */
    static Map<String, double[]> bulkHistograms() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String name : List.of("gateway.elasticsearch.bulk", "gateway.elasticsearch.bulk.took")) {
            io.micrometer.core.instrument.Timer t = meters.find(name).timer();
            if (t == null) {
                continue;
            }
            out.put(name + "#sum", new double[] {t.totalTime(TimeUnit.MILLISECONDS)});
            out.put(name + "#count", new double[] {t.count()});
            io.micrometer.core.instrument.distribution.CountAtBucket[] b = t.takeSnapshot().histogramCounts();
            double[] v = new double[b.length * 2];
            for (int i = 0; i < b.length; i++) {
                v[2 * i] = b[i].bucket(TimeUnit.MILLISECONDS);
                v[2 * i + 1] = b[i].count();
            }
            out.put(name, v);
        }
        return out;
    }

    /**
     * Count, mean and p50/p90/p99 (upper bucket bounds, ms) of each timer between two snapshots, from
     * {@link #bulkHistograms()} (this JVM) or {@link #scrapeGateway()} (the gateway).
     */
    static Map<String, Object> timerSummary(Map<String, double[]> before, Map<String, double[]> after) {
        Map<String, Object> out = new LinkedHashMap<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        after.keySet().forEach(k -> names.add(k.replaceFirst("#.*", "")));
        for (String name : names) {
            double count = delta(before, after, name + "#count");
            if (count <= 0) {
                continue;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("count", (long) count);
            p.put("mean_ms", round2(delta(before, after, name + "#sum") / count));
            double[] a = after.get(name);
            if (a != null && a.length > 0) {   // percentiles from the histogram's buckets (upper bounds)
                double[] b = before.getOrDefault(name, new double[0]);
                int n = a.length / 2;
                double total = a[2 * n - 1] - (b.length == a.length ? b[2 * n - 1] : 0);
                for (double q : new double[] {0.5, 0.9, 0.99}) {
                    for (int i = 0; i < n; i++) {
                        double c = a[2 * i + 1] - (b.length == a.length ? b[2 * i + 1] : 0);
                        if (c >= q * total) {
                            p.put("p" + Math.round(q * 100) + "_ms_at_most", round2(a[2 * i]));
                            break;
                        }
                    }
                }
            }
            out.put(name, p);
        }
        return out;
    }

    static double delta(Map<String, double[]> before, Map<String, double[]> after, String key) {
        double[] a = after.get(key);
        double[] b = before.get(key);
        return (a == null ? 0 : a[0]) - (b == null ? 0 : b[0]);
    }

    List<byte[]> wireAll(List<Webhook> webhooks) {
        List<byte[]> out = new ArrayList<>(webhooks.size());
        for (Webhook w : webhooks) {
            out.add(wire(w));
        }
        return out;
    }

    // ------------------------------------------------------------------ provider stand-ins

    /** Requests the provider stand-ins received (name lookups), counted without WireMock's request journal. */
    static final AtomicLong PEER_CALLS = new AtomicLong();

    static WireMockServer startPeers() {
        WireMockServer server = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                .globalTemplating(true).containerThreads(16).disableRequestJournal());
        server.addMockServiceRequestListener((request, response) -> PEER_CALLS.incrementAndGet());
        server.start();
        // the enrichment endpoints, answering as the providers' docs show: the same stubs as the integration tests
        io.wagateway.support.ProviderApiStubs.stubNameLookups(server);
        return server;
    }

    // ------------------------------------------------------------------ heap

    /** Samples the gateway's heap once a second with {@code jstat -gc}: used and committed, and old gen after GCs. */
    static final class HeapSampler extends Thread {
        private final long pid;
        private volatile boolean running = true;
        private final AtomicLongArray peaks = new AtomicLongArray(2);
        private final List<long[]> soak = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile long soakStart = -1;
        private Process jstat;

        HeapSampler(long pid) {
            super("heap-sampler");
            this.pid = pid;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                String jstatPath = Path.of(System.getProperty("java.home"), "bin", "jstat").toString();
                jstat = new ProcessBuilder(jstatPath, "-gc", String.valueOf(pid), "1000").redirectErrorStream(true).start();
                BufferedReader r = new BufferedReader(new InputStreamReader(jstat.getInputStream()));
                String[] head = null;
                for (String line; running && (line = r.readLine()) != null; ) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 0 && f[0].equals("S0C")) {
                        head = f;
                        continue;
                    }
                    if (head == null || f.length != head.length) {
                        continue;
                    }
                    Map<String, Double> v = new HashMap<>();
                    for (int i = 0; i < f.length; i++) {
                        try {
                            v.put(head[i], Double.parseDouble(f[i]));
                        } catch (NumberFormatException ignored) {
                            // '-' columns
                        }
                    }
                    long used = (long) (v.getOrDefault("S0U", 0d) + v.getOrDefault("S1U", 0d) + v.getOrDefault("EU", 0d)
                            + v.getOrDefault("OU", 0d));
                    long committed = (long) (v.getOrDefault("S0C", 0d) + v.getOrDefault("S1C", 0d)
                            + v.getOrDefault("EC", 0d) + v.getOrDefault("OC", 0d));
                    peaks.accumulateAndGet(0, used, Math::max);
                    peaks.accumulateAndGet(1, committed, Math::max);
                    if (soakStart >= 0) {
                        soak.add(new long[] {System.currentTimeMillis() - soakStart, v.getOrDefault("OU", 0d).longValue()});
                    }
                }
            } catch (IOException e) {
                System.out.println("jstat failed: " + e);
            }
        }

        void markSoak() {
            soakStart = System.currentTimeMillis();
        }

        /** Old generation (MB) at the start, middle and end of the soak: the minimum of each minute's samples. */
        Map<String, Object> soakTrend() {
            Map<Long, Long> perMinute = new java.util.TreeMap<>();
            synchronized (soak) {
                for (long[] s : soak) {
                    perMinute.merge(s[0] / 60000, s[1], Math::min);
                }
            }
            Map<String, Object> trend = new LinkedHashMap<>();
            perMinute.forEach((minute, kb) -> trend.put("minute_" + minute, kb / 1024));
            return trend;
        }

        long peakUsedMb() {
            return peaks.get(0) / 1024;
        }

        long peakCommittedMb() {
            return peaks.get(1) / 1024;
        }

        void stopSampling() {
            running = false;
            if (jstat != null) {
                jstat.destroy();
            }
        }
    }

    /**
     * The settings of one variant of a comparison ({@code name:KEY=v,KEY=v}).
     *
     * @param entry the variant, name first
     * @return its settings, in order (uppercase keys go to the gateway's environment)
     */
    static Map<String, String> variantEnvironment(String entry) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : entry.substring(entry.indexOf(':') + 1).split(",")) {
            if (kv.contains("=")) {
                env.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return env;
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
