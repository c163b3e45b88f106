package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 22 item 3 (docs/partitions.md): a gateway with {@code gateway.elasticsearch.partitioning=monthly} on its own
 * messages alias {@code pt-messages}, which already holds a legacy generation {@code pt-messages-000001} (the layout
 * before partitioning). Messages of October and November land in their own months' partitions and are found by one
 * search (the alias, and the page's search API); redeliveries across the partition boundary and of the legacy message
 * stay one document each (the memory idempotency tier cleared first, so Elasticsearch decides); a status for the
 * October message, dated in the current month, is applied to that document in its older partition (the lifecycle's
 * by-id read and {@code if_seq_no} write find it); the maintenance route creates next month's partition under its
 * lease; retention deletes only the partitions older than N months.
 */
class PartitionedMessagesIT extends GatewayIntegrationTest {

    private static final String ALIAS = "pt-messages";
    private static final String ACCOUNT = "100000000000002";

    @AfterEach
    void dropPartitions() throws Exception {
        dropAlias();
    }

    private void dropAlias() throws Exception {
        HttpResponse<String> r = es("GET", "/_alias/" + ALIAS, null);
        if (r.statusCode() == 200) {
            List<String> names = new ArrayList<>();
            JSON.readTree(r.body()).fieldNames().forEachRemaining(names::add);
            es("DELETE", "/" + String.join(",", names) + "?ignore_unavailable=true", null);
        }
        es("DELETE", "/_index_template/" + ALIAS, null);
        es("DELETE", "/" + store().getNamesIndex() + "/_doc/" + encode("lease:partition-maintenance") + "?refresh=true",
                null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void monthlyPartitionsKeepOneDocumentPerMessageAcrossGenerationsAndFindOlderOnesById() throws Exception {
        dropAlias();
        // the legacy generation: a September message stored by an unpartitioned gateway (this test's own), copied
        // with its _id into pt-messages-000001, the write index of the alias as the unpartitioned layout makes it
        Instant september = Instant.parse("2026-09-20T08:00:00Z");
        assertThat(postMeta(meta("wamid.PT-LEGACY", september, "partition test legacy")).body()).contains("\"stored\":1");
        JsonNode legacy = all(store().getMessagesIndex()).stream()
                .filter(d -> d.path("text").asText().equals("partition test legacy")).findFirst().orElseThrow();
        String legacyId = legacy.path("_id").asText();
        assertThat(legacyId).isEqualTo("meta:" + ACCOUNT + ":wamid.PT-LEGACY");
        ((com.fasterxml.jackson.databind.node.ObjectNode) legacy).remove("_id");
        String mapping = new String(getClass().getClassLoader().getResourceAsStream("elasticsearch/messages-mapping.json")
                .readAllBytes(), StandardCharsets.UTF_8);
        HttpResponse<String> created = es("PUT", "/" + ALIAS + "-000001", "{\"mappings\":" + mapping
                + ",\"aliases\":{\"" + ALIAS + "\":{\"is_write_index\":true}}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(es("PUT", "/" + ALIAS + "-000001/_doc/" + encode(legacyId) + "?refresh=true", legacy.toString())
                .statusCode()).isEqualTo(201);

        try (ConfigurableApplicationContext g = startAnotherGateway(
                "--gateway.elasticsearch.partitioning=monthly",
                "--gateway.elasticsearch.index.messages=" + ALIAS,
                "--gateway.elasticsearch.partition-maintenance.delay-ms=500",
                "--gateway.elasticsearch.partition-maintenance.interval-ms=3600000")) {
            int gPort = Integer.parseInt(g.getEnvironment().getProperty("local.server.port"));
            CamelContext camel = g.getBean(CamelContext.class);
            ElasticsearchStore gStore = ElasticsearchStore.in(camel);
            assertThat(gStore.isPartitioned()).isTrue();

            // the maintenance route, on its lease, created next month's partition ahead of any message of that month
            String next = new TimePartitions(ALIAS).partitionOf(java.time.YearMonth.now(java.time.ZoneOffset.UTC)
                    .plusMonths(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> es("HEAD", "/" + next, null).statusCode() == 200);
            assertThat(document(store().getNamesIndex(), "lease:partition-maintenance").path("holder").asText())
                    .isNotBlank();

            // October and November messages: each in its own month's partition, created on demand by the writer
            Instant october = Instant.parse("2026-10-31T23:59:00Z");
            Instant november = Instant.parse("2026-11-01T00:01:00Z");
            assertThat(post(gPort, meta("wamid.PT-OCT", october, "partition test october")).body())
                    .contains("\"stored\":1");
            assertThat(post(gPort, meta("wamid.PT-NOV", november, "partition test november")).body())
                    .contains("\"stored\":1");
            String octId = "meta:" + ACCOUNT + ":wamid.PT-OCT";
            String novId = "meta:" + ACCOUNT + ":wamid.PT-NOV";
            assertThat(document(ALIAS + "-2026.10", octId)).isNotNull();
            assertThat(document(ALIAS + "-2026.11", novId)).isNotNull();
            assertThat(document(ALIAS + "-2026.10", novId)).isNull();
            JsonNode aliases = JSON.readTree(es("GET", "/_alias/" + ALIAS, null).body());
            assertThat(aliases.path(ALIAS + "-2026.10").path("aliases").path(ALIAS).path("is_write_index").asBoolean(true))
                    .as("a partition is never the alias's write index").isFalse();

            // ONE search over every generation: the alias, and the page's search API on it
            es("POST", "/" + ALIAS + "/_refresh", null);
            assertThat(ids("{\"query\":{\"match\":{\"text\":\"partition test\"}}}"))
                    .containsExactlyInAnyOrder(legacyId, octId, novId);
            JsonNode page = JSON.readTree(api(gPort, "/api/messages?q=partition+test").body());
            assertThat(page.path("total").asInt()).isEqualTo(3);

            // redeliveries, with the memory tier cleared: Elasticsearch alone answers duplicate
            camel.getRegistry().lookupByNameAndType("messageIdempotentRepository", IdempotentRepository.class).clear();
            assertThat(post(gPort, meta("wamid.PT-OCT", october, "partition test october")).body())
                    .contains("\"duplicate\":1");
            assertThat(post(gPort, meta("wamid.PT-LEGACY", september, "partition test legacy")).body())
                    .as("a message of the legacy generation redelivered").contains("\"duplicate\":1");
            es("POST", "/" + ALIAS + "/_refresh", null);
            assertThat(ids("{\"query\":{\"ids\":{\"values\":[\"" + octId + "\",\"" + legacyId + "\"]}}}"))
                    .containsExactlyInAnyOrder(octId, legacyId);
            assertThat(es("HEAD", "/" + ALIAS + "-2026.09", null).statusCode())
                    .as("the legacy message's redelivery created nothing in its month").isEqualTo(404);

            // a status dated now (December) for the October message: the locator's candidates (December, November,
            // legacy) miss it, its fallback finds it in the October partition, the projection is written there
            long before = gStore.locateRequests();
            assertThat(post(gPort, status("wamid.PT-OCT", Instant.now())).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    document(ALIAS + "-2026.10", octId).path("status_history").path(0).path("status").asText())
                    .isEqualTo("delivered"));
            assertThat(gStore.locateRequests() - before).as("candidates, then the other partitions").isGreaterThanOrEqualTo(2);
            es("POST", "/" + ALIAS + "/_refresh", null);
            assertThat(ids("{\"query\":{\"ids\":{\"values\":[\"" + octId + "\"]}}}")).containsExactly(octId);
            // and the legacy message: found by id in the legacy generation
            assertThat(post(gPort, status("wamid.PT-LEGACY", Instant.now())).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    document(ALIAS + "-000001", legacyId).path("status_history").path(0).path("status").asText())
                    .isEqualTo("delivered"));

            // the lease is one instance's at a time
            assertThat(gStore.tryLease("pt-test", 60_000)).isTrue();
            assertThat(store().tryLease("pt-test", 60_000)).as("another instance").isFalse();
            assertThat(gStore.tryLease("pt-test", 60_000)).as("renewed by its holder").isTrue();
            es("DELETE", "/" + store().getNamesIndex() + "/_doc/" + encode("lease:pt-test"), null);

            // retention of 1 month, as if it were 15 December 2026: October and an older March partition are past it
            // by their month, but both hold messages received today (a late arrival re-creates an expired month):
            // nothing acknowledged within the retention is deleted
            assertThat(post(gPort, meta("wamid.PT-MAR", Instant.parse("2026-03-03T10:00:00Z"), "partition test march"))
                    .body()).contains("\"stored\":1");
            gStore.setRetentionMonths(1);
            Map<String, Object> kept = gStore.maintainPartitionsAt(Instant.parse("2026-12-15T00:00:00Z"));
            System.out.println("PARTITIONS maintenance: " + kept);
            assertThat(kept.get("retention")).as("this distribution has no ILM: the timer deletes").isEqualTo("timer");
            assertThat((List<Object>) kept.get("deleted")).as("received within the retention").isEmpty();
            assertThat(gStore.messagePartitions()).contains(ALIAS + "-2026.03", ALIAS + "-2026.10");
            // as if it were 15 January 2027 (what they hold was received more than a month before): every month
            // before December goes; December, January, February (made ahead), the legacy generation stay
            Map<String, Object> done = gStore.maintainPartitionsAt(Instant.parse("2027-01-15T00:00:00Z"));
            System.out.println("PARTITIONS maintenance: " + done);
            assertThat((List<Object>) done.get("deleted")).containsExactly((Object) (ALIAS + "-2026.03"),
                    ALIAS + "-2026.10", ALIAS + "-2026.11");
            assertThat(gStore.messagePartitions()).contains(ALIAS + "-000001", ALIAS + "-2026.12", ALIAS + "-2027.01",
                    ALIAS + "-2027.02").doesNotContain(ALIAS + "-2026.10", ALIAS + "-2026.03", ALIAS + "-2026.11");
            es("POST", "/" + ALIAS + "/_refresh", null);
            assertThat(ids("{\"query\":{\"match\":{\"text\":\"partition test\"}}}"))
                    .containsExactlyInAnyOrder(legacyId);
        }
    }

    private List<String> ids(String query) throws Exception {
        HttpResponse<String> r = es("POST", "/" + ALIAS + "/_search?size=100", query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body()).path("hits").path("hits").forEach(h -> ids.add(h.path("_id").asText()));
        return ids;
    }

    /** The shared Meta inbound text fixture with its own message id, timestamp and text. */
    private static byte[] meta(String wamid, Instant timestamp, String text) throws Exception {
        String body = new String(Fixtures.bytes("webhooks/meta/inbound_text.json"), StandardCharsets.UTF_8)
                .replace("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=", wamid)
                .replace("\"timestamp\": \"1767607200\"", "\"timestamp\": \"" + timestamp.getEpochSecond() + "\"")
                .replace("Hi, is my order #4821 ready for pickup?", text);
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** The shared Meta status fixture: {@code delivered} for the given message id, at the given time. */
    private static byte[] status(String wamid, Instant timestamp) throws Exception {
        String body = new String(Fixtures.bytes("webhooks/meta/status_delivered.json"), StandardCharsets.UTF_8)
                .replace("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNQA=", wamid)
                .replace("\"timestamp\": \"1767607740\"", "\"timestamp\": \"" + timestamp.getEpochSecond() + "\"");
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private HttpResponse<String> post(int gatewayPort, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gatewayPort + "/webhooks/meta"))
                .header("Content-Type", "application/json").header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> api(int gatewayPort, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gatewayPort + path))
                .header("Authorization", "Bearer test-admin-token").GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
