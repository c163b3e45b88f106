import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.wagateway.store.LocalElasticsearch;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The HTTP-entry check of issue 15 (items 8, 9, 13), run on demand by {@code bench/run.sh --check http-entry}: not a
 * test (timings depend on the machine), a measurement whose figures go in the note. Starts Elasticsearch, WireMock
 * and the packaged gateway with {@code -Xmx512m -XX:+ExitOnOutOfMemoryError} (as {@link GatewayBenchmark} does), then:
 * <ol>
 *   <li><b>unsigned</b>: 250 concurrent unsigned 3 MB bodies with their last byte withheld;</li>
 *   <li><b>malformed</b>: 40 concurrent correctly signed, malformed 2.9 MB WAHA bodies (a 503 is retried, as WAHA
 *       does);</li>
 *   <li><b>slow</b>: 200 connections trickling one body byte every 5 s (re-opened when cut off) for
 *       {@code --slow-seconds}, while signed webhooks are sent at 20/s: their latency and status;</li>
 *   <li><b>restart</b>: the gateway is stopped and started again while {@code --storm-clients} clients retry their
 *       webhooks at once on any non-200 answer (a retry storm): time to the first 200 and the answers seen before.</li>
 * </ol>
 * After each phase, signed webhooks must all be answered 200 and stored. The gateway's heap is sampled with
 * {@code jstat -gc} every 250 ms (peak used per phase); the gateway must still be alive (an OutOfMemoryError would
 * have ended it). Prints the figures and writes {@code target/bench/http-entry.json}.
 */
public final class HttpEntryCheck {

    static final ObjectMapper JSON = new ObjectMapper();
    final GatewayBenchmark bench = new GatewayBenchmark();
    final Map<String, Object> report = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newFixedThreadPool(8)).build();
    final AtomicLong sequence = new AtomicLong();
    final String runId = Long.toString(System.currentTimeMillis(), 36).toUpperCase();
    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    ObjectNode template;
    String esUrl;
    Heap heap;

    public static void main(String[] args) throws Exception {
        HttpEntryCheck check = new HttpEntryCheck();
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
        opt.putIfAbsent("gateway-jvm-opts", "-XX:+ExitOnOutOfMemoryError");
        bench.gatewayPort = Integer.parseInt(opt.getOrDefault("gateway-port", "18080"));
        template = (ObjectNode) JSON.readTree(project.resolve(
                "src/test/resources/fixtures/webhooks/waha/message_inbound_text.json").toFile());
        esUrl = opt.containsKey("es-url") ? opt.get("es-url") : LocalElasticsearch.ensureRunning(
                new LocalElasticsearch.Settings(project.resolve(".local/elasticsearch"), work.resolve("es-data"),
                        work.resolve("es-logs"), Integer.parseInt(opt.getOrDefault("es-port", "9299")), "512m",
                        "elasticsearch", true, Duration.ofSeconds(120)));
        WireMockServer peers = GatewayBenchmark.startPeers();
        try {
            bench.startGateway(project, work, esUrl, peers.baseUrl());
            heap = new Heap(bench.gateway.pid());
            heap.start();
            report.put("gateway_jvm", "-Xmx" + opt.getOrDefault("gateway-heap", "512m") + " " + opt.get("gateway-jvm-opts"));
            afterwards("baseline", 20);

            unsigned(Integer.parseInt(opt.getOrDefault("unsigned-clients", "250")), 3_000_000);
            afterwards("after_unsigned", 50);
            malformed(Integer.parseInt(opt.getOrDefault("malformed-clients", "40")), 2_900_000);
            afterwards("after_malformed", 50);
            slow(Integer.parseInt(opt.getOrDefault("slow-clients", "200")),
                    Integer.parseInt(opt.getOrDefault("slow-seconds", "30")));
            afterwards("after_slow", 50);
            restart(project, work, peers.baseUrl(), Integer.parseInt(opt.getOrDefault("storm-clients", "32")));
            afterwards("after_restart", 50);
            report.put("acknowledged_total", acknowledged.size());
            report.put("acknowledged_and_stored", stored(acknowledged));
        } finally {
            if (heap != null) {
                heap.stopSampling();
            }
            peers.stop();
            String json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            Files.writeString(work.resolve("http-entry.json"), json);
            System.out.println(json);
        }
        if (!report.get("acknowledged_and_stored").equals(acknowledged.size())) {
            throw new AssertionError("acknowledged webhooks missing from Elasticsearch");
        }
    }

    // ------------------------------------------------------------------ phases

    /** Unsigned bodies of {@code size} bytes, last byte withheld, all at once; each waits up to 30 s for an answer. */
    void unsigned(int clients, int size) throws Exception {
        System.out.printf("unsigned: %d x %d bytes, last byte withheld%n", clients, size);
        byte[] zeros = new byte[64 * 1024];
        Arrays.fill(zeros, (byte) ' ');
        Map<String, AtomicInteger> answers = new TreeMap<>();
        heap.reset();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            results.add(pool.submit(() -> {
                try (Socket s = new Socket("127.0.0.1", bench.gatewayPort)) {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /webhooks/waha HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    try {
                        for (int sent = 0; sent < size - 1; ) {
                            int n = Math.min(zeros.length, size - 1 - sent);
                            out.write(zeros, 0, n);
                            sent += n;
                        }
                        out.flush();
                    } catch (IOException refusedWhileSending) {
                        // answered and closed before the body was sent: read the answer below
                    }
                    return statusLine(s, 30_000);
                } catch (IOException e) {
                    return "io: " + e.getClass().getSimpleName();
                }
            }));
        }
        for (Future<String> f : results) {
            answers.computeIfAbsent(f.get(), k -> new AtomicInteger()).incrementAndGet();
        }
        pool.shutdown();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("clients", clients);
        phase.put("body_bytes", size);
        phase.put("answers", answers);
        phase.put("seconds", round1((System.nanoTime() - t0) / 1e9));
        phase.put("peak_heap_used_mb", heap.peakMb());
        phase.put("gateway_alive", bench.gateway.isAlive());
        report.put("unsigned_3mb_bodies", phase);
        System.out.println("  " + phase);
    }

    /** Signed, malformed WAHA bodies of about {@code size} bytes, all at once; a 503 is retried after Retry-After. */
    void malformed(int clients, int size) throws Exception {
        System.out.printf("malformed: %d x %d signed bytes%n", clients, size);
        heap.reset();
        long t0 = System.nanoTime();
        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> finals = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                StringBuilder b = new StringBuilder(size + 100).append("{\"event\":\"message\",\"session\":\"default\",")
                        .append("\"timestamp\":").append(System.currentTimeMillis())
                        .append(",\"payload\":{\"id\":\"MALFORMED").append(runId).append(n).append("\",\"body\":\"");
                while (b.length() < size) {
                    b.append("malformed ");
                }
                byte[] body = b.append("\" broken").toString().getBytes(StandardCharsets.UTF_8);
                for (int attempt = 0; attempt < 60; attempt++) {
                    int status;
                    try {
                        status = post(body, 60).statusCode();
                    } catch (IOException e) {
                        status = -1;   // no answer: the connection failed (or the gateway is gone)
                    }
                    if (!bench.gateway.isAlive()) {
                        finals.computeIfAbsent(-2, k -> new AtomicInteger()).incrementAndGet();   // gateway gone
                        return null;
                    }
                    answers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    if (status != 503 && status != -1) {   // a provider retries a 503 and a failed connection
                        finals.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                        return null;
                    }
                    LockSupport.parkNanos(1_000_000_000L);   // Retry-After: 1
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("clients", clients);
        phase.put("body_bytes", size);
        phase.put("answers_including_retries", new TreeMap<>(answers));
        phase.put("final_answers", new TreeMap<>(finals));
        phase.put("seconds", round1((System.nanoTime() - t0) / 1e9));
        phase.put("peak_heap_used_mb", heap.peakMb());
        phase.put("gateway_alive", bench.gateway.isAlive());
        report.put("signed_malformed_2_9mb_bodies", phase);
        System.out.println("  " + phase);
        if (!bench.gateway.isAlive()) {
            throw new AssertionError("the gateway exited (OutOfMemoryError?): see target/bench/gateway.log");
        }
    }

    /** {@code clients} trickling connections (re-opened when cut off) while webhooks are sent at 20/s. */
    void slow(int clients, int seconds) throws Exception {
        System.out.printf("slow: %d connections trickling 1 byte / 5 s for %d s, webhooks at 20/s%n", clients, seconds);
        heap.reset();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger cut = new AtomicInteger();
        AtomicInteger opened = new AtomicInteger();
        Map<String, AtomicInteger> trickleAnswers = new ConcurrentHashMap<>();
        ExecutorService trickles = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            trickles.submit(() -> {
                while (!stop.get()) {
                    try (Socket s = new Socket("127.0.0.1", bench.gatewayPort)) {
                        opened.incrementAndGet();
                        s.getOutputStream().write(("POST /webhooks/waha HTTP/1.1\r\nHost: x\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        String answer = null;
                        while (!stop.get() && answer == null) {
                            s.getOutputStream().write('{');
                            s.getOutputStream().flush();
                            answer = statusLineOrNull(s, 5000);   // one byte every 5 s, or the server's answer
                        }
                        if (answer != null) {
                            cut.incrementAndGet();
                            trickleAnswers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
                        }
                    } catch (IOException e) {
                        trickleAnswers.computeIfAbsent("io: " + e.getClass().getSimpleName(),
                                k -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            });
        }
        // let every trickle connect before measuring
        long warm = System.nanoTime();
        while (opened.get() < clients && System.nanoTime() - warm < 10_000_000_000L) {
            LockSupport.parkNanos(50_000_000);
        }
        List<Long> latencies = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        ScheduledExecutorService sender = Executors.newScheduledThreadPool(4);
        long t0 = System.nanoTime();
        sender.scheduleAtFixedRate(() -> {
            String id = id();
            byte[] body = waha(id);
            long start = System.nanoTime();
            try {
                HttpResponse<String> r = post(body, 30);
                latencies.add((System.nanoTime() - start) / 1_000_000);
                statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                if (r.statusCode() == 200) {
                    acknowledged.add(id);
                }
            } catch (Exception e) {
                statuses.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
        while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
            LockSupport.parkNanos(200_000_000);
        }
        sender.shutdown();
        sender.awaitTermination(60, TimeUnit.SECONDS);
        stop.set(true);
        trickles.shutdown();
        trickles.awaitTermination(30, TimeUnit.SECONDS);
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("slow_connections", clients);
        phase.put("seconds", seconds);
        phase.put("trickle_connections_opened", opened.get());
        phase.put("trickles_answered", new TreeMap<>(trickleAnswers));
        phase.put("webhooks_sent", sorted.length);
        phase.put("webhook_statuses", new TreeMap<>(statuses));
        phase.put("webhook_ms_p50", sorted.length == 0 ? -1 : sorted[sorted.length / 2]);
        phase.put("webhook_ms_p99", sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)]);
        phase.put("webhook_ms_max", sorted.length == 0 ? -1 : sorted[sorted.length - 1]);
        phase.put("peak_heap_used_mb", heap.peakMb());
        phase.put("gateway_alive", bench.gateway.isAlive());
        report.put("slow_bodies", phase);
        System.out.println("  " + phase);
    }

    /** Stops the gateway and starts it again while {@code clients} clients retry their webhooks at once. */
    void restart(Path project, Path work, String peers, int clients) throws Exception {
        System.out.printf("restart: stop, then start under a retry storm of %d clients%n", clients);
        heap.stopSampling();
        bench.gateway.destroy();
        bench.gateway.waitFor(60, TimeUnit.SECONDS);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        AtomicLong firstOk = new AtomicLong();
        AtomicLong firstAnswer = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        long[] startedAt = {Long.MAX_VALUE};
        ExecutorService storm = Executors.newFixedThreadPool(clients);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).executor(Executors.newFixedThreadPool(4)).build();
        for (int i = 0; i < clients; i++) {
            storm.submit(() -> {
                String id = id();
                byte[] body = waha(id);
                while (!stop.get()) {
                    try {
                        HttpResponse<String> r = client.send(request(body, 30), HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                        firstAnswer.compareAndSet(0, System.nanoTime());
                        if (r.statusCode() == 200) {
                            firstOk.compareAndSet(0, System.nanoTime());
                            acknowledged.add(id);
                            id = id();
                            body = waha(id);
                        }
                    } catch (ConnectException notListening) {
                        refused.incrementAndGet();
                        LockSupport.parkNanos(20_000_000);   // retry a refused connection after 20 ms
                    } catch (IOException e) {
                        refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        return null;
                    }
                }
                return null;
            });
        }
        startedAt[0] = System.nanoTime();
        bench.startGateway(project, work, esUrl, peers);   // returns once /actuator/health is 200
        double healthUp = (System.nanoTime() - startedAt[0]) / 1e9;
        while (firstOk.get() == 0 && System.nanoTime() - startedAt[0] < 180_000_000_000L) {
            LockSupport.parkNanos(50_000_000);
        }
        long okSince = System.nanoTime();
        while (System.nanoTime() - okSince < 5_000_000_000L) {   // 5 s of service after the first 200
            LockSupport.parkNanos(100_000_000);
        }
        stop.set(true);
        storm.shutdown();
        storm.awaitTermination(60, TimeUnit.SECONDS);
        heap = new Heap(bench.gateway.pid());
        heap.start();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("storm_clients", clients);
        phase.put("seconds_process_start_to_health_200", round1(healthUp));
        phase.put("seconds_process_start_to_first_webhook_200",
                firstOk.get() == 0 ? -1 : round1((firstOk.get() - startedAt[0]) / 1e9));
        phase.put("seconds_first_http_answer_to_first_webhook_200", firstOk.get() == 0 || firstAnswer.get() == 0 ? -1
                : round1((firstOk.get() - firstAnswer.get()) / 1e9));
        phase.put("answers", new TreeMap<>(statuses));
        phase.put("refused_connections_before_the_port_opened", refused.get());
        report.put("restart_under_retry_storm", phase);
        System.out.println("  " + phase);
    }

    /** Sends {@code n} signed webhooks one after another; all must be 200 and stored. */
    void afterwards(String name, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        Map<Integer, AtomicInteger> statuses = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String id = id();
            HttpResponse<String> r = post(waha(id), 30);
            statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            if (r.statusCode() == 200) {
                ids.add(id);
                acknowledged.add(id);
            }
        }
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("sent", n);
        phase.put("statuses", statuses);
        phase.put("stored", stored(ids));
        report.put("webhooks_" + name, phase);
        System.out.println(name + ": " + phase);
        if (ids.size() != n || !phase.get("stored").equals(n)) {
            throw new AssertionError(name + ": not every webhook was stored: " + phase);
        }
    }

    // ------------------------------------------------------------------ helpers

    String id() {
        return "HTTPCHECK" + runId + "X" + sequence.incrementAndGet();
    }

    byte[] waha(String id) {
        ObjectNode body = template.deepCopy();
        body.put("id", "evt_" + id);
        body.put("timestamp", System.currentTimeMillis());
        ((ObjectNode) body.get("payload")).put("id", "false_15550100001@c.us_" + id);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpRequest request(byte[] body, int timeoutSeconds) {
        try {
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bench.gatewayPort + "/webhooks/waha"))
                    .timeout(Duration.ofSeconds(timeoutSeconds)).header("Content-Type", "application/json")
                    .header("X-Webhook-Hmac", GatewayBenchmark.hmac("HmacSHA512", body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> post(byte[] body, int timeoutSeconds) throws IOException, InterruptedException {
        return http.send(request(body, timeoutSeconds), HttpResponse.BodyHandlers.ofString());
    }

    /** @return how many of the WAHA message ids are in whatsapp-messages */
    int stored(List<String> ids) throws Exception {
        if (ids.isEmpty()) {
            return 0;
        }
        http.send(HttpRequest.newBuilder(URI.create(esUrl + "/whatsapp-messages/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        int count = 0;
        for (int from = 0; from < ids.size(); from += 1000) {
            List<String> docIds = ids.subList(from, Math.min(ids.size(), from + 1000)).stream()
                    .map(id -> "waha:default:false_15550100001@c.us_" + id).toList();
            String query = JSON.writeValueAsString(Map.of("query", Map.of("ids", Map.of("values", docIds))));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(esUrl + "/whatsapp-messages/_count"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(query)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode answer = JSON.readTree(r.body());
            count += answer.path("count").asInt();
        }
        return count;
    }

    /** @return the status code of the answer ("503", "408", ...), "closed", or "no answer" after {@code timeoutMs} */
    static String statusLine(Socket s, int timeoutMs) {
        try {
            String line = statusLineOrNull(s, timeoutMs);
            return line == null ? "no answer" : line;
        } catch (IOException e) {
            return "io: " + e.getClass().getSimpleName();
        }
    }

    static String statusLineOrNull(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
                line.write(b);
            }
        } catch (SocketTimeoutException quiet) {
            if (line.size() == 0) {
                return null;
            }
        }
        String text = line.toString(StandardCharsets.US_ASCII).trim();
        return text.isEmpty() ? "closed" : text.replaceFirst("^HTTP/1\\.1 (\\d+).*", "$1");
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** jstat -gc every 250 ms: the peak heap used (survivors + eden + old) since the last reset, in MB. */
    static final class Heap extends Thread {
        private final long pid;
        private final AtomicLong peakKb = new AtomicLong();
        private volatile boolean running = true;
        private Process jstat;

        Heap(long pid) {
            super("heap-sampler");
            this.pid = pid;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                jstat = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                        String.valueOf(pid), "250").redirectErrorStream(true).start();
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
                    double used = 0;
                    for (int i = 0; i < f.length; i++) {
                        if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
                            used += Double.parseDouble(f[i]);
                        }
                    }
                    peakKb.accumulateAndGet((long) used, Math::max);
                }
            } catch (IOException | NumberFormatException e) {
                System.out.println("jstat failed: " + e);
            }
        }

        void reset() {
            peakKb.set(0);
        }

        long peakMb() {
            return peakKb.get() / 1024;
        }

        void stopSampling() {
            running = false;
            if (jstat != null) {
                jstat.destroy();
            }
        }
    }
}
