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
}
