package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WAHA inbound: every developer fixture, byte-exact and signed (HMAC-SHA512), against real Elasticsearch. */
class WahaWebhookIT extends GatewayIntegrationTest {

    private static String id(String payloadId) {
        return "waha:default:" + payloadId;
    }

    @Test
    void everyFixtureIsAcceptedWithItsSignatureAndRejectedWhenForged() throws Exception {
        List<Path> files = Fixtures.all("webhooks/waha");
        assertThat(files).hasSize(6);
        for (Path file : files) {
            byte[] body = Fixtures.bytes(file);
            byte[] tampered = body.clone();
            tampered[tampered.length / 2] ^= 1;
            HttpResponse<String> forged = post("/webhooks/waha", tampered, Map.of("Content-Type", "application/json",
                    "X-Webhook-Hmac", Fixtures.wahaSignature(body)));
            assertThat(forged.statusCode()).as("tampered %s", file).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).isEmpty();

        for (Path file : files) {
            HttpResponse<String> r = postWaha(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file, r.body()).isEqualTo(200);
        }
        assertThat(all(store().getMessagesIndex())).hasSize(4);
        assertThat(all(store().getUpdatesIndex())).hasSize(1);
    }

    @Test
    void headerValuesFromTheFixtureReadmeVerify() throws Exception {
        // the table in fixtures/webhooks/README.md, computed with openssl over the exact file bytes
        byte[] body = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        HttpResponse<String> r = post("/webhooks/waha", body, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", "270a5ae10369e364a0a6696ca7bbaddf45102d0efd709c3e29f5036d50440c870022f7937dc4e88443a057a5cb27ebde6d38bb20a45fd3089c916937b0eed4dc",
                "X-Webhook-Hmac-Algorithm", "sha512"));
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void inboundTextIsStoredWithTheCanonicalFields() throws Exception {
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        JsonNode doc = message(id("false_15550100001@c.us_3EB0FAKE00000000000201"));
        assertThat(doc.path("provider").asText()).isEqualTo("waha");
        assertThat(doc.path("account_id").asText()).isEqualTo("default");
        assertThat(doc.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hello! Do you have the blue model in size 42?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T11:00:00Z");
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("id").asText()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000201");
    }

    @Test
    void ownMessageGroupAndMedia() throws Exception {
        for (String f : List.of("message_any_outbound_fromme", "message_group", "message_media_image")) {
            assertThat(postWaha(Fixtures.bytes("webhooks/waha/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode own = message(id("true_15550100001@c.us_3EB0FAKE00000000000202"));
        assertThat(own.path("from_me").asBoolean()).isTrue();
        assertThat(own.path("chat_id").asText()).isEqualTo("15550100001@c.us");
        assertThat(own.path("sender_id").asText()).isEqualTo("15550100100@c.us");
        assertThat(own.path("status").asText()).isEqualTo("pending");

        JsonNode group = message(id("false_120363000000000001@g.us_3EB0FAKE00000000000203_15550100002@c.us"));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("120363000000000001@g.us");
        assertThat(group.path("sender_id").asText()).isEqualTo("15550100002@c.us");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");
        // the group's name comes from WAHA's API (WireMock), asked once with the API key
        assertThat(group.path("chat_name").asText()).isEqualTo("Group 120363000000000001@g.us");
        PEERS.verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                        "/api/default/groups/120363000000000001@g.us"))
                .withHeader("X-Api-Key", com.github.tomakehurst.wiremock.client.WireMock.equalTo("test-waha-key")));
        // a direct chat is named after the other party's push name, without any call
        assertThat(message(id("false_15550100003@c.us_3EB0FAKE00000000000204")).path("chat_name").asText())
                .isEqualTo("Chen Testperson");

        JsonNode image = message(id("false_15550100003@c.us_3EB0FAKE00000000000204"));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("url").asText()).endsWith(".jpeg");
        assertThat(image.path("text").asText()).isEqualTo("Photo of the serial number");
    }

    @Test
    void messageAndMessageAnyOfTheSameMessageMakeOneDocument() throws Exception {
        byte[] message = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        byte[] any = new String(message, StandardCharsets.UTF_8)
                .replace("\"event\": \"message\"", "\"event\": \"message.any\"")
                .replace("evt_01kb2x3y4z5a6b7c8d9e0f1g2h", "evt_01kb2x3y4z5a6b7c8d9e0f1g2z")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(any).isNotEqualTo(message);
        HttpResponse<String> first = postWaha(message);
        HttpResponse<String> second = postWaha(any);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).path("duplicate").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }

    @Test
    void ackIsAnUpdateAndSessionStatusIsAcknowledged() throws Exception {
        HttpResponse<String> ack = postWaha(Fixtures.bytes("webhooks/waha/message_ack_read.json"));
        assertThat(ack.statusCode()).isEqualTo(200);
        HttpResponse<String> session = postWaha(Fixtures.bytes("webhooks/waha/session_status_working.json"));
        assertThat(session.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(session.body()).path("ignored").asInt()).isEqualTo(1);

        assertThat(all(store().getMessagesIndex())).isEmpty();
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("status").asText()).isEqualTo("read");
        assertThat(updates.get(0).path("target_message_id").asText()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000202");
    }
}
