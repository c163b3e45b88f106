package io.wagateway.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The dead-letter channel's operator side: list, replay (idempotently), delete; and the local journal's drain. */
class AdminReplayIT extends GatewayIntegrationTest {

    private HttpResponse<String> admin(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A dead letter as the channel writes it when a valid webhook could not be stored (e.g. retries exhausted). */
    private String deadLetter(String provider, byte[] raw, String reason) throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        String doc = JSON.createObjectNode().put("id", id).put("provider", provider).put("route_id", provider + "-inbound")
                .put("reason", reason).put("error", "Elasticsearch did not confirm in time")
                .put("raw_body_base64", Base64.getEncoder().encodeToString(raw)).put("raw_body_bytes", raw.length)
                .put("attempts", 3).put("received_at", java.time.Instant.now().toString()).toString();
        assertThat(es("PUT", "/" + store().getDeadLettersIndex() + "/_doc/" + id + "?refresh=true", doc).statusCode())
                .isEqualTo(201);
        return id;
    }

    @Test
    void theAdminEndpointsNeedTheBearerToken() throws Exception {
        assertThat(admin("GET", "/admin/dead-letters", null).statusCode()).isEqualTo(401);
        assertThat(admin("GET", "/admin/dead-letters", "wrong").statusCode()).isEqualTo(401);
        assertThat(admin("POST", "/admin/dead-letters/replay", "wrong").statusCode()).isEqualTo(401);
        assertThat(admin("GET", "/admin/dead-letters", "test-admin-token").statusCode()).isEqualTo(200);
    }

    @Test
    void aDeadLetteredWebhookIsListedReplayedTwiceIntoOneMessageAndDeleted() throws Exception {
        byte[] raw = Fixtures.bytes("webhooks/meta/batch_two_messages_one_status.json");
        String id = deadLetter("meta", raw, "retries-exhausted");
        deadLetter("waha", "{}".getBytes(StandardCharsets.UTF_8), "retries-exhausted");

        JsonNode list = JSON.readTree(admin("GET", "/admin/dead-letters?provider=meta", "test-admin-token").body());
        assertThat(list.path("total").asInt()).isEqualTo(1);
        assertThat(list.path("items").get(0).path("id").asText()).isEqualTo(id);
        assertThat(list.path("items").get(0).has("raw_body_base64")).isFalse();
        JsonNode one = JSON.readTree(admin("GET", "/admin/dead-letters/" + id, "test-admin-token").body());
        assertThat(Base64.getDecoder().decode(one.path("raw_body_base64").asText())).isEqualTo(raw);

        JsonNode first = JSON.readTree(admin("POST", "/admin/dead-letters/" + id + "/replay", "test-admin-token").body());
        assertThat(first.path("outcome").asText()).as(first.toString()).contains("\"stored\":2");
        JsonNode second = JSON.readTree(admin("POST", "/admin/dead-letters/" + id + "/replay", "test-admin-token").body());
        assertThat(second.path("outcome").asText()).contains("\"duplicate\":2");
        assertThat(all(store().getMessagesIndex())).hasSize(2);
        JsonNode marked = JSON.readTree(admin("GET", "/admin/dead-letters/" + id, "test-admin-token").body());
        assertThat(marked.path("replays").asInt()).isEqualTo(2);

        assertThat(admin("DELETE", "/admin/dead-letters/" + id, "test-admin-token").statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/admin/dead-letters/" + id, "test-admin-token").statusCode()).isEqualTo(404);
    }

    @Test
    void replayAllMatchingAFilter() throws Exception {
        deadLetter("waha", Fixtures.bytes("webhooks/waha/message_inbound_text.json"), "retries-exhausted");
        deadLetter("waha", Fixtures.bytes("webhooks/waha/message_group.json"), "retries-exhausted");
        deadLetter("meta", Fixtures.bytes("webhooks/meta/inbound_text.json"), "retries-exhausted");
        JsonNode r = JSON.readTree(admin("POST", "/admin/dead-letters/replay?provider=waha", "test-admin-token").body());
        assertThat(r.path("matched").asInt()).isEqualTo(2);
        assertThat(all(store().getMessagesIndex())).extracting(m -> m.path("provider").asText())
                .containsExactly("waha", "waha");
    }

    @Test
    void aMalformedBodyIsDeadLetteredAndItsReplayFailsAgainVisibly() throws Exception {
        byte[] broken = "{\"event\":\"message\",".getBytes(StandardCharsets.UTF_8);
        assertThat(postWaha(broken).statusCode()).isEqualTo(400);
        JsonNode list = JSON.readTree(admin("GET", "/admin/dead-letters?reason=malformed-payload", "test-admin-token").body());
        assertThat(list.path("total").asInt()).isEqualTo(1);
        String id = list.path("items").get(0).path("id").asText();
        // kept by the dead-letter channel (webhook-errors -> direct:dead-letter) with the exact bytes received
        JsonNode kept = JSON.readTree(admin("GET", "/admin/dead-letters/" + id, "test-admin-token").body());
        assertThat(Base64.getDecoder().decode(kept.path("raw_body_base64").asText())).isEqualTo(broken);
        assertThat(kept.path("route_id").asText()).isEqualTo("waha-inbound");
        JsonNode replay = JSON.readTree(admin("POST", "/admin/dead-letters/" + id + "/replay", "test-admin-token").body());
        assertThat(replay.path("error").asText()).contains("not valid JSON");
        assertThat(all(store().getMessagesIndex())).isEmpty();
    }

    @Test
    void theLocalJournalIsDrainedIntoElasticsearchOnce() throws Exception {
        DeadLetterStore deadLetters = camelContext.getRegistry().lookupByNameAndType("deadLetterStore", DeadLetterStore.class);
        Path dir = Path.of("target/dead-letters");
        Files.createDirectories(dir);
        String line = JSON.createObjectNode().put("id", "journaled-1").put("provider", "waha").put("reason", "malformed-payload")
                .put("raw_body_base64", Base64.getEncoder().encodeToString("x".getBytes(StandardCharsets.UTF_8)))
                .put("received_at", java.time.Instant.now().toString()).toString();
        Path file = dir.resolve("dead-letters-2026-01-01.jsonl");
        Files.writeString(file, line + "\n" + line + "\n", StandardCharsets.UTF_8); // a line written twice
        assertThat(deadLetters.drainJournal()).isEqualTo(2);
        assertThat(file).doesNotExist();
        assertThat(all(store().getDeadLettersIndex())).singleElement()
                .satisfies(d -> assertThat(d.path("_id").asText()).isEqualTo("journaled-1"));
    }
}
