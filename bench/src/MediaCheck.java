import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.sun.net.httpserver.HttpServer;
import io.wagateway.store.LocalElasticsearch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 20's media check: acknowledgement latency while media downloads run, and the gateway's peak heap.
 *
 * <pre>bench/run.sh --check media [--media-count 200] [--media-bytes 5000000] [--media-mbps 40]
 *                         [--light-webhooks 1500] [--gateway-heap 1g] [--es-port 9299] [--gateway-port 18080]</pre>
 *
 * Starts Elasticsearch (port 9299, data under target/bench), WireMock for the provider APIs, a media server that
 * streams {@code --media-bytes} pseudo-random bytes per file (different bytes per file, generated on the fly, at
 * {@code --media-mbps} megabytes per second per download, so downloads stay in flight), and the packaged gateway
 * ({@code -Xmx --gateway-heap}, default 1g so that the figure is the heap it needs, not the cap). WAHA's
 * {@code /api/files/...} paths are proxied by WireMock to the media server (the gateway fetches WAHA media from its
 * configured WAHA base URL). Phases:
 * <ol>
 *   <li>baseline: {@code --light-webhooks} WAHA text webhooks, 2 connections, closed loop: ack p50/p99;</li>
 *   <li>burst: {@code --media-count} WAHA document webhooks (all acknowledged), then at once the same light load
 *       while the downloads run: ack p50/p99, and how many downloads finished during it;</li>
 *   <li>drain: until every media message has {@code media.stored} (or 600 s), then checks each stored sha256
 *       against the bytes served.</li>
 * </ol>
 * The gateway's heap is sampled every 250 ms with {@code jstat -gc} (used = survivors + eden + old): peak per phase.
 * The result is printed and written to target/bench/media.json.
 */
public class MediaCheck {

    static final ObjectMapper JSON = new ObjectMapper();
    final GatewayBenchmark bench = new GatewayBenchmark();
    final Map<String, Object> report = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    final String runId = Long.toString(System.currentTimeMillis(), 36).toUpperCase();
    final Map<String, String> expectedSha = new ConcurrentHashMap<>();
    HttpEntryCheck.Heap heap;
    String esUrl;
    byte[] textTemplate;
    byte[] mediaTemplate;
    int mediaBytes;
    double mbps;

    public static void main(String[] args) throws Exception {
        MediaCheck check = new MediaCheck();
        for (int i = 0; i + 1 < args.length; i += 2) {
            check.bench.opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int exit = 0;
        try {
            check.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            exit = 1;
        } finally {
            if (check.bench.gateway != null) {
                check.bench.gateway.destroy();
                check.bench.gateway.waitFor(60, TimeUnit.SECONDS);
            }
        }
        System.exit(exit);
    }

    void run() throws Exception {
        Map<String, String> opt = bench.opt;
        Path project = Path.of(opt.getOrDefault("project", ".")).toAbsolutePath().normalize();
        Path work = project.resolve("target/bench");
        Files.createDirectories(work);
        int count = Integer.parseInt(opt.getOrDefault("media-count", "200"));
        mediaBytes = Integer.parseInt(opt.getOrDefault("media-bytes", "5000000"));
        mbps = Double.parseDouble(opt.getOrDefault("media-mbps", "40"));
        int light = Integer.parseInt(opt.getOrDefault("light-webhooks", "1500"));
        opt.putIfAbsent("gateway-heap", "1g");
        opt.putIfAbsent("gateway-jvm-opts", "-XX:+ExitOnOutOfMemoryError");
        bench.gatewayPort = Integer.parseInt(opt.getOrDefault("gateway-port", "18080"));
        textTemplate = Files.readAllBytes(project.resolve("src/test/resources/fixtures/webhooks/waha/message_inbound_text.json"));
        mediaTemplate = Files.readAllBytes(project.resolve("src/test/resources/fixtures/webhooks/waha/message_media_image.json"));
        Path mediaDir = work.resolve("media-store");
        deleteTree(mediaDir);
        opt.putIfAbsent("MEDIA_DIR", mediaDir.toString());
        esUrl = opt.containsKey("es-url") ? opt.get("es-url") : LocalElasticsearch.ensureRunning(
                new LocalElasticsearch.Settings(project.resolve(".local/elasticsearch"), work.resolve("es-data"),
                        work.resolve("es-logs"), Integer.parseInt(opt.getOrDefault("es-port", "9299")), "512m",
                        "elasticsearch", true, Duration.ofSeconds(120)));
        HttpServer media = mediaServer();
        WireMockServer peers = GatewayBenchmark.startPeers();
        peers.stubFor(WireMock.get(WireMock.urlPathMatching("/api/files/.*")).atPriority(1).willReturn(
                WireMock.aResponse().proxiedFrom("http://127.0.0.1:" + media.getAddress().getPort())));
        try {
            bench.startGateway(project, work, esUrl, peers.baseUrl());
            heap = new HttpEntryCheck.Heap(bench.gateway.pid());
            heap.start();
            report.put("gateway_jvm", "-Xmx" + opt.get("gateway-heap") + " " + opt.get("gateway-jvm-opts"));
            report.put("media", Map.of("files", count, "bytes_each", mediaBytes, "served_mb_per_s_per_download", mbps));
            lightLoad("warmup", 500);
            heap.reset();
            report.put("baseline", lightLoad("baseline", light));

            heap.reset();
            long t0 = System.nanoTime();
            Map<String, Object> burst = new LinkedHashMap<>();
            burst.put("media_webhooks_acknowledged", postMedia(count));
            burst.put("media_webhooks_seconds", HttpEntryCheck.round1((System.nanoTime() - t0) / 1e9));
            int storedBefore = storedCount();
            burst.put("light_load_during_downloads", lightLoad("during downloads", light));
            int storedAfter = storedCount();
            burst.put("downloads_stored_before_light_load", storedBefore);
            burst.put("downloads_stored_after_light_load", storedAfter);
            report.put("burst", burst);

            Map<String, Object> drain = new LinkedHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            int stored;
            while ((stored = storedCount()) < count && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            drain.put("stored", stored);
            drain.put("seconds_from_first_media_webhook", HttpEntryCheck.round1(seconds));
            drain.put("mb_per_s", HttpEntryCheck.round1(stored * (double) mediaBytes / 1e6 / seconds));
            drain.put("sha256_matching", matching());
            drain.put("peak_heap_used_mb_burst_and_drain", heap.peakMb());
            drain.put("gateway_alive", bench.gateway.isAlive());
            drain.put("store_bytes_on_disk", sizeOf(mediaDir));
            report.put("drain", drain);
        } finally {
            if (heap != null) {
                heap.stopSampling();
            }
            peers.stop();
            media.stop(0);
            String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            Files.writeString(work.resolve("media.json"), json);
            System.out.println(json);
        }
    }

    /** Streams {@code mediaBytes} bytes seeded by the request path, paced at {@code mbps} MB/s. */
    HttpServer mediaServer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newFixedThreadPool(64));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            exchange.getResponseHeaders().add("Content-Type", "application/pdf");
            exchange.sendResponseHeaders(200, mediaBytes);
            try (OutputStream out = exchange.getResponseBody()) {
                SplittableRandom random = new SplittableRandom(path.hashCode());
                byte[] chunk = new byte[64 * 1024];
                long start = System.nanoTime();
                for (int sent = 0; sent < mediaBytes; ) {
                    int n = Math.min(chunk.length, mediaBytes - sent);
                    fill(random, chunk, n);
                    out.write(chunk, 0, n);
                    sent += n;
                    long due = start + (long) (sent / (mbps * 1e6) * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return server;
    }

    static void fill(SplittableRandom random, byte[] chunk, int n) {
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                chunk[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    String sha256Of(String path) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(path.hashCode());
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < mediaBytes; ) {
            int n = Math.min(chunk.length, mediaBytes - sent);
            fill(random, chunk, n);
            digest.update(chunk, 0, n);
            sent += n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Posts {@code count} signed WAHA document webhooks, 8 at a time; answers how many got 200. */
    int postMedia(int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger ok = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                String id = "3EB0MEDIA" + runId + String.format("%06d", n);
                String path = "/api/files/default/false_15550100003@c.us_" + id + ".pdf";
                ObjectNode body = (ObjectNode) JSON.readTree(mediaTemplate);
                body.put("timestamp", System.currentTimeMillis());
                ObjectNode payload = (ObjectNode) body.get("payload");
                payload.put("id", "false_15550100003@c.us_" + id);
                payload.put("timestamp", System.currentTimeMillis() / 1000);
                payload.put("body", "Invoice " + n);
                ObjectNode m = (ObjectNode) payload.get("media");
                m.put("url", "http://waha.internal.example:3000" + path);
                m.put("mimetype", "application/pdf");
                m.put("filename", "invoice-" + n + ".pdf");
                expectedSha.put("waha:default:false_15550100003@c.us_" + id, sha256Of(path));
                if (post(body.toString().getBytes(StandardCharsets.UTF_8)) == 200) {
                    ok.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        return ok.get();
    }

    /** {@code n} WAHA text webhooks over 2 connections, closed loop; ack latency percentiles in ms. */
    Map<String, Object> lightLoad(String name, int n) throws Exception {
        long[] latencies = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            done.add(pool.submit(() -> {
                for (int i; !stop.get() && (i = next.getAndIncrement()) < n; ) {
                    String id = "3EB0TEXT" + runId + name.hashCode() + "X" + i;
                    ObjectNode body = (ObjectNode) JSON.readTree(textTemplate);
                    body.put("timestamp", System.currentTimeMillis());
                    ObjectNode payload = (ObjectNode) body.get("payload");
                    payload.put("id", "false_15550100001@c.us_" + id);
                    payload.put("body", "light " + i);
                    long s = System.nanoTime();
                    int status = post(body.toString().getBytes(StandardCharsets.UTF_8));
                    latencies[i] = System.nanoTime() - s;
                    if (status != 200) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("webhooks", n);
        phase.put("non_200", failures.get());
        phase.put("per_s", HttpEntryCheck.round1(n / seconds));
        phase.put("p50_ms", HttpEntryCheck.round1(sorted[n / 2] / 1e6));
        phase.put("p99_ms", HttpEntryCheck.round1(sorted[(int) (n * 0.99)] / 1e6));
        phase.put("max_ms", HttpEntryCheck.round1(sorted[n - 1] / 1e6));
        phase.put("peak_heap_used_mb", heap.peakMb());
        System.out.println(name + ": " + phase);
        return phase;
    }

    int post(byte[] bytes) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bench.gatewayPort + "/webhooks/waha"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).header("Content-Type", "application/json")
                .header("X-Webhook-Hmac", GatewayBenchmark.hmac("HmacSHA512", bytes))
                .header("X-Webhook-Hmac-Algorithm", "sha512");
        for (int attempt = 0; ; attempt++) {
            int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != 503 || attempt == 20) {
                return status;
            }
            Thread.sleep(500);
        }
    }

    int storedCount() throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(esUrl + "/whatsapp-messages/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        String q = "{\"query\":{\"bool\":{\"filter\":[{\"prefix\":{\"message_id\":\"false_15550100003@c.us_3EB0MEDIA"
                + runId + "\"}},{\"exists\":{\"field\":\"media.stored.sha256\"}}]}}}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(esUrl + "/whatsapp-messages/_count"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(q)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("count").asInt();
    }

    /** How many stored media documents carry the sha256 of the bytes served for them. */
    int matching() throws Exception {
        int ok = 0;
        for (Map.Entry<String, String> e : expectedSha.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(esUrl + "/whatsapp-messages/_doc/"
                    + java.net.URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode stored = JSON.readTree(r.body()).path("_source").path("media").path("stored");
            if (e.getValue().equals(stored.path("sha256").asText())) {
                ok++;
            }
        }
        return ok;
    }

    static long sizeOf(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
