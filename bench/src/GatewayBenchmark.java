import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
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
        Path project = Path.of(opt.getOrDefault("project", ".")).toAbsolutePath().normalize();
        Path work = project.resolve("target/bench");
        Files.createDirectories(work);
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
        machine();

        // --- Elasticsearch and the provider stand-ins
        // --es-url: an Elasticsearch elsewhere (its own cores, as in production); else a local one on this machine
        String esUrl = opt.containsKey("es-url") ? opt.get("es-url") : LocalElasticsearch.ensureRunning(new LocalElasticsearch.Settings(
                project.resolve(".local/elasticsearch"), work.resolve("es-data"), work.resolve("es-logs"), esPort,
                opt.getOrDefault("es-heap", "512m"), "elasticsearch", true, Duration.ofSeconds(120)));
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

        // --- (a) Elasticsearch's limit for the same documents
        List<Webhook> webhooks = generate(messages);
        List<CanonicalMessage> docs = new ArrayList<>();
        for (Webhook w : webhooks) {
            docs.add(w.document());
        }
        ObjectMapper docMapper = store.objectMapper();
        store.ensureIndex("bench-bulk", "elasticsearch/messages-mapping.json");
        long[] cpuBeforeBulk = cpuNow();
        double bulkLimit = bulkLimit(es, docMapper, docs, intOpt("es-bulk-size", 1000), intOpt("es-bulk-concurrency", 4));
        report.put("es_bulk_cpu_ms_per_doc", round2((double) (cpuNow()[1] - cpuBeforeBulk[1]) / docs.size()));
        store.ensureIndex("bench-single", "elasticsearch/messages-mapping.json");
        int singles = Math.min(docs.size(), intOpt("single-docs", 10000));
        double singleRate = singleLimit(es, docs.subList(0, singles), 64);
        report.put("es_bulk_limit_docs_per_s", Math.round(bulkLimit));
        report.put("es_one_request_per_message_docs_per_s", Math.round(singleRate));
        report.put("es_bulk_vs_single", round1(bulkLimit / singleRate));
        es.indices().delete(d -> d.index("bench-bulk-000001", "bench-single-000001"));

        // --- the gateway
        startGateway(project, work, esUrl, peers.baseUrl());
        heap = new HeapSampler(gateway.pid());
        heap.start();
        // the JIT needs a long time to settle on 2 cores: after 60,000 webhooks the gateway's C2 compiler thread still
        // took 0.3-0.4 cores in (b) (busiest_threads_cores), after 150,000 about 0.2
        warmUp(intOpt("warmup", 150000), 64);
        long apiCallsBefore = PEER_CALLS.get();

        // --- (b) maximum rate
        Map<String, double[]> gatewayBefore = scrapeGateway();
        Phase max = closedLoop(webhooks, concurrency);
        Map<String, double[]> gatewayAfter = scrapeGateway();
        report.put("max_rate", max.summary());
        report.put("max_rate_gateway_side_ms", timerSummary(gatewayBefore, gatewayAfter));
        report.put("gateway_vs_es_bulk_limit", round1(100.0 * max.throughput() / bulkLimit) + " %");
        report.put("gateway_vs_one_request_per_message", round1(max.throughput() / singleRate) + " x");

        // --- (c) fixed rate
        if (rateSeconds > 0) {
            gatewayBefore = scrapeGateway();
            Phase fixed = openLoop(rate, rateSeconds);
            gatewayAfter = scrapeGateway();
            report.put("fixed_rate", fixed.summary());
            // where the acknowledgement time goes, as the gateway measured it: the whole webhook, the _bulk round
            // trip and Elasticsearch's own part of it (took), the batched _mget
            report.put("fixed_rate_gateway_side_ms", timerSummary(gatewayBefore, gatewayAfter));
            // (a') the floor under that latency: the gateway's own group commit (ElasticsearchStore with the
            // gateway's bulk defaults) at the same rate, with no HTTP and no Camel in front; run here, once
            // Elasticsearch is as warm as it was for (c), while the gateway idles
            int storeSeconds = intOpt("store-seconds", 30);
            if (storeSeconds > 0) {
                Map<String, double[]> storeBefore = bulkHistograms();
                Phase alone = storeAlone(store, rate, storeSeconds);
                report.put("group_commit_alone_at_fixed_rate", alone.summary());
                report.put("group_commit_alone_bulk_ms", timerSummary(storeBefore, bulkHistograms()));
            }
        }
        if (soakSeconds > 0) {
            report.put("heap_after_full_gc_before_soak_mb", heapAfterFullGc(work, "histogram-before-soak.txt"));
            heap.markSoak();
            Phase soak = openLoop(rate, soakSeconds);
            report.put("soak", soak.summary());
            report.put("soak_old_gen_min_per_minute_mb", heap.soakTrend());
            // G1 reclaims the old generation late (after a concurrent mark), so a rising old gen is not yet a leak:
            // what a full GC leaves is. The histogram (which forces one) says what is left.
            report.put("heap_after_full_gc_after_soak_mb", heapAfterFullGc(work, "histogram-after-soak.txt"));
        }
        long apiCalls = PEER_CALLS.get();
        // the gateway's own view (acknowledgement and _bulk histograms), kept for reading beside the client's figures
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        Files.writeString(work.resolve("prometheus.txt"), metrics.body());
        report.put("provider_api_calls", Map.of("warm_up", apiCallsBefore, "measured_phases", apiCalls - apiCallsBefore));

        // --- exactly once: every acknowledged message is stored once
        es.indices().refresh(r -> r.index("whatsapp-messages"));
        long stored = es.count(c -> c.index("whatsapp-messages")).count();
        long expected = sequence.get();
        report.put("messages_sent_unique", expected);
        report.put("messages_stored", stored);
        report.put("peak_heap_used_mb", heap.peakUsedMb());
        report.put("peak_heap_committed_mb", heap.peakCommittedMb());
        heap.stopSampling();
        writeResult(work);
        peers.stop();
        store.stop();
        if (stored != expected) {
            System.out.println("MISMATCH: stored " + stored + " != sent " + expected);
        }
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
        // Elasticsearch warms up first (its JIT, the first merges): else the first entry pays for it. The same
        // documents as (a), into an index of their own, deleted afterwards.
        List<CanonicalMessage> docs = new ArrayList<>();
        for (Webhook w : generate(messages)) {
            docs.add(w.document());
        }
        sequence.addAndGet(-messages);   // not sent to the gateway: not counted in the exactly-once check
        store.ensureIndex("bench-bulk", "elasticsearch/messages-mapping.json");
        report.put("es_bulk_limit_docs_per_s", Math.round(bulkLimit(es, store.objectMapper(), docs, 1000, 4)));
        es.indices().delete(d -> d.index("bench-bulk-000001"));
        Map<String, Object> entries = new LinkedHashMap<>();
        List<Map<String, Object>> table = new ArrayList<>();
        int warmup = intOpt("warmup", 60000);
        report.put("http_entries_warmup", warmup);
        report.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        for (String entry : spec.split(";")) {
            String name = entry.substring(0, entry.indexOf(':')).trim();
            Map<String, String> env = new LinkedHashMap<>();
            for (String kv : entry.substring(entry.indexOf(':') + 1).split(",")) {
                if (kv.contains("=")) {
                    env.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
                }
            }
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
                    fixed = openLoop(rate, rateSeconds);
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
        phase.cpuAtStart = cpuNow();
        phase.threadsAtStart = threadCpuMs();
        phase.startNanos = System.nanoTime();
    }

    /** Stops what {@link #begin} started. */
    void end(Phase phase) {
        phase.endNanos = System.nanoTime();
        phase.cpuAtEnd = cpuNow();
        phase.threadsAtEnd = threadCpuMs();
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
        String provider = PROVIDERS[(int) (seq % 4)];
        int chat = (int) ((seq / 4) % 25) + 25 * (int) (seq % 4);
        String chatNumber = "1555020" + String.format("%04d", chat);
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

    double bulkLimit(ElasticsearchClient es, ObjectMapper mapper, List<CanonicalMessage> docs, int size, int parallel)
            throws Exception {
        List<List<CanonicalMessage>> batches = new ArrayList<>();
        for (int i = 0; i < docs.size(); i += size) {
            batches.add(docs.subList(i, Math.min(docs.size(), i + size)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        CountDownLatch done = new CountDownLatch(parallel);
        for (int t = 0; t < parallel; t++) {
            pool.execute(() -> {
                try {
                    for (int b; (b = next.getAndIncrement()) < batches.size(); ) {
                        List<BulkOperation> ops = new ArrayList<>();
                        for (CanonicalMessage m : batches.get(b)) {
                            ops.add(BulkOperation.of(o -> o.create(c -> c.index("bench-bulk").id(m.documentId()).document(m))));
                        }
                        BulkResponse r = es.bulk(x -> x.operations(ops));
                        if (r.errors()) {
                            errors.addAndGet(r.items().stream().filter(i -> i.error() != null).count());
                        }
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
        System.out.printf("(a) _bulk: %d documents in %.1f s, %d item errors%n", docs.size(), seconds, errors.get());
        return docs.size() / seconds;
    }

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
        Path jar;
        try (var files = Files.list(project.resolve("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("whatsapp-gateway-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no jar in target/: run ./mvnw package first"));
        }
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
        env.put("GATEWAY_ROUTES", "file:" + project.resolve("routes") + "/*.camel.yaml");
        env.put("DEAD_LETTER_JOURNAL_DIR", work.resolve("dead-letters").toString());
        env.put("WHATSAPP_APP_SECRET", SECRET);
        env.put("WHATSAPP_VERIFY_TOKEN", "bench");
        env.put("WAHA_WEBHOOK_HMAC_KEY", SECRET);
        env.put("PERISKOPE_SIGNING_SECRET", SECRET);
        env.put("UNIPILE_WEBHOOK_SECRET", SECRET);
        env.put("WAHA_BASE_URL", peers);
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
    Phase openLoop(int rate, int seconds) throws Exception {
        int total = rate * seconds;
        Phase phase = new Phase("open loop, " + rate + " req/s for " + seconds + " s", total);
        CountDownLatch done = new CountDownLatch(total);
        int chunk = Math.max(1, rate * 5);
        ExecutorService signer = Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<List<byte[]>> ahead = signer.submit(() -> wireAll(generate(Math.min(total, chunk))));
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
                    ahead = signer.submit(() -> wireAll(generate(Math.min(Math.max(0, total - sent), chunk))));
                }
                long scheduled = phase.startNanos + (long) (i * (1e9 / rate));
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                load.submit(current.get(index++), scheduled, onDone);
            }
            if (!done.await(120, TimeUnit.SECONDS)) {
                System.out.println("open loop: " + done.getCount() + " requests unanswered after 120 s");
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

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
