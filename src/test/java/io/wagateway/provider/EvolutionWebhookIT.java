package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fifth provider, Evolution API, added with a route file and properties only: its payload is mapped by the jq
 * expression in routes/evolution-api.camel.yaml, authenticated by the generic verifier's static-header scheme, and
 * stored like the others.
 */
class EvolutionWebhookIT extends GatewayIntegrationTest {

    private static String id(String messageId) {
        return "evolution:shop-main:" + messageId;
    }

    private HttpResponse<String> postEvolution(byte[] body) throws Exception {
        return post("/webhooks/evolution", body, Map.of("Content-Type", "application/json",
                "X-Evolution-Secret", Fixtures.SECRET));
    }

    @Test
    void everyFixtureIsAcceptedWithTheSecretHeaderAndRejectedWithout() throws Exception {
        List<Path> files = Fixtures.all("webhooks/evolution");
        assertThat(files).hasSize(5);
        for (Path file : files) {
            byte[] body = Fixtures.bytes(file);
            assertThat(post("/webhooks/evolution", body, Map.of("Content-Type", "application/json")).statusCode())
                    .as("no secret header: %s", file).isEqualTo(401);
            assertThat(post("/webhooks/evolution", body, Map.of("Content-Type", "application/json",
                    "X-Evolution-Secret", "wrong")).statusCode()).as("wrong secret: %s", file).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).isEmpty();
        for (Path file : files) {
            HttpResponse<String> r = postEvolution(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file, r.body()).isEqualTo(200);
        }
        assertThat(all(store().getMessagesIndex())).hasSize(4);
        HttpResponse<String> again = postEvolution(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"));
        assertThat(JSON.readTree(again.body()).path("duplicate").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(4);
    }

    @Test
    void inboundTextIsStoredWithTheCanonicalFields() throws Exception {
        HttpResponse<String> r = postEvolution(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);
        JsonNode doc = message(id("3EB0EVOFAKE0000000000301"));
        assertThat(doc).isNotNull();
        assertThat(doc.path("provider").asText()).isEqualTo("evolution");
        assertThat(doc.path("account_id").asText()).isEqualTo("shop-main");
        assertThat(doc.path("message_id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(doc.path("chat_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("chat_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hi, is the blue model back in stock?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T11:20:00Z");
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("key").path("id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(doc.path("received_at").asText()).isNotEmpty();
    }

    @Test
    void groupReplyImageOwnMessageAndAnIgnoredEvent() throws Exception {
        for (String f : List.of("messages_upsert_group_reply", "messages_upsert_image", "messages_upsert_outbound_fromme")) {
            HttpResponse<String> r = postEvolution(Fixtures.bytes("webhooks/evolution/" + f + ".json"));
            assertThat(r.statusCode()).as("%s: %s", f, r.body()).isEqualTo(200);
        }
        JsonNode group = message(id("3EB0EVOFAKE0000000000302"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("120363000000000009@g.us");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@s.whatsapp.net");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        assertThat(group.path("text").asText()).isEqualTo("Same question here \u2014 any news?");
        assertThat(group.path("reply_to").asText()).isEqualTo("3EB0EVOFAKE0000000000300");

        JsonNode image = message(id("3EB0EVOFAKE0000000000303"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("text").asText()).isEqualTo("Photo of the receipt");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("size_bytes").asLong()).isEqualTo(48213L);
        assertThat(image.path("media").path("url").asText()).endsWith("fake-image.enc");

        JsonNode own = message(id("3EB0EVOFAKE0000000000304"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("sender_id").asText()).isEqualTo("15550100100@s.whatsapp.net");
        assertThat(own.path("chat_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(own.path("status").asText()).isEqualTo("sent");

        HttpResponse<String> connection = postEvolution(Fixtures.bytes("webhooks/evolution/connection_update.json"));
        assertThat(connection.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(connection.body()).path("ignored").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(3);
    }

    @Test
    void aReactionIsAnUpdateOfTheMessageItTargets() throws Exception {
        postEvolution(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"));
        String reaction = new String(Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json"),
                StandardCharsets.UTF_8)
                .replace("\"id\": \"3EB0EVOFAKE0000000000301\"", "\"id\": \"3EB0EVOFAKE0000000000399\"")
                .replace("\"conversation\": \"Hi, is the blue model back in stock?\"",
                        "\"reactionMessage\": {\"key\": {\"remoteJid\": \"15550100001@s.whatsapp.net\", \"fromMe\": false,"
                                + " \"id\": \"3EB0EVOFAKE0000000000301\"}, \"text\": \"\\ud83d\\udc4d\"}")
                .replace("\"messageType\": \"conversation\"", "\"messageType\": \"reactionMessage\"");
        HttpResponse<String> r = postEvolution(reaction.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("update").asText()).isEqualTo("reaction");
        assertThat(updates.get(0).path("target_message_id").asText()).isEqualTo("3EB0EVOFAKE0000000000301");
        assertThat(updates.get(0).path("text").asText()).isEqualTo("\ud83d\udc4d");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(message(id("3EB0EVOFAKE0000000000301")).path("reactions").toString()).contains("\ud83d\udc4d"));
    }

    /** The proof that the fifth provider needed no Java: no main source file mentions it. */
    @Test
    void noJavaSourceMentionsTheFifthProvider() throws Exception {
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            List<Path> mentions = s.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).toLowerCase(java.util.Locale.ROOT).contains("evolution");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertThat(mentions).isEmpty();
        }
    }
}
