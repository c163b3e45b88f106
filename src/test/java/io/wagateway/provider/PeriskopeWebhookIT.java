package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
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

/** Periskope inbound: every developer fixture, byte-exact and signed, enriched from a WireMock Periskope API. */
class PeriskopeWebhookIT extends GatewayIntegrationTest {

    private static String id(String messageId) {
        return "periskope:15550100100@c.us:" + messageId;
    }

    @Test
    void everyFixtureIsAcceptedSignedAndRejectedForged() throws Exception {
        List<Path> files = Fixtures.all("webhooks/periskope");
        assertThat(files).hasSize(5);
        for (Path file : files) {
            byte[] body = Fixtures.bytes(file);
            HttpResponse<String> forged = post("/webhooks/periskope", body, Map.of("Content-Type", "application/json",
                    "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", "other".getBytes())));
            assertThat(forged.statusCode()).as("forged %s", file).isEqualTo(401);
            assertThat(post("/webhooks/periskope", body, Map.of("Content-Type", "application/json")).statusCode())
                    .as("unsigned %s", file).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).isEmpty();
        assertThat(all(store().getUpdatesIndex())).isEmpty();

        for (Path file : files) {
            HttpResponse<String> r = postPeriskope(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file, r.body()).isEqualTo(200);
        }
        assertThat(all(store().getMessagesIndex())).hasSize(4);
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(updates.get(0).path("target_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000302");
    }

    @Test
    void headerValueFromTheFixtureReadmeVerifies() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        HttpResponse<String> r = post("/webhooks/periskope", body, Map.of("Content-Type", "application/json",
                "x-periskope-signature", "87bfeefe6c99933a0b54c7cefe2d131fcd76aa68963ec538695636b9aac45139"));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void inboundGroupAndMediaAreStoredWithNamesFromTheApi() throws Exception {
        for (String f : List.of("message_created_inbound_text", "message_created_group", "message_created_media_image",
                "message_created_outbound_from_me")) {
            assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode text = message(id("false_15550100001@c.us_3EB0FAKE00000000000301"));
        assertThat(text.path("provider").asText()).isEqualTo("periskope");
        assertThat(text.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(text.path("chat_type").asText()).isEqualTo("direct");
        assertThat(text.path("sender_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(text.path("from_me").asBoolean()).isFalse();
        assertThat(text.path("type").asText()).isEqualTo("text");
        assertThat(text.path("text").asText()).isEqualTo("Hi, what are your opening hours on Sunday?");
        assertThat(text.path("timestamp").asText()).isEqualTo("2026-01-05T12:00:00Z");
        assertThat(text.path("chat_name").asText()).isEqualTo("Chat 15550100001@c.us");
        assertThat(text.path("sender_name").asText()).isEqualTo("Chat 15550100001@c.us");

        JsonNode group = message(id("false_120363000000000002@g.us_3EB0FAKE00000000000303_15550100002@c.us"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@c.us");
        assertThat(group.path("chat_name").asText()).isEqualTo("Chat 120363000000000002@g.us");
        assertThat(group.path("sender_name").asText()).isEqualTo("Contact 15550100002");

        JsonNode image = message(id("false_15550100003@c.us_3EB0FAKE00000000000304"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("size_bytes").asLong()).isEqualTo(48213);
        assertThat(image.path("text").asText()).isEqualTo("Here is the receipt");

        JsonNode own = message(id("true_15550100001@c.us_3EB0FAKE00000000000302"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_name").asText()).isEqualTo("Chat 15550100001@c.us");

        // the API was asked with the documented credentials: Bearer key and x-phone = our number's digits
        PEERS.verify(getRequestedFor(urlPathEqualTo("/v1/chats/120363000000000002@g.us"))
                .withHeader("Authorization", WireMock.equalTo("Bearer test-periskope-key"))
                .withHeader("x-phone", WireMock.equalTo("15550100100")));
        // one call per chat: the own message's chat was already known from the inbound one
        PEERS.verify(1, getRequestedFor(urlPathEqualTo("/v1/chats/15550100001@c.us")));
    }

    @Test
    void eventTypeEnvelopeAndNumericAckAreAccepted() throws Exception {
        String body = new String(Fixtures.bytes("webhooks/periskope/message_ack_updated_delivered.json"),
                java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"event\": \"message.ack.updated\"", "\"event_type\": \"message.ack.updated\"")
                .replace("\"ack\": \"2\"", "\"ack\": 4");
        HttpResponse<String> r = postPeriskope(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(all(store().getUpdatesIndex())).singleElement()
                .satisfies(u -> assertThat(u.path("status").asText()).isEqualTo("read"));
    }
}
