package io.wagateway.store;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.indices.IndexSettings;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's cluster settings: the node list, replicas, and {@code wait_for_active_shards} on every write request
 * (seen on the wire: WireMock stands in for Elasticsearch, since a real node does not show the query string it got).
 */
class ClusterSettingsTest {

    private final WireMockServer es = new WireMockServer(WireMockConfiguration.options().dynamicPort());

    @BeforeEach
    void start() {
        es.start();
    }

    @AfterEach
    void stop() {
        es.stop();
    }

    @Test
    void theUrlTakesACommaSeparatedListOfNodes() {
        assertThat(ClusterSettings.nodes("http://127.0.0.1:9200")).containsExactly(URI.create("http://127.0.0.1:9200"));
        assertThat(ClusterSettings.nodes(" http://es1:9200/ ,https://es2:9243,, http://es3:9200"))
                .containsExactly(URI.create("http://es1:9200"), URI.create("https://es2:9243"),
                        URI.create("http://es3:9200"));
        assertThatThrownBy(() -> ClusterSettings.nodes(" , ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names no node");
        assertThatThrownBy(() -> ClusterSettings.nodes("es1:9200")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http(s)://host");
        assertThatThrownBy(() -> ClusterSettings.nodes("http://es1:9200,ftp://es2"))
                .isInstanceOf(IllegalArgumentException.class);
        // credentials go in their own properties, never in a URL that is logged
        assertThatThrownBy(() -> ClusterSettings.nodes("http://elastic:secret@es1:9200"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
        ElasticsearchStore store = new ElasticsearchStore();
        store.setUrl("http://a:1,http://b:2");
        assertThat(store.getNodes()).hasSize(2);
    }

    @Test
    void replicasAreARangeToAutoExpandOrAFixedNumber() {
        ClusterSettings.Replicas auto = ClusterSettings.Replicas.parse("0-1");
        assertThat(auto).isEqualTo(new ClusterSettings.Replicas("0-1", null));
        assertThat(ClusterSettings.Replicas.parse("")).isEqualTo(auto); // unset: the default
        assertThat(ClusterSettings.Replicas.parse("0-all").autoExpand()).isEqualTo("0-all");
        IndexSettings autoSettings = auto.apply(new IndexSettings.Builder()).build();
        assertThat(autoSettings.autoExpandReplicas()).isEqualTo("0-1");
        assertThat(autoSettings.numberOfReplicas()).isNull();

        ClusterSettings.Replicas fixed = ClusterSettings.Replicas.parse("1");
        assertThat(fixed).isEqualTo(new ClusterSettings.Replicas(null, 1));
        IndexSettings fixedSettings = fixed.apply(new IndexSettings.Builder()).build();
        assertThat(fixedSettings.autoExpandReplicas()).isEqualTo("false");
        assertThat(fixedSettings.numberOfReplicas()).isEqualTo("1");

        for (String wrong : List.of("one", "-1", "2-1", "0-", "1.5")) {
            assertThatThrownBy(() -> ClusterSettings.Replicas.parse(wrong)).as(wrong)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.elasticsearch.replicas");
        }
    }

    @Test
    void waitForActiveShardsIsUnsetANumberOrAll() {
        assertThat(ClusterSettings.waitForActiveShards("")).isNull();
        assertThat(ClusterSettings.waitForActiveShards(null)).isNull();
        assertThat(ClusterSettings.waitForActiveShards(" 2 ")).isEqualTo("2");
        assertThat(ClusterSettings.waitForActiveShards("ALL")).isEqualTo("all");
        for (String wrong : List.of("0", "-1", "two", "1.0")) {
            assertThatThrownBy(() -> ClusterSettings.waitForActiveShards(wrong)).as(wrong)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everyWriteRequestCarriesWaitForActiveShardsAndReadsDoNot() throws Exception {
        es.stubFor(any(anyUrl()).willReturn(esJson("{}")));
        es.stubFor(post(urlPathEqualTo("/_bulk")).willReturn(esJson(bulkAnswer(201, null))));
        es.stubFor(put(urlPathMatching("/idx/_(create|doc)/1")).willReturn(esJson(writeAnswer("created"))));
        es.stubFor(post(urlPathEqualTo("/idx/_update/1")).willReturn(esJson(writeAnswer("updated"))));
        es.stubFor(any(urlPathEqualTo("/idx/_doc/2")).willReturn(esJson(writeAnswer("deleted"))));
        es.stubFor(post(urlPathEqualTo("/idx/_search")).willReturn(esJson(
                "{\"took\":1,\"timed_out\":false,\"_shards\":{\"total\":1,\"successful\":1,\"skipped\":0,\"failed\":0},"
                        + "\"hits\":{\"hits\":[]}}")));
        ElasticsearchClient client = ElasticsearchStore.newClient(List.of(URI.create(es.baseUrl())), null, null, "2",
                new JacksonJsonpMapper());

        client.bulk(b -> b.operations(o -> o.create(c -> c.index("idx").id("1").document(Map.of("a", 1)))));
        client.create(c -> c.index("idx").id("1").document(Map.of("a", 1)));
        client.index(i -> i.index("idx").id("1").document(Map.of("a", 1)));
        client.update(u -> u.index("idx").id("1").doc(Map.of("a", 2)), Map.class);
        client.delete(d -> d.index("idx").id("2"));
        client.search(s -> s.index("idx"), Map.class);
        // a write that sets its own value keeps it
        client.index(i -> i.index("idx").id("1").document(Map.of("a", 1)).waitForActiveShards(w -> w.option(
                co.elastic.clients.elasticsearch._types.WaitForActiveShardOptions.All)));

        List<LoggedRequest> requests = es.findAll(anyRequestedFor(anyUrl()));
        assertThat(requests).hasSize(7);
        for (LoggedRequest r : requests.subList(0, 5)) {
            assertThat(r.queryParameter("wait_for_active_shards").firstValue()).as(r.getMethod() + " " + r.getUrl())
                    .isEqualTo("2");
        }
        assertThat(requests.get(5).getUrl()).startsWith("/idx/_search");
        assertThat(requests.get(5).getUrl()).doesNotContain("wait_for_active_shards");
        assertThat(requests.get(6).queryParameter("wait_for_active_shards").firstValue()).isEqualTo("all");
    }

    @Test
    void unsetWaitForActiveShardsSendsNone() throws Exception {
        es.stubFor(post(urlPathEqualTo("/_bulk")).willReturn(esJson(bulkAnswer(201, null))));
        ElasticsearchClient client = ElasticsearchStore.newClient(List.of(URI.create(es.baseUrl())), null, null, null,
                new JacksonJsonpMapper());
        client.bulk(b -> b.operations(o -> o.create(c -> c.index("idx").id("1").document(Map.of("a", 1)))));
        assertThat(es.findAll(postRequestedFor(urlPathEqualTo("/_bulk"))).get(0).getUrl())
                .doesNotContain("wait_for_active_shards");
    }

    @Test
    void aNodeThatCannotBeReachedIsSkippedAndTheRequestGoesToTheNext() throws Exception {
        es.stubFor(post(urlPathEqualTo("/_bulk")).willReturn(esJson(bulkAnswer(201, null))));
        URI dead = URI.create("http://127.0.0.1:" + freePort());
        ElasticsearchClient client = ElasticsearchStore.newClient(List.of(dead, URI.create(es.baseUrl())), "elastic",
                "pw", null, new JacksonJsonpMapper());
        for (int i = 0; i < 4; i++) {
            assertThat(client.bulk(b -> b.operations(o -> o.create(c -> c.index("idx").id("1")
                    .document(Map.of("a", 1))))).errors()).isFalse();
        }
        assertThat(es.findAll(postRequestedFor(urlPathEqualTo("/_bulk")))).hasSize(4)
                .allSatisfy(r -> assertThat(r.getHeader("Authorization")).startsWith("Basic "));
    }

    /**
     * The store itself: its templates get the replicas, its group commit's {@code _bulk} the wait, and an item that
     * failed because too few copies were active (503 {@code unavailable_shards_exception}) fails the write with
     * {@link StoreUnavailableException} (the webhook is answered 503, never 200 for an item not written).
     */
    @Test
    void theStoreSendsReplicasInItsTemplatesAndFailsAnItemWithoutEnoughActiveShards() throws Exception {
        es.stubFor(any(anyUrl()).willReturn(esJson("{\"acknowledged\":true}")));
        es.stubFor(get(urlPathMatching("/_cluster/health/.*")).willReturn(esJson(health())));
        es.stubFor(post(urlPathEqualTo("/_bulk")).willReturn(esJson(bulkAnswer(201, null))));
        ElasticsearchStore store = new ElasticsearchStore();
        store.setUrl("http://127.0.0.1:" + freePort() + "," + es.baseUrl());
        store.setWaitForActiveShards("2");
        store.setReplicas("1");
        store.setWriteTimeoutMs(5000);
        store.start();
        try {
            assertThat(store.notReady()).isNull();
            es.verify(putRequestedFor(urlPathEqualTo("/_index_template/whatsapp-messages"))
                    .withRequestBody(matchingJsonPath("$.template.settings.number_of_replicas", equalTo("1")))
                    .withRequestBody(matchingJsonPath("$.template.settings.auto_expand_replicas",
                            equalTo("false"))));
            assertThat(store.createDocument("whatsapp-messages", "m1", Map.of("a", 1)).get(5, TimeUnit.SECONDS))
                    .isEqualTo(WriteOutcome.STORED);
            LoggedRequest bulk = es.findAll(postRequestedFor(urlPathEqualTo("/_bulk"))).get(0);
            assertThat(bulk.queryParameter("wait_for_active_shards").firstValue()).isEqualTo("2");
            assertThat(bulk.queryParameter("require_alias").firstValue()).isEqualTo("true");

            es.stubFor(post(urlPathEqualTo("/_bulk")).willReturn(esJson(bulkAnswer(503,
                    "{\"type\":\"unavailable_shards_exception\",\"reason\":\"[whatsapp-messages-000001][0] Not enough"
                            + " active copies to meet shard count of [2] (have 1, needed 2)\"}"))));
            assertThatThrownBy(() -> store.createDocument("whatsapp-messages", "m2", Map.of("a", 1))
                    .get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("503").hasMessageContaining("Not enough active copies");
        } finally {
            store.stop();
        }
    }

    /** A JSON answer as Elasticsearch gives it (the client refuses an answer without its product header). */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder esJson(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("X-Elastic-Product", "Elasticsearch").withBody(body);
    }

    private static String bulkAnswer(int status, String error) {
        String item = error == null
                ? "{\"create\":{\"_index\":\"idx-000001\",\"_id\":\"1\",\"_version\":1,\"result\":\"created\","
                        + "\"_shards\":{\"total\":2,\"successful\":2,\"failed\":0},\"_seq_no\":0,\"_primary_term\":1,"
                        + "\"status\":" + status + "}}"
                : "{\"create\":{\"_index\":\"idx-000001\",\"_id\":\"1\",\"status\":" + status + ",\"error\":" + error
                        + "}}";
        return "{\"took\":1,\"errors\":" + (error != null) + ",\"items\":[" + item + "]}";
    }

    private static String writeAnswer(String result) {
        return "{\"_index\":\"idx-000001\",\"_id\":\"1\",\"_version\":1,\"result\":\"" + result + "\","
                + "\"_shards\":{\"total\":2,\"successful\":2,\"failed\":0},\"_seq_no\":0,\"_primary_term\":1}";
    }

    private static String health() {
        return "{\"cluster_name\":\"c\",\"status\":\"green\",\"timed_out\":false,\"number_of_nodes\":3,"
                + "\"number_of_data_nodes\":3,\"active_primary_shards\":1,\"active_shards\":2,\"relocating_shards\":0,"
                + "\"initializing_shards\":0,\"unassigned_shards\":0,\"unassigned_primary_shards\":0,"
                + "\"delayed_unassigned_shards\":0,\"number_of_pending_tasks\":0,\"number_of_in_flight_fetch\":0,"
                + "\"task_max_waiting_in_queue_millis\":0,\"active_shards_percent_as_number\":100.0}";
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
