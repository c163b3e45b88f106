package io.wagateway.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The batched write path of lifecycle updates (issue 18 item 2): what one batch does when one of its targets
 * conflicts or one of its documents is refused, and an update that came before its message on another instance.
 */
class LifecycleBatchIT extends GatewayIntegrationTest {

    private static final String ACCOUNT = "100000000000002";

    private MessageLifecycle lifecycle() {
        return camelContext.getRegistry().lookupByNameAndType("messageLifecycle", MessageLifecycle.class);
    }

    @AfterEach
    void noHook() {
        lifecycle().afterRead(targets -> { });
    }

    private static byte[] ownMessage(String wamid) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/outbound_smb_message_echo.json"));
        ((ObjectNode) body.at("/entry/0/changes/0/value/message_echoes/0")).put("id", wamid);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] status(String wamid, String status, long epochSeconds) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/status_delivered.json"));
        ((ObjectNode) body.at("/entry/0/changes/0/value/statuses/0")).put("id", wamid).put("status", status)
                .put("timestamp", Long.toString(epochSeconds));
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static LifecycleUpdate update(String wamid, String update, String status, String actor, long epochSeconds) {
        Instant at = Instant.ofEpochSecond(epochSeconds);
        return new LifecycleUpdate("meta", ACCOUNT, wamid, "15550100001", update, status, "\uD83D\uDC4D", actor,
                "evt-" + wamid + "-" + epochSeconds, null, at, at, JSON.createObjectNode().put("id", wamid));
    }

    /** Posts a signed Meta webhook to another gateway; returns its HTTP status. */
    private static int postMetaTo(ConfigurableApplicationContext gateway, byte[] body) throws Exception {
        int port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
        return HTTP.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + port + "/webhooks/meta"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static String target(String wamid) {
        return "meta:" + ACCOUNT + ":" + wamid;
    }

    /**
     * Holds the next batch between its read and its write until {@code queued} ran, so that what {@code queued}
     * adds meanwhile goes together in the batch after it; then runs {@code onSecond} on that batch's targets.
     */
    private void holdFirstBatch(Runnable queued, Consumer<Collection<String>> onSecond) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        lifecycle().afterRead(targets -> {
            if (first.compareAndSet(true, false)) {
                held.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                onSecond.accept(targets);
            }
        });
        CompletableFuture<String> holder = lifecycle().keep(update("wamid.HOLDER", "status", "sent", null, 1767607400));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        queued.run();
        release.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("update_STORED");
    }

    @Test
    void aBatchWithOneConflictingTargetRetriesOnlyThatTarget() throws Exception {
        assertThat(postMeta(ownMessage("wamid.CONFLICT")).statusCode()).isEqualTo(200);
        assertThat(postMeta(ownMessage("wamid.CALM")).statusCode()).isEqualTo(200);
        // both targets have a lifecycle document already (the conflict is on an update of an existing one)
        assertThat(postMeta(status("wamid.CONFLICT", "sent", 1767607400)).statusCode()).isEqualTo(200);
        assertThat(postMeta(status("wamid.CALM", "sent", 1767607400)).statusCode()).isEqualTo(200);
        Map<String, Long> before = lifecycle().batchStats();

        CompletableFuture<String>[] results = new CompletableFuture[2];
        AtomicBoolean changed = new AtomicBoolean();
        AtomicBoolean together = new AtomicBoolean();
        holdFirstBatch(() -> {
            results[0] = lifecycle().keep(update("wamid.CONFLICT", "status", "read", null, 1767607420));
            results[1] = lifecycle().keep(update("wamid.CALM", "status", "read", null, 1767607420));
        }, targets -> {
            if (targets.containsAll(List.of(target("wamid.CONFLICT"), target("wamid.CALM")))
                    && changed.compareAndSet(false, true)) {
                together.set(true);
                try { // another instance merges "delivered" into the same lifecycle document between this batch's
                      // read and its write (on this batcher's thread: a webhook to this gateway would wait for it)
                    String path = "/" + lifecycle().getLifecycleIndex() + "/_doc/" + encode(target("wamid.CONFLICT"));
                    ObjectNode doc = (ObjectNode) JSON.readTree(es("GET", path, null).body()).get("_source");
                    doc.with("statuses").putObject("delivered").put("timestamp", "2026-01-05T10:03:30.000000000Z");
                    assertThat(es("PUT", path, doc.toString()).statusCode()).isEqualTo(200);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(results[0].get(20, TimeUnit.SECONDS)).isEqualTo("update_STORED");
        assertThat(results[1].get(20, TimeUnit.SECONDS)).isEqualTo("update_STORED");
        assertThat(together).as("both targets were in one batch").isTrue();
        Map<String, Long> after = lifecycle().batchStats();
        assertThat(after.get("conflicts") - before.get("conflicts")).isEqualTo(1);
        assertThat(after.get("retried_targets") - before.get("retried_targets")).isEqualTo(1);

        JsonNode conflicted = message(target("wamid.CONFLICT"));
        assertThat(conflicted.path("status").asText()).isEqualTo("read");
        assertThat(conflicted.path("status_history").findValuesAsText("status"))
                .containsExactly("sent", "delivered", "read"); // the concurrent change and ours, both kept
        assertThat(message(target("wamid.CALM")).path("status").asText()).isEqualTo("read");
    }

    @Test
    void aBatchWithOneRefusedDocumentFailsOnlyThatUpdate() throws Exception {
        assertThat(postMeta(ownMessage("wamid.GOOD")).statusCode()).isEqualTo(200);
        assertThat(postMeta(ownMessage("wamid.BAD")).statusCode()).isEqualTo(200);
        // a keyword longer than Lucene's 32,766-byte term limit: Elasticsearch refuses this audit document alone
        String immense = "x".repeat(40_000);
        CompletableFuture<String>[] results = new CompletableFuture[2];
        AtomicBoolean together = new AtomicBoolean();
        holdFirstBatch(() -> {
            results[0] = lifecycle().keep(update("wamid.GOOD", "status", "delivered", null, 1767607410));
            results[1] = lifecycle().keep(update("wamid.BAD", "reaction", null, immense, 1767607410));
        }, targets -> together.compareAndSet(false,
                targets.containsAll(List.of(target("wamid.GOOD"), target("wamid.BAD")))));
        assertThat(results[0].get(20, TimeUnit.SECONDS)).isEqualTo("update_STORED");
        assertThatThrownBy(() -> results[1].get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(DocumentRejectedException.class);
        assertThat(together).as("both updates were in one batch").isTrue();
        assertThat(message(target("wamid.GOOD")).path("status").asText()).isEqualTo("delivered");
    }

    @Test
    void aPendingUpdateAppliesWhenItsMessageArrivesOnAnotherInstance() throws Exception {
        // the status comes first, to this instance: its message is not stored, so its lifecycle is left pending
        assertThat(postMeta(status("wamid.ELSEWHERE", "read", 1767607420)).statusCode()).isEqualTo(200);
        JsonNode pending = document(lifecycle().getLifecycleIndex(), target("wamid.ELSEWHERE"));
        assertThat(pending.path("pending").asBoolean()).isTrue();
        try (ConfigurableApplicationContext other = startAnotherGateway()) {
            assertThat(postMetaTo(other, ownMessage("wamid.ELSEWHERE"))).isEqualTo(200);
            // gateway.lifecycle.pending-visible-ms is 2 s; the wait allows the test machine's load on top
            await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(message(target("wamid.ELSEWHERE")).path("status").asText()).isEqualTo("read"));
            await().atMost(Duration.ofSeconds(6)).untilAsserted(() -> assertThat(
                    document(lifecycle().getLifecycleIndex(), target("wamid.ELSEWHERE")).path("pending").asBoolean())
                    .isFalse());
        }
    }

    @Test
    void theSweepAppliesAPendingUpdateWhoseMessageCheckNeverRan() throws Exception {
        assertThat(postMeta(status("wamid.SWEPT", "read", 1767607420)).statusCode()).isEqualTo(200);
        // this instance's check of the stored message would wait 10 minutes: only the sweep can apply the update
        try (ConfigurableApplicationContext other = startAnotherGateway("--gateway.lifecycle.pending-visible-ms=2400000",
                "--gateway.lifecycle.sweep-interval-ms=300")) {
            assertThat(postMetaTo(other, ownMessage("wamid.SWEPT"))).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(message(target("wamid.SWEPT")).path("status").asText()).isEqualTo("read"));
        }
    }

    @Test
    void aProjectionFromAnOlderLifecycleNeverReplacesANewerOne() throws Exception {
        // the race between two instances: one reads the lifecycle at version 1, the other then writes version 2 and
        // its projection, the first reads that message; its if_seq_no would match, its lifecycle is older
        assertThat(postMeta(ownMessage("wamid.STALE")).statusCode()).isEqualTo(200);
        assertThat(postMeta(status("wamid.STALE", "read", 1767607420)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                assertThat(message(target("wamid.STALE")).path("status").asText()).isEqualTo("read"));
        String lifecyclePath = "/" + lifecycle().getLifecycleIndex() + "/_doc/" + encode(target("wamid.STALE"));
        ObjectNode newer = (ObjectNode) message(target("wamid.STALE"));
        long version = newer.path(LifecycleBatcher.LIFECYCLE_VERSION).asLong();
        assertThat(version).isPositive();
        // the lifecycle as the first instance read it: one version older, "sent" only
        ObjectNode older = (ObjectNode) JSON.readTree(es("GET", lifecyclePath, null).body()).get("_source");
        older.put("version", version - 1).remove("statuses");
        older.putObject("statuses").putObject("sent").put("timestamp", "2026-01-05T10:03:20.000000000Z");
        assertThat(es("PUT", lifecyclePath, older.toString()).statusCode()).isEqualTo(200);
        long before = lifecycle().batchStats().get("batches");

        lifecycle().checkNow(target("wamid.STALE"));
        await().atMost(Duration.ofSeconds(6)).until(() -> lifecycle().batchStats().get("batches") > before);
        JsonNode after = message(target("wamid.STALE"));
        assertThat(after.path("status").asText()).isEqualTo("read");
        assertThat(after.path(LifecycleBatcher.LIFECYCLE_VERSION).asLong()).isEqualTo(version);

        // the same check with the lifecycle at the message's version projects it (the guard is what held it back)
        older.put("version", version + 1);
        assertThat(es("PUT", lifecyclePath, older.toString()).statusCode()).isEqualTo(200);
        lifecycle().checkNow(target("wamid.STALE"));
        await().atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                assertThat(message(target("wamid.STALE")).path("status").asText()).isEqualTo("sent"));
    }
}
