package io.wagateway.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two gateway instances on one Elasticsearch: 8,000 distinct WAHA messages delivered 10,000 times (2,000
 * redeliveries, often to the other instance), all at once from 16 senders that redeliver on any non-2xx answer.
 * Exactly 8,000 documents, every delivery acknowledged.
 */
class TwoInstancesDuplicatesIT extends ReliabilityTestBase {

    private static final long SEED = 0xD0B1E5L;
    private static final int DISTINCT = 8_000;
    private static final int DUPLICATES = 2_000;
    private static final int THREADS = 16;
    private static final String TAG = "dup";
    /** A sender redelivers a non-2xx answer up to 20 times, 200 ms apart. */
    private static final Load.RetryPolicy REDELIVERY = new Load.RetryPolicy(20, Duration.ofSeconds(60),
            Duration.ofMillis(200), Duration.ofMillis(200));

    /** One delivery: which message, to which instance (0 = this test's gateway, 1 = the other one). */
    record Delivery(int message, int instance, boolean redelivery) {
    }

    @Test
    void tenThousandDeliveriesOfEightThousandMessagesToTwoInstancesLeaveEightThousandDocuments() throws Exception {
        JsonNode template = Load.wahaTemplate();
        byte[][] bodies = new byte[DISTINCT][];
        List<String> ids = new ArrayList<>(DISTINCT);
        for (int i = 0; i < DISTINCT; i++) {
            bodies[i] = Load.wahaMessage(template, TAG, i);
            ids.add(Load.wahaDocumentId(TAG, i));
        }
        Random rnd = new Random(SEED);
        List<int[]> order = new ArrayList<>();
        for (int i = 0; i < DISTINCT; i++) {
            order.add(new int[] {i, 0});
        }
        for (int j = 0; j < DUPLICATES; j++) {
            order.add(new int[] {rnd.nextInt(DISTINCT), 1});
        }
        Collections.shuffle(order, rnd);
        List<Delivery> deliveries = new ArrayList<>();
        for (int[] o : order) {
            deliveries.add(new Delivery(o[0], rnd.nextInt(2), o[1] == 1));
        }

        Load.Histogram statuses = new Load.Histogram();
        List<Load.Delivery> outcomes = new ArrayList<>();
        long start;
        long sendNanos;
        try (ConfigurableApplicationContext second = startAnotherGateway()) {
            int secondPort = Integer.parseInt(second.getEnvironment().getProperty("local.server.port"));
            URI[] instances = {webhook(port, "waha"), webhook(secondPort, "waha")};
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            start = System.nanoTime();
            try {
                List<Future<Load.Delivery>> futures = new ArrayList<>();
                for (Delivery d : deliveries) {
                    byte[] body = bodies[d.message()];
                    futures.add(pool.submit(() -> Load.sendUntilOk(instances[d.instance()], body,
                            Load.wahaHeaders(body), REDELIVERY, statuses)));
                }
                for (Future<Load.Delivery> f : futures) {
                    outcomes.add(f.get(5, TimeUnit.MINUTES));
                }
            } finally {
                pool.shutdownNow();
            }
            sendNanos = System.nanoTime() - start;
        }

        long acknowledged = outcomes.stream().filter(Load.Delivery::ok).count();
        long stored = outcomes.stream().filter(Load.Delivery::ok).mapToInt(o -> Load.outcome(o.body(), "stored")).sum();
        long duplicates = outcomes.stream().filter(Load.Delivery::ok)
                .mapToInt(o -> Load.outcome(o.body(), "duplicate")).sum();
        long redelivered = outcomes.stream().filter(o -> o.attempts() > 1).count();
        int maxAttempts = outcomes.stream().mapToInt(Load.Delivery::attempts).max().orElse(0);
        long documents = count(store().getMessagesIndex());
        long found = countIds(store().getMessagesIndex(), ids);
        long acknowledgedMessages = java.util.stream.IntStream.range(0, deliveries.size())
                .filter(i -> outcomes.get(i).ok()).map(i -> deliveries.get(i).message()).distinct().count();
        long wall = System.nanoTime() - start;

        System.out.printf(java.util.Locale.ROOT, "RELIABILITY TwoInstancesDuplicatesIT sent=%d (distinct=%d"
                + " redeliveries=%d, instances=2, threads=%d) acknowledged=%d stored=%d duplicates=%d documents=%d"
                + " lost=%d retried=%d max_attempts=%d statuses=%s send=%s wall=%s%n", deliveries.size(), DISTINCT,
                DUPLICATES, THREADS, acknowledged, stored, duplicates, documents, acknowledgedMessages - found,
                redelivered, maxAttempts, statuses, seconds(sendNanos), seconds(wall));

        assertThat(acknowledged).as("deliveries eventually answered 200").isEqualTo(DISTINCT + DUPLICATES);
        assertThat(documents).as("documents in the messages index").isEqualTo(DISTINCT);
        assertThat(found).as("the 8,000 expected ids").isEqualTo(DISTINCT);
        assertThat(stored + duplicates).as("every acknowledgement says stored or duplicate")
                .isEqualTo(DISTINCT + DUPLICATES);
        assertThat(stored).as("'stored' answers: at most one per message (op_type=create)").isLessThanOrEqualTo(DISTINCT);
    }
}
