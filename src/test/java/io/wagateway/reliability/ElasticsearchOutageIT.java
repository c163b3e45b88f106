package io.wagateway.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.store.LocalElasticsearch;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Elasticsearch goes away for 30 s in the middle of 5,000 WAHA webhooks. Eight sender threads work like a provider's
 * delivery queue: first deliveries paced at 150/s, and every non-2xx answer redelivered later (back-off from 250 ms
 * doubling to the gateway's Retry-After of 5 s, for up to 240 s per webhook), so every webhook that arrives during
 * the outage is refused and redelivered. While Elasticsearch is down the gateway answers 503 and acknowledges
 * nothing; once it is back every webhook is acknowledged and exactly 5,000 documents exist.
 */
class ElasticsearchOutageIT extends ReliabilityTestBase {

    private static final int MESSAGES = 5_000;
    private static final int THREADS = 8;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    /** First deliveries are paced so the outage begins while most of the load is still to come. */
    private static final long PACE_NANOS = TimeUnit.SECONDS.toNanos(1) / 150;
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(240);
    private static final String TAG = "outage";

    /** One webhook in the senders' delivery queue, due at {@code due}. */
    static final class Pending implements Delayed {
        final int index;
        volatile long due;
        long firstAttempt;
        long pause = FIRST_PAUSE_NANOS;
        int attempts;

        Pending(int index, long due) {
            this.index = index;
            this.due = due;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(due, ((Pending) o).due);
        }
    }

    @Test
    void anElasticsearchOutageLosesNothingAndDuplicatesNothing() throws Exception {
        JsonNode template = Load.wahaTemplate();
        List<byte[]> bodies = new ArrayList<>(MESSAGES);
        List<String> ids = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            bodies.add(Load.wahaMessage(template, TAG, i));
            ids.add(Load.wahaDocumentId(TAG, i));
        }
        URI target = webhook(port, "waha");
        Load.Histogram statuses = new Load.Histogram();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger acknowledgedSoFar = new AtomicInteger();
        Load.Delivery[] outcomes = new Load.Delivery[MESSAGES];
        long[] outageAt = new long[3]; // stop begins, stop done, start done (nanos since start)
        long during503;
        int ackedBeforeOutage;
        int refusedDuringOutage;
        boolean stopped = false;

        long start = System.nanoTime();
        DelayQueue<Pending> queue = new DelayQueue<>();
        for (int i = 0; i < MESSAGES; i++) {
            queue.add(new Pending(i, start + i * PACE_NANOS));
        }
        java.util.Set<Integer> refusedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                senders.add(pool.submit(() -> {
                    while (finished.get() < MESSAGES) {
                        Pending p = queue.poll(200, TimeUnit.MILLISECONDS);
                        if (p == null) {
                            continue;
                        }
                        if (p.attempts++ == 0) {
                            p.firstAttempt = System.nanoTime();
                            started.incrementAndGet();
                        }
                        byte[] body = bodies.get(p.index);
                        int status;
                        String answer = null;
                        try {
                            java.net.http.HttpResponse<String> r = Load.send(target, body, Load.wahaHeaders(body),
                                    Duration.ofSeconds(60));
                            status = r.statusCode();
                            answer = r.body();
                            statuses.add(status);
                        } catch (java.io.IOException e) {
                            status = -1;
                            statuses.add("io:" + e.getClass().getSimpleName());
                        }
                        long now = System.nanoTime();
                        if (status >= 200 && status < 300) {
                            outcomes[p.index] = new Load.Delivery(status, answer, p.attempts);
                            acknowledgedSoFar.incrementAndGet();
                            finished.incrementAndGet();
                        } else if (now + p.pause - p.firstAttempt > GIVE_UP_NANOS) {
                            outcomes[p.index] = new Load.Delivery(status, answer, p.attempts);
                            finished.incrementAndGet();
                        } else {
                            refusedOnce.add(p.index);
                            p.due = now + p.pause; // redelivered later, like a provider does
                            p.pause = Math.min(p.pause * 2, MAX_PAUSE_NANOS);
                            queue.add(p);
                        }
                    }
                    return null;
                }));
            }

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> started.get() >= MESSAGES / 3);
            ackedBeforeOutage = acknowledgedSoFar.get();
            long before503 = statuses.get(503);
            outageAt[0] = System.nanoTime() - start;
            LocalElasticsearch.stopLocal();
            stopped = true;
            outageAt[1] = System.nanoTime() - start;
            long down = System.nanoTime();
            // the load goes on against the missing Elasticsearch for the outage's length; the senders see 503s
            await().atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> System.nanoTime() - down >= OUTAGE.toNanos() && statuses.get(503) > before503);
            during503 = statuses.get(503) - before503;
            refusedDuringOutage = refusedOnce.size();
            LocalElasticsearch.startLocalAgain();
            stopped = false;
            outageAt[2] = System.nanoTime() - start;

            for (Future<?> f : senders) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            if (stopped) {
                LocalElasticsearch.startLocalAgain(); // later tests in this JVM need it
            }
        }
        long sendNanos = System.nanoTime() - start;

        List<Load.Delivery> all = java.util.Arrays.asList(outcomes);
        long acknowledged = all.stream().filter(Load.Delivery::ok).count();
        long stored = all.stream().filter(Load.Delivery::ok).mapToInt(o -> Load.outcome(o.body(), "stored")).sum();
        long duplicates = all.stream().filter(Load.Delivery::ok).mapToInt(o -> Load.outcome(o.body(), "duplicate"))
                .sum();
        long retried = all.stream().filter(o -> o.attempts() > 1).count();
        int maxAttempts = all.stream().mapToInt(Load.Delivery::attempts).max().orElse(0);
        long documents = count(store().getMessagesIndex());
        List<String> acknowledgedIds = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            if (outcomes[i].ok()) {
                acknowledgedIds.add(ids.get(i));
            }
        }
        long lost = acknowledgedIds.size() - countIds(store().getMessagesIndex(), acknowledgedIds);
        long total503 = statuses.get(503);
        long wall = System.nanoTime() - start;

        System.out.printf(java.util.Locale.ROOT, "RELIABILITY ElasticsearchOutageIT sent=%d (threads=%d)"
                + " acknowledged=%d stored=%d duplicates=%d documents=%d lost=%d 503_answers=%d"
                + " (in_outage_window=%d) webhooks_refused_then_redelivered=%d (by_end_of_outage=%d)"
                + " acknowledged_before_outage=%d max_attempts=%d statuses=%s outage: stop_at=%s stopped_at=%s"
                + " restarted_at=%s send=%s wall=%s%n", MESSAGES, THREADS, acknowledged, stored, duplicates,
                documents, lost, total503, during503, retried, refusedDuringOutage, ackedBeforeOutage, maxAttempts,
                statuses, seconds(outageAt[0]), seconds(outageAt[1]), seconds(outageAt[2]), seconds(sendNanos),
                seconds(wall));

        assertThat(total503).as("503 answers while Elasticsearch was down (the outage was real)").isPositive();
        assertThat(ackedBeforeOutage).as("acknowledged before the outage").isLessThan(MESSAGES);
        assertThat(acknowledged).as("webhooks eventually answered 200").isEqualTo(MESSAGES);
        assertThat(lost).as("acknowledged but missing from Elasticsearch").isZero();
        assertThat(documents).as("documents in the messages index (nothing lost, nothing duplicated)")
                .isEqualTo(MESSAGES);
        assertThat(statuses.matching(k -> !k.equals("200") && !k.equals("503")))
                .as("answers other than 200 and 503: " + statuses).isZero();
    }
}
