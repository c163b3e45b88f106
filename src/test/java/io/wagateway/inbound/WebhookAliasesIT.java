package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.provider.unipile.UnipileNormalizerTest;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The replaced systems' webhook paths (issue 16 item 7): served by default beside {@code /webhooks/<provider>}, each
 * signed as its provider signs (fixtures/webhooks/README.md), with the same HTTP protections, and each can be turned
 * off by leaving it out of {@code gateway.<provider>.paths}.
 */
class WebhookAliasesIT extends GatewayIntegrationTest {

    private long stored(String provider) throws Exception {
        return all(store().getMessagesIndex()).stream().filter(d -> provider.equals(d.path("provider").asText()))
                .count();
    }

    @Test
    void everyAliasPathTakesItsProvidersSignedWebhookAndRefusesAWrongSignature() throws Exception {
        byte[] periskope = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        assertThat(post("/periskopewebhook", periskope, Map.of("Content-Type", "application/json",
                "x-periskope-signature", "00" + Fixtures.hmacHex("HmacSHA256", periskope).substring(2)))
                .statusCode()).isEqualTo(401);
        HttpResponse<String> r = post("/periskopewebhook", periskope, Map.of("Content-Type", "application/json",
                "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", periskope)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(stored("periskope")).isEqualTo(1);

        // Unipile: JSON labelled as a form (API-created webhooks, providers.md §4.2), the secret header
        byte[] unipile = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
        assertThat(post("/api/webhooks/unipile/messages", unipile, Map.of(
                "Content-Type", "application/x-www-form-urlencoded", "Unipile-Auth", "wrong-secret")).statusCode())
                .isEqualTo(401);
        r = post("/api/webhooks/unipile/messages", unipile, Map.of(
                "Content-Type", "application/x-www-form-urlencoded", "Unipile-Auth", Fixtures.SECRET));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(stored("unipile")).isEqualTo(1);

        byte[] meta = Fixtures.bytes("webhooks/meta/inbound_text.json");
        assertThat(post("/webhook", meta, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", "sha256=" + "0".repeat(64))).statusCode()).isEqualTo(401);
        r = post("/webhook", meta, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", Fixtures.metaSignature(meta)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(stored("meta")).isEqualTo(1);

        byte[] waha = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        assertThat(post("/api/v1/whatsapp/webhook", waha, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", "0".repeat(128), "X-Webhook-Hmac-Algorithm", "sha512")).statusCode())
                .isEqualTo(401);
        r = post("/api/v1/whatsapp/webhook", waha, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", Fixtures.wahaSignature(waha), "X-Webhook-Hmac-Algorithm", "sha512"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(stored("waha")).isEqualTo(1);

        // the same deliveries on the /webhooks paths are duplicates of the same documents: one route, one pipeline
        assertThat(postPeriskope(periskope).statusCode()).isEqualTo(200);
        assertThat(postUnipile(unipile).statusCode()).isEqualTo(200);
        assertThat(postMeta(meta).statusCode()).isEqualTo(200);
        assertThat(postWaha(waha).statusCode()).isEqualTo(200);
        assertThat(all(store().getMessagesIndex())).hasSize(4);
    }

    @Test
    void unipileJsonSentAsAFormReachesTheNormalizerAsJson() throws Exception {
        // the webhook manager's flat body (no event, issue 16), with '&' and '=' that a form parser would split on
        byte[] body = UnipileNormalizerTest.FLAT.replace("Hello, is the shop open today?", "a=1&b=2 & more")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = post("/api/webhooks/unipile/messages", body, Map.of(
                "Content-Type", "application/x-www-form-urlencoded", "Unipile-Auth", Fixtures.SECRET));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode m = message("unipile:FAKEacctWA00000000001w:FAKEmsg000000000000501");
        assertThat(m.path("text").asText()).isEqualTo("a=1&b=2 & more");
        assertThat(m.path("sender_name").asText()).isEqualTo("Flat Sender");
    }

    @Test
    void metaHandshakeAndWahaHealthProbeAnswerGet() throws Exception {
        HttpResponse<String> challenge = get("/webhook?hub.mode=subscribe&hub.challenge=1158201444"
                + "&hub.verify_token=test-verify-token");
        assertThat(challenge.statusCode()).isEqualTo(200);
        assertThat(challenge.body()).isEqualTo("1158201444");
        assertThat(get("/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong").statusCode())
                .isEqualTo(403);

        HttpResponse<String> health = get("/api/v1/whatsapp/webhook");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("ok");
        assertThat(all(store().getMessagesIndex())).isEmpty();
    }

    @Test
    void anAliasHasTheBodyLimitOfTheWebhooksPaths() throws Exception {
        byte[] tooLarge = new byte[3 * 1024 * 1024 + 1];      // gateway.webhooks.max-body-bytes (3 MB) + 1
        java.util.Arrays.fill(tooLarge, (byte) ' ');
        HttpResponse<String> r = post("/periskopewebhook", tooLarge, Map.of("Content-Type", "application/json",
                "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", tooLarge)));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("payload too large");
        assertThat(post("/webhooks/periskope", tooLarge, Map.of("Content-Type", "application/json",
                "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", tooLarge))).statusCode()).isEqualTo(413);
    }

    @Test
    void anAliasLeftOutOfItsListIsA404AndTheOthersStay() throws Exception {
        try (ConfigurableApplicationContext other = startAnotherGateway(
                "--gateway.periskope.paths=/webhooks/periskope")) {
            String base = "http://localhost:" + other.getEnvironment().getProperty("local.server.port");
            byte[] periskope = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
            Map<String, String> headers = Map.of("Content-Type", "application/json",
                    "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", periskope));
            assertThat(send(base + "/periskopewebhook", periskope, headers).statusCode()).isEqualTo(404);
            assertThat(send(base + "/webhooks/periskope", periskope, headers).statusCode()).isEqualTo(200);
            byte[] unipile = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
            assertThat(send(base + "/api/webhooks/unipile/messages", unipile, Map.of(
                    "Content-Type", "application/x-www-form-urlencoded", "Unipile-Auth", Fixtures.SECRET))
                    .statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> send(String url, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
