package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Unipile inbound: every developer fixture, byte-exact, sent as API-created webhooks send them (JSON labelled
 * {@code application/x-www-form-urlencoded}) and authenticated by the secret header.
 */
class UnipileWebhookIT extends GatewayIntegrationTest {

    private static String id(String messageId) {
        return "unipile:FAKEacctWA00000000001w:" + messageId;
    }

    @Test
    void everyFixtureIsAcceptedWithTheSecretAndRejectedWithoutIt() throws Exception {
        List<Path> files = Fixtures.all("webhooks/unipile");
        assertThat(files).hasSize(5);
        for (Path file : files) {
            byte[] body = Fixtures.bytes(file);
            assertThat(post("/webhooks/unipile", body, Map.of("Content-Type", "application/x-www-form-urlencoded",
                    "Unipile-Auth", "wrong-secret")).statusCode()).as("wrong secret %s", file).isEqualTo(401);
            assertThat(post("/webhooks/unipile", body, Map.of("Content-Type", "application/x-www-form-urlencoded"))
                    .statusCode()).as("no secret %s", file).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).isEmpty();

        for (Path file : files) {
            HttpResponse<String> r = postUnipile(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file, r.body()).isEqualTo(200);
        }
        assertThat(all(store().getMessagesIndex())).hasSize(4);
        assertThat(all(store().getUpdatesIndex())).singleElement().satisfies(u -> {
            assertThat(u.path("update").asText()).isEqualTo("status");
            assertThat(u.path("status").asText()).isEqualTo("read");
            assertThat(u.path("target_message_id").asText()).isEqualTo("FAKEmsg000000000000402");
        });
    }

    @Test
    void sameBytesAsJsonContentTypeAlsoWork() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
        assertThat(post("/webhooks/unipile", body, Map.of("Content-Type", "application/json",
                "Unipile-Auth", Fixtures.SECRET)).statusCode()).isEqualTo(200);
        assertThat(message(id("FAKEmsg000000000000401"))).isNotNull();
    }

    @Test
    void namesComeFromThePayloadAndGroupNamesFromTheApi() throws Exception {
        for (String f : List.of("message_received_inbound_text", "message_received_outbound_is_sender",
                "message_received_group", "message_received_with_attachments")) {
            assertThat(postUnipile(Fixtures.bytes("webhooks/unipile/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode inbound = message(id("FAKEmsg000000000000401"));
        assertThat(inbound.path("chat_id").asText()).isEqualTo("FAKEchatA0000000000001");
        assertThat(inbound.path("chat_type").asText()).isEqualTo("direct");
        assertThat(inbound.path("sender_id").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(inbound.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(inbound.path("chat_name").asText()).isEqualTo("Alex Example");
        assertThat(inbound.path("text").asText()).isEqualTo("Good morning, I'd like to book a demo.");
        assertThat(inbound.path("timestamp").asText()).isEqualTo("2026-01-05T13:00:00Z");

        JsonNode own = message(id("FAKEmsg000000000000402"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_name").asText()).isEqualTo("Alex Example");

        JsonNode group = message(id("FAKEmsg000000000000403"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        assertThat(group.path("chat_name").asText()).isEqualTo("Unipile chat FAKEchatG0000000000001");

        JsonNode photos = message(id("FAKEmsg000000000000404"));
        assertThat(photos.path("type").asText()).isEqualTo("image");
        assertThat(photos.path("media").path("id").asText()).isEqualTo("FAKEatt0000000000000404a");
        assertThat(photos.path("media").path("mime").asText()).isEqualTo("image/jpeg");

        // only the group needed the API; direct chats were named from the payload
        PEERS.verify(1, getRequestedFor(urlPathMatching("/api/v1/chats/.*")));
        PEERS.verify(getRequestedFor(urlPathEqualTo("/api/v1/chats/FAKEchatG0000000000001"))
                .withHeader("X-API-KEY", WireMock.equalTo("test-unipile-key")));
    }

    /** The flat body without {@code event} of the replaced webhook manager (issue 16), as UnipileNormalizerTest. */
    private static com.fasterxml.jackson.databind.node.ObjectNode flat() throws Exception {
        return (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                io.wagateway.provider.unipile.UnipileNormalizerTest.FLAT);
    }

    @Test
    void aFlatBodyWithoutEventIsStoredWithItsSenderName() throws Exception {
        HttpResponse<String> r = postUnipile(flat().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode m = message(id("FAKEmsg000000000000501"));
        assertThat(m).as("stored").isNotNull();
        assertThat(m.path("sender_name").asText()).isEqualTo("Flat Sender");
        assertThat(m.path("sender_id").asText()).isEqualTo("15550100005@s.whatsapp.net");
        assertThat(m.path("text").asText()).isEqualTo("Hello, is the shop open today?");
        assertThat(m.path("channel").asText()).isEqualTo("WHATSAPP");
        assertThat(m.has("attachments")).isFalse();
    }

    @Test
    void threeAttachmentsAreAllKept() throws Exception {
        // attachment shapes: providers.md §4.5 Message object (img, video, file)
        com.fasterxml.jackson.databind.node.ObjectNode body = flat();
        body.put("message_id", "FAKEmsg000000000000502").put("message", "Three files");
        io.wagateway.provider.unipile.UnipileNormalizerTest.putThreeAttachments(body, "FAKEatt502");
        assertThat(postUnipile(body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(200);
        JsonNode m = message(id("FAKEmsg000000000000502"));
        assertThat(m.path("type").asText()).isEqualTo("image");
        assertThat(m.path("media").path("id").asText()).isEqualTo("FAKEatt502a");
        JsonNode all = m.path("attachments");
        assertThat(all).hasSize(3);
        assertThat(all.get(1).path("mime").asText()).isEqualTo("video/mp4");
        assertThat(all.get(1).path("size_bytes").asLong()).isEqualTo(2000);
        assertThat(all.get(2).path("filename").asText()).isEqualTo("offer.pdf");
        assertThat(all.get(2).path("caption").asText()).isEqualTo("Three files");
        // searchable by any attachment's id
        es("POST", "/whatsapp-messages/_refresh", null);
        String hits = es("POST", "/whatsapp-messages/_search",
                "{\"query\":{\"term\":{\"attachments.id\":\"FAKEatt502c\"}}}").body();
        assertThat(JSON.readTree(hits).path("hits").path("total").path("value").asInt()).isEqualTo(1);
    }
}
