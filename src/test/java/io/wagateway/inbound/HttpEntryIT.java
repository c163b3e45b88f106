package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The HTTP entry of the webhooks under attack and at start-up (issue 15 items 8, 9, 11, 12, 13): memory held by
 * unauthenticated bodies is bounded as bytes are read, a trickling body holds no thread and is cut off, secrets are
 * read from headers only, replayed WAHA deliveries are refused, and a starting gateway answers 503, never 404.
 * Small bounds here (1 MB unverified budget, 5 s read deadline, 10 Tomcat threads) make each bound reachable.
 */
@TestPropertySource(properties = {
        "gateway.webhooks.max-unverified-bytes=1048576",
        "gateway.webhooks.read-timeout-ms=5000",
        "server.tomcat.threads.max=10",
        "gateway.webhooks.max-delivery-age-seconds=691200"})
class HttpEntryIT extends GatewayIntegrationTest {

    private static final long DAY_MS = 24L * 3600 * 1000;

    @org.springframework.beans.factory.annotation.Autowired
    private io.micrometer.core.instrument.MeterRegistry meters;

    /** A signed-able WAHA message with its own id, delivered at {@code sentMs}, the message itself at {@code messageSeconds}. */
    private static byte[] wahaMessage(String id, long sentMs, long messageSeconds) throws IOException {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        body.put("id", "evt_" + id);
        body.put("timestamp", sentMs);
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.put("id", "false_15550100001@c.us_" + id);
        payload.put("timestamp", messageSeconds);
        return JSON.writeValueAsBytes(body);
    }

    private static String wahaId(String id) {
        return "waha:default:false_15550100001@c.us_" + id;
    }

    /** Read from this context's own registry: the global composite may hold a closed registry of an earlier context. */
    private double rejected(String provider, String reason) {
        Counter c = meters.find("gateway.webhooks.rejected").tag("provider", provider)
                .tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    // ------------------------------------------------------------------ item 8: bytes bounded before authentication

    @Test
    void unsignedBodiesBeyondTheUnverifiedBudgetGet503AndALaterWebhookIsStored() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            // two unsigned 400 kB bodies with their last byte withheld hold 800 kB of the 1 MB budget
            for (int i = 0; i < 2; i++) {
                Socket s = open();
                sendHeaders(s, "/webhooks/waha", 400_000, false);
                assertThat(status(s, 500)).as("admitted request %d answered early", i).isNull();
                s.getOutputStream().write(new byte[399_999]);
                s.getOutputStream().flush();
                held.add(s);
            }
            // the server reads the held bytes on its own time: only once it has counted them is the budget full
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                io.micrometer.core.instrument.Gauge g = meters.find("gateway.webhooks.unverified.bytes").gauge();
                return g != null && g.value() >= 2 * 399_999;
            });
            // a third declaring 400 kB is refused once its bytes no longer fit (a declared length is reserved as its bytes
            // arrive, not up front: idle connections declaring large bodies must not hold the budget)
            for (int i = 0; i < 3; i++) {
                try (Socket s = open()) {
                    sendHeaders(s, "/webhooks/waha", 400_000, false);
                    String answer;
                    try {
                        s.getOutputStream().write(new byte[400_000]);
                        s.getOutputStream().flush();
                        answer = response(s, 5000);
                    } catch (IOException reset) {
                        answer = "reset: " + reset;   // the server answered 503 and closed with bytes unread
                    }
                    assertThat(answer).matches("(?s)(HTTP/1.1 503.*[Rr]etry-[Aa]fter: 1.*|reset: .*)");
                }
            }
            // a chunked body (no length declared) is counted as it is read and refused once over the budget
            try (Socket s = open()) {
                sendHeaders(s, "/webhooks/waha", -1, true);
                ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
                AtomicInteger chunks = new AtomicInteger();
                byte[] chunk = new byte[32 * 1024];
                writer.scheduleAtFixedRate(() -> {   // 32 kB every 50 ms, 640 kB in all
                    if (chunks.incrementAndGet() > 20) {
                        return;
                    }
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (IOException closed) {
                        chunks.set(100);   // refused: the server closed the connection
                    }
                }, 0, 50, TimeUnit.MILLISECONDS);
                String answer;
                try {
                    answer = response(s, 5000);
                } catch (IOException reset) {
                    answer = "reset: " + reset;   // the server closed with bytes unread
                }
                writer.shutdownNow();
                assertThat(answer).matches("(?s)(HTTP/1.1 503.*|reset: .*)");
            }
            // idle connections declaring large bodies do not hold the budget: a webhook is still stored meanwhile
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = open();
                    sendHeaders(s, "/webhooks/waha", 3_000_000, false);
                    idle.add(s);
                }
                for (Socket s : held) {
                    s.close();
                }
                held.clear();
                byte[] during = wahaMessage("BUDGET0", System.currentTimeMillis(), 1767610800);
                Awaitility.await().atMost(Duration.ofSeconds(8)).until(() -> postWaha(during).statusCode() == 200);
                assertThat(message(wahaId("BUDGET0"))).isNotNull();
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // the held bodies' bytes are given back when their clients go: a signed webhook is then stored
        byte[] body = wahaMessage("BUDGET1", System.currentTimeMillis(), 1767610800);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> postWaha(body).statusCode() == 200);
        assertThat(message(wahaId("BUDGET1"))).isNotNull();
    }

    // ------------------------------------------------------------------ item 9: slow bodies

    @Test
    void trickledBodiesHoldNoThreadAndAreCutOffWhileWebhooksAreAnswered() throws Exception {
        int slow = 30;   // three times Tomcat's 10 threads here
        List<Socket> sockets = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < slow; i++) {
                Socket s = open();
                sendHeaders(s, "/webhooks/waha", 1000, false);
                sockets.add(s);
            }
            long trickleStart = System.nanoTime();
            // one byte every 500 ms per connection for 4 s (then silence: the 5 s deadline cuts them off)
            trickle.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - trickleStart > 4_000_000_000L) {
                    return;
                }
                for (Socket s : sockets) {
                    try {
                        s.getOutputStream().write('{');
                        s.getOutputStream().flush();
                    } catch (IOException ignored) {
                        // cut off
                    }
                }
            }, 0, 500, TimeUnit.MILLISECONDS);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < 10; i++) {
                byte[] body = wahaMessage("SLOW" + i, System.currentTimeMillis(), 1767610800);
                long t0 = System.nanoTime();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                                + "/webhooks/waha")).timeout(Duration.ofSeconds(2))
                        .header("Content-Type", "application/json")
                        .header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to answer webhook %d", i).isLessThan(2000);
            }
            for (int i = 0; i < 10; i++) {
                assertThat(message(wahaId("SLOW" + i))).as("SLOW%d stored", i).isNotNull();
            }
            // every trickle is answered 408 by the deadline (5 s after its start, give or take the scheduler)
            int cut = 0;
            for (Socket s : sockets) {
                String answer;
                try {
                    answer = response(s, 6000);
                } catch (IOException reset) {
                    answer = "reset";
                }
                if (answer.startsWith("HTTP/1.1 408")) {
                    cut++;
                }
            }
            assertThat(cut).as("trickles cut off with 408").isEqualTo(slow);
            assertThat(meters.find("gateway.webhooks.read.timeouts").counter().count())
                    .isGreaterThanOrEqualTo(slow);
        } finally {
            trickle.shutdownNow();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    // ------------------------------------------------------------------ item 12: secrets only in headers

    @Test
    void aSignatureOrSecretOnlyInTheQueryStringIs401OnEveryProviderAndInTheHeaderIs200() throws Exception {
        byte[] waha = wahaMessage("QUERY1", System.currentTimeMillis(), 1767610800);
        byte[] meta = Fixtures.bytes("webhooks/meta/inbound_text.json");
        byte[] periskope = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        byte[] unipile = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
        byte[] evolution = Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json");
        record Case(String provider, byte[] body, String header, String value, String contentType) {
        }
        List<Case> cases = List.of(
                new Case("meta", meta, "X-Hub-Signature-256", Fixtures.metaSignature(meta), "application/json"),
                new Case("waha", waha, "X-Webhook-Hmac", Fixtures.wahaSignature(waha), "application/json"),
                new Case("periskope", periskope, "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", periskope),
                        "application/json"),
                new Case("unipile", unipile, "Unipile-Auth", Fixtures.SECRET, "application/x-www-form-urlencoded"),
                new Case("evolution", evolution, "X-Evolution-Secret", Fixtures.SECRET, "application/json"));
        for (Case c : cases) {
            double before = rejected(c.provider(), "in-query");
            String query = "?" + URLEncoder.encode(c.header(), StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(c.value(), StandardCharsets.UTF_8);
            HttpResponse<String> inQuery = post("/webhooks/" + c.provider() + query, c.body(),
                    Map.of("Content-Type", c.contentType()));
            assertThat(inQuery.statusCode()).as("%s: secret in the query only", c.provider()).isEqualTo(401);
            assertThat(rejected(c.provider(), "in-query")).as("%s counted", c.provider()).isEqualTo(before + 1);
            // in the header and the query: still refused (a secret in a URL is leaked already)
            HttpResponse<String> both = post("/webhooks/" + c.provider() + query, c.body(),
                    Map.of("Content-Type", c.contentType(), c.header(), c.value()));
            assertThat(both.statusCode()).as("%s: secret in the header and the query", c.provider()).isEqualTo(401);
            // lower-case parameter name: header lookups are case-insensitive, so is the check
            HttpResponse<String> lower = post("/webhooks/" + c.provider() + "?"
                            + c.header().toLowerCase() + "=" + URLEncoder.encode(c.value(), StandardCharsets.UTF_8),
                    c.body(), Map.of("Content-Type", c.contentType()));
            assertThat(lower.statusCode()).as("%s: lower-case query name", c.provider()).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).isEmpty();
        for (Case c : cases) {
            HttpResponse<String> inHeader = post("/webhooks/" + c.provider() + "?unrelated=1", c.body(),
                    Map.of("Content-Type", c.contentType(), c.header(), c.value()));
            assertThat(inHeader.statusCode()).as("%s: secret in the header: %s", c.provider(), inHeader.body())
                    .isEqualTo(200);
        }
        assertThat(all(store().getMessagesIndex())).hasSize(5);
    }

    // ------------------------------------------------------------------ item 11: replays (delivery side)

    @Test
    void aWahaDeliveryOlderThanTheBoundIs401AndAnOldMessageInAFreshDeliveryIsStored() throws Exception {
        long now = System.currentTimeMillis();
        double before = rejected("waha", "replay");
        HttpResponse<String> yearOld = postWaha(wahaMessage("REPLAY1", now - 365 * DAY_MS, 1767610800));
        assertThat(yearOld.statusCode()).isEqualTo(401);
        assertThat(rejected("waha", "replay")).isEqualTo(before + 1);
        HttpResponse<String> nineDays = postWaha(wahaMessage("REPLAY2", now - 9 * DAY_MS, 1767610800));
        assertThat(nineDays.statusCode()).isEqualTo(401);
        assertThat(message(wahaId("REPLAY1"))).isNull();
        assertThat(message(wahaId("REPLAY2"))).isNull();

        assertThat(postWaha(wahaMessage("FRESH1", now, now / 1000)).statusCode()).isEqualTo(200);
        assertThat(postWaha(wahaMessage("WEEK1", now - 7 * DAY_MS, now / 1000)).statusCode()).isEqualTo(200);
        // history: a message from 2020 delivered now is stored (never judged by the message's own time)
        HttpResponse<String> history = postWaha(wahaMessage("HISTORY1", now, 1577836800));
        assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
        assertThat(message(wahaId("FRESH1"))).isNotNull();
        assertThat(message(wahaId("WEEK1"))).isNotNull();
        assertThat(message(wahaId("HISTORY1"))).isNotNull();
        // the unsigned header does not count: a forged fresh X-Webhook-Timestamp does not let an old body in
        byte[] old = wahaMessage("REPLAY3", now - 365 * DAY_MS, 1767610800);
        HttpResponse<String> forgedHeader = post("/webhooks/waha", old, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", Fixtures.wahaSignature(old), "X-Webhook-Timestamp", Long.toString(now)));
        assertThat(forgedHeader.statusCode()).isEqualTo(401);
    }

    // ------------------------------------------------------------------ item 13: starting means 503

    @Test
    void aStartingGatewayAnswers503NeverA404AndStoresEveryMessage() throws Exception {
        int otherPort;
        try (ServerSocket free = new ServerSocket(0)) {
            otherPort = free.getLocalPort();
        }
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        List<String> acknowledged = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Thread hammer = new Thread(() -> {
            int n = 0;
            while (!stop.get()) {
                String id = "START" + n;
                try {
                    byte[] body = wahaMessage(id, System.currentTimeMillis(), 1767610800);
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                                    + otherPort + "/webhooks/waha")).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    if (r.statusCode() == 200) {
                        acknowledged.add(id);
                        n++;          // the next message; any other answer: the same message again
                    }
                } catch (ConnectException notListening) {
                    refused.incrementAndGet();
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);   // a provider's retry delay
                } catch (IOException e) {
                    refused.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "start-hammer");
        hammer.start();
        ConfigurableApplicationContext other = null;
        try {
            other = startAnotherGateway("--server.port=" + otherPort);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 20);
        } finally {
            stop.set(true);
            hammer.join(15000);
            if (other != null) {
                other.close();
            }
        }
        System.out.printf("start under load: statuses %s, refused connections %d, acknowledged %d%n", statuses,
                refused.get(), acknowledged.size());
        assertThat(statuses).doesNotContainKey(404);
        assertThat(statuses).containsKey(503);
        assertThat(statuses.keySet()).allMatch(s -> s == 200 || s == 503);
        for (String id : acknowledged) {
            assertThat(message(wahaId(id))).as("%s stored", id).isNotNull();
        }
    }

    // ------------------------------------------------------------------ raw HTTP/1.1 over a socket

    private Socket open() throws IOException {
        Socket s = new Socket("localhost", port);
        s.setTcpNoDelay(true);
        return s;
    }

    private static void sendHeaders(Socket s, String path, long contentLength, boolean chunked) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + contentLength + "\r\n") + "\r\n";
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** @return the status line, or null when nothing arrived within {@code timeoutMs} */
    private static String status(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        try {
            int first = s.getInputStream().read();
            if (first < 0) {
                return "closed";
            }
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.write(first);
            for (int b; (b = s.getInputStream().read()) >= 0 && b != '\n'; ) {
                line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII).trim();
        } catch (SocketTimeoutException nothingYet) {
            return null;
        }
    }

    /** @return the response head and as much body as arrived before the connection closed or went quiet */
    private static String response(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
                s.setSoTimeout(300);   // the rest of the response follows at once
            }
        } catch (SocketTimeoutException quiet) {
            if (all.size() == 0) {
                return "no answer within " + timeoutMs + " ms";
            }
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
