package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear answer and loses nothing. */
class BadInputIT extends GatewayIntegrationTest {

    @Test
    void malformedJsonIs400AndItsRawBytesAreDeadLettered() throws Exception {
        byte[] body = "{\"event\":\"message\", \"payload\": {\"id\": \u00e9 broken".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postWaha(body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("malformed");

        List<JsonNode> dead = all(store().getDeadLettersIndex());
        assertThat(dead).hasSize(1);
        JsonNode letter = dead.get(0);
        assertThat(letter.path("provider").asText()).isEqualTo("waha");
        assertThat(letter.path("route_id").asText()).isEqualTo("waha-inbound");
        assertThat(letter.path("reason").asText()).isEqualTo("malformed-payload");
        assertThat(Base64.getDecoder().decode(letter.path("raw_body_base64").asText())).isEqualTo(body);
        JsonNode headers = letter.path("headers");
        String hmacHeader = java.util.stream.StreamSupport.stream(
                java.util.Spliterators.spliteratorUnknownSize(headers.fieldNames(), 0), false)
                .filter(n -> n.equalsIgnoreCase("X-Webhook-Hmac")).findFirst().orElseThrow();
        assertThat(headers.path(hmacHeader).asText()).isEqualTo("[redacted]");
        assertThat(letter.toString()).doesNotContain(Fixtures.wahaSignature(body));
        assertThat(all(store().getMessagesIndex())).isEmpty();
    }

    @Test
    void signedJsonThatIsNotAnObjectIs400() throws Exception {
        assertThat(postMeta("[1,2,3]".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        assertThat(postMeta(new byte[0]).statusCode()).isEqualTo(400);
    }

    @Test
    void jsonSentWithTheFormContentTypeIsParsedFromTheBytes() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        HttpResponse<String> r = post("/webhooks/waha", body, Map.of(
                "Content-Type", "application/x-www-form-urlencoded",
                "X-Webhook-Hmac", Fixtures.wahaSignature(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(message("waha:default:false_15550100001@c.us_3EB0FAKE00000000000201")).isNotNull();
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        byte[] huge = new byte[3 * 1024 * 1024 + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> r = postMeta(huge);
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void unknownEventAndUnknownMetaFieldAre200AndNotStored() throws Exception {
        byte[] waha = "{\"event\":\"something.new\",\"session\":\"default\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postWaha(waha);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("ignored").asInt()).isEqualTo(1);

        byte[] meta = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":"
                + "\"account_update\",\"value\":{\"event\":\"VERIFIED_ACCOUNT\"}}]}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> m = postMeta(meta);
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(m.body()).path("ignored").asInt()).isEqualTo(1);
        assertThat(all(store().getMessagesIndex())).isEmpty();
    }

    @Test
    void unknownMessageTypeIsStoredAsSuch() throws Exception {
        byte[] meta = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":"
                + "\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"42\"},\"messages\":[{\"from\":\"1555\","
                + "\"id\":\"wamid.NEW\",\"timestamp\":\"1767607200\",\"type\":\"hologram\",\"hologram\":{}}]}}]}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(postMeta(meta).statusCode()).isEqualTo(200);
        JsonNode doc = message("meta:42:wamid.NEW");
        assertThat(doc.path("type").asText()).isEqualTo("unsupported");
        assertThat(doc.path("raw").path("type").asText()).isEqualTo("hologram");
    }
    /**
     * Numeric fields are length-checked before parsing (issue 15 item 14): a signed body whose timestamp has
     * 1,000,000 digits took 16.5 s of CPU. As a string it is an unreadable timestamp: the message is stored without
     * one. As a JSON number it exceeds Jackson's maxNumberLength (1000): the body is malformed, answered 400 and
     * dead-lettered byte-exact.
     */
    @Test
    void aMillionDigitTimestampIsAnsweredPromptlyAndTheMessageKept() throws Exception {
        String digits = "7".repeat(1_000_000);
        byte[] meta = new String(Fixtures.bytes("webhooks/meta/inbound_text.json"), StandardCharsets.UTF_8)
                .replaceFirst("\"timestamp\": ?\"\\d+\"", "\"timestamp\":\"" + digits + "\"")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(meta.length).isGreaterThan(1_000_000);
        long started = System.nanoTime();
        HttpResponse<String> r = postMeta(meta);
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("stored").asInt()).isEqualTo(1);
        List<JsonNode> stored = all(store().getMessagesIndex());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).hasNonNull("timestamp")).as("an unreadable timestamp is null").isFalse();
        assertThat(ms).as("answered promptly (generous bound)").isLessThan(5000);

        byte[] waha = new String(Fixtures.bytes("webhooks/waha/message_inbound_text.json"), StandardCharsets.UTF_8)
                .replaceFirst("\"timestamp\": ?\\d+", "\"timestamp\":" + digits)
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> w = postWaha(waha);
        assertThat(w.statusCode()).as(w.body()).isEqualTo(400);
        List<JsonNode> dead = all(store().getDeadLettersIndex());
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).path("error").asText()).contains("Number value length");
        assertThat(Base64.getDecoder().decode(dead.get(0).path("raw_body_base64").asText())).isEqualTo(waha);
    }

    /** Sizes and acks given as absurdly long strings are left out or unknown, never parsed at length. */
    @Test
    void longNumericStringsInSizesAndAcksAreTreatedAsMissing() throws Exception {
        String digits = "9".repeat(200_000);
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(Fixtures.bytes("webhooks/periskope/message_created_media_image.json"));
        com.fasterxml.jackson.databind.node.ObjectNode data = (com.fasterxml.jackson.databind.node.ObjectNode) body.get("data");
        ((com.fasterxml.jackson.databind.node.ObjectNode) data.get("media")).put("size", digits);
        data.put("ack", digits);
        data.put("timestamp", digits);
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postPeriskope(bytes);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> stored = all(store().getMessagesIndex());
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).path("media").hasNonNull("size_bytes")).isFalse();
    }
}
