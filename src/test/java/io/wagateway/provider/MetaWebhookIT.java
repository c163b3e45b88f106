package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Meta WhatsApp Cloud API inbound: every developer fixture, byte-exact and signed, against real Elasticsearch. */
class MetaWebhookIT extends GatewayIntegrationTest {

    private static final String ACCOUNT = "100000000000002";

    private static String id(String wamid) {
        return "meta:" + ACCOUNT + ":" + wamid;
    }

    @Test
    void everyFixtureIsAcceptedWithItsSignatureAndRejectedWhenForged() throws Exception {
        List<Path> files = Fixtures.all("webhooks/meta");
        assertThat(files).hasSize(8);
        for (Path file : files) {
            byte[] body = Fixtures.bytes(file);
            HttpResponse<String> forged = post("/webhooks/meta", body, Map.of("Content-Type", "application/json",
                    "X-Hub-Signature-256", "sha256=" + Fixtures.hmacHex("HmacSHA256", "another".getBytes())));
            assertThat(forged.statusCode()).as("forged %s", file).isEqualTo(401);
        }
        assertThat(all(store().getMessagesIndex())).as("nothing stored from forged requests").isEmpty();
        assertThat(all(store().getUpdatesIndex())).isEmpty();

        for (Path file : files) {
            HttpResponse<String> r = postMeta(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file, r.body()).isEqualTo(200);
        }
        // 8 files: 8 messages (the batch has 2, status_delivered none) and 2 statuses (batch, status_delivered)
        assertThat(all(store().getMessagesIndex())).hasSize(8);
        assertThat(all(store().getUpdatesIndex())).hasSize(2);
    }

    @Test
    void inboundTextIsStoredWithTheCanonicalFields() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        HttpResponse<String> r = postMeta(body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);

        JsonNode doc = message(id("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA="));
        assertThat(doc).isNotNull();
        assertThat(doc.path("provider").asText()).isEqualTo("meta");
        assertThat(doc.path("account_id").asText()).isEqualTo(ACCOUNT);
        // the fixture carries from_user_id: a Meta user is keyed on the BSUID, the phone is kept beside it
        // (issue 16 item 2, docs/data-rules.md "Meta chat key"; was chat_id = sender_id = "15550100001")
        assertThat(doc.path("chat_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("chat_type").asText()).isEqualTo("direct");
        assertThat(doc.path("sender_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("sender_user_id").asText()).isEqualTo("US.10000000000000000001");
        assertThat(doc.path("sender_phone").asText()).isEqualTo("15550100001");
        assertThat(doc.path("sender_name").asText()).isEqualTo("Alex Example");
        assertThat(doc.path("from_me").asBoolean()).isFalse();
        assertThat(doc.path("type").asText()).isEqualTo("text");
        assertThat(doc.path("text").asText()).isEqualTo("Hi, is my order #4821 ready for pickup?");
        assertThat(doc.path("timestamp").asText()).isEqualTo("2026-01-05T10:00:00Z");
        assertThat(doc.path("received_at").asText()).isNotEmpty();
        assertThat(doc.path("status").asText()).isEqualTo("received");
        assertThat(doc.path("raw").path("text").path("body").asText()).isEqualTo("Hi, is my order #4821 ready for pickup?");
    }

    @Test
    void batchYieldsOneDocumentPerMessageAndKeepsTheStatus() throws Exception {
        HttpResponse<String> r = postMeta(Fixtures.bytes("webhooks/meta/batch_two_messages_one_status.json"));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode outcome = JSON.readTree(r.body());
        assertThat(outcome.path("stored").asInt()).isEqualTo(2);
        assertThat(outcome.path("update_stored").asInt()).isEqualTo(1);

        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).extracting(d -> d.path("text").asText())
                .containsExactlyInAnyOrder("Also, can I change the pickup to tomorrow?", "Hello, do you ship to Lisbon?");
        assertThat(docs).extracting(d -> d.path("sender_name").asText())
                .containsExactlyInAnyOrder("Alex Example", "Chen Testperson");

        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("update").asText()).isEqualTo("status");
        assertThat(updates.get(0).path("status").asText()).isEqualTo("read");
        assertThat(updates.get(0).path("target_message_id").asText())
                .isEqualTo("wamid.HBgLMTU1NTAxMDAwMDIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwOAA=");
    }

    @Test
    void secondDeliveryLeavesOneDocument() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        assertThat(postMeta(body).statusCode()).isEqualTo(200);
        HttpResponse<String> again = postMeta(body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asInt()).isEqualTo(1);

        // a redelivery that bypasses this instance's memory (restart, other replica) is caught by Elasticsearch
        camelContext.getRegistry().lookupByNameAndType("messageIdempotentRepository",
                org.apache.camel.spi.IdempotentRepository.class).clear();
        HttpResponse<String> third = postMeta(body);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(third.body()).path("duplicate").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).hasSize(1);
    }

    @Test
    void mediaGroupEchoAndInteractiveShapes() throws Exception {
        for (String f : List.of("inbound_image", "group_text", "outbound_smb_message_echo", "interactive_button_reply",
                "interactive_list_reply")) {
            assertThat(postMeta(Fixtures.bytes("webhooks/meta/" + f + ".json")).statusCode()).isEqualTo(200);
        }
        JsonNode image = message(id("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNAA="));
        assertThat(image.path("type").asText()).isEqualTo("image");
        assertThat(image.path("text").asText()).isEqualTo("Damaged box on arrival");
        assertThat(image.path("media").path("mime").asText()).isEqualTo("image/jpeg");
        assertThat(image.path("media").path("id").asText()).isEqualTo("900000000000104");
        assertThat(image.path("media").path("url").asText()).startsWith("https://lookaside.fbsbx.com/");

        JsonNode group = message(id("wamid.HBgLMTU1NTAxMDAwMDIVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMwA="));
        assertThat(group.path("chat_type").asText()).isEqualTo("group");
        assertThat(group.path("chat_id").asText()).isEqualTo("Y2FwaV9ncm91cDoxNTU1MDEwMDEwMDoxMjAzNjMwMDAwMDAwMDA5MDE=");
        assertThat(group.path("sender_id").asText()).isEqualTo("US.10000000000000000002");   // was the phone
        assertThat(group.path("sender_phone").asText()).isEqualTo("15550100002");
        assertThat(group.path("sender_name").asText()).isEqualTo("Bea Sample");

        JsonNode echo = message(id("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMgA="));
        assertThat(echo.path("from_me").asBoolean()).isTrue();
        assertThat(echo.path("chat_id").asText()).isEqualTo("15550100001");
        assertThat(echo.path("sender_id").asText()).isEqualTo("15550100100");

        JsonNode button = message(id("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMAA="));
        assertThat(button.path("type").asText()).isEqualTo("interactive");
        assertThat(button.path("text").asText()).isEqualTo("Reschedule");
        assertThat(button.path("reply_to").asText()).isEqualTo("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwOQA=");

        JsonNode list = message(id("wamid.HBgLMTU1NTAxMDAwMDMVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDExMgA="));
        assertThat(list.path("text").asText()).isEqualTo("Express (1-2 days)");
    }

    @Test
    void statusIsKeptAsAnUpdateNotAsAMessage() throws Exception {
        HttpResponse<String> r = postMeta(Fixtures.bytes("webhooks/meta/status_delivered.json"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(all(store().getMessagesIndex())).isEmpty();
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(updates.get(0).path("_id").asText()).isEqualTo(
                "meta:" + ACCOUNT + ":wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNQA=:status:delivered");
    }

    @Test
    void verificationHandshake() throws Exception {
        HttpResponse<String> ok = get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test-verify-token");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");
        assertThat(get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong").statusCode())
                .isEqualTo(403);
        assertThat(get("/webhooks/meta?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token")
                .statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta?hub.mode=subscribe&hub.challenge=1").statusCode()).isEqualTo(403);
    }

    @Test
    void missingSignatureIsRejected() throws Exception {
        HttpResponse<String> r = post("/webhooks/meta", Fixtures.bytes("webhooks/meta/inbound_text.json"),
                Map.of("Content-Type", "application/json"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(all(store().getMessagesIndex())).isEmpty();
    }
}
