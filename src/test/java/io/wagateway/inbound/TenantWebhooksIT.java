package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tenants on the inbound side (issue 22 item 1; docs/tenants.md), the whole gateway against real Elasticsearch: each
 * tenant entry has its own webhook path and secret, the path chooses the secret, and a tenant's account ids are
 * qualified ({@code <tenant>~<account>}) so two WAHA servers with the same session name keep separate documents. The
 * tenants file is written to target/ before the context starts (its own Spring context: the other ITs run without
 * one). Payloads: the shared fixtures (fixtures/webhooks/README.md), signed as providers.md §1.2 (Meta
 * X-Hub-Signature-256), §2.3 (WAHA X-Webhook-Hmac, HMAC-SHA512), §3.2 (Periskope), §4.3 (Unipile's secret header).
 */
class TenantWebhooksIT extends GatewayIntegrationTest {

    private static final String ACME_META = "acme-app-secret";
    private static final String GLOBEX_META = "globex-app-secret";
    private static final String ACME_WAHA = "acme-hmac-key";
    private static final String GLOBEX_WAHA = "globex-hmac-key";
    /** The fixtures' Meta phone_number_id (meta/inbound_text.json metadata), listed by acme's Meta entry. */
    private static final String PHONE_ID = "100000000000002";
    private static final String WAMID = "wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=";
    private static final String WAHA_IN = "false_15550100001@c.us_3EB0FAKE00000000000201";
    private static final String WAHA_OUT = "true_15550100001@c.us_3EB0FAKE00000000000202";

    @Autowired
    private MeterRegistry meters;

    /** Writes the tenants file (secrets through ${VAR:default} placeholders, as a Secret-mounted file would). */
    @DynamicPropertySource
    static void tenantsFile(DynamicPropertyRegistry registry) {
        registry.add("gateway.tenants.file", () -> {
            try {
                Path file = Path.of("target", "tenant-webhooks-it", "tenants.yaml");
                Files.createDirectories(file.getParent());
                Files.writeString(file, """
                        tenants:
                          acme:
                            meta:
                              - app-secret: ${TENANT_IT_ACME_APP_SECRET:%s}
                                verify-token: acme-verify-token
                                access-token: acme-access-token
                                phone-number-ids: ["%s"]
                            waha:
                              - hmac-key: ${TENANT_IT_ACME_HMAC_KEY:%s}
                                sessions: [default]
                            periskope:
                              - signing-secret: acme-periskope-secret
                            unipile:
                              - webhook-secret: acme-unipile-secret
                            evolution:
                              - webhook-secret: acme-evolution-secret
                          globex:
                            meta:
                              - app-secret: %s
                                verify-token: globex-verify-token
                            waha:
                              - hmac-key: %s
                                sessions: [default]
                        """.formatted(ACME_META, PHONE_ID, ACME_WAHA, GLOBEX_META, GLOBEX_WAHA));
                return file.toAbsolutePath().toString();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static String hmac(String algorithm, String secret, byte[] body) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance(algorithm);
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return java.util.HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> meta(String path, String secret, byte[] body) throws Exception {
        return post(path, body, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", "sha256=" + hmac("HmacSHA256", secret, body)));
    }

    private HttpResponse<String> waha(String path, String secret, byte[] body) throws Exception {
        return post(path, body, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", hmac("HmacSHA512", secret, body), "X-Webhook-Hmac-Algorithm", "sha512"));
    }

    private double count(String name, String... tags) {
        Counter c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private List<String> ids(String index) throws Exception {
        return all(index).stream().map(d -> d.path("_id").asText()).toList();
    }

    @Test
    void twoMetaAppsEachOnItsOwnPathAWebhookSignedWithTheOtherAppsSecretIsRefusedAndNothingStored() throws Exception {
        byte[] body = Fixtures.bytes("webhooks/meta/inbound_text.json");
        double mismatches = count("gateway.webhooks.rejected", "provider", "meta", "tenant", "acme", "reason", "mismatch");

        assertThat(meta("/webhooks/meta/acme", GLOBEX_META, body).statusCode()).isEqualTo(401);
        assertThat(meta("/webhooks/meta/acme", Fixtures.SECRET, body).statusCode()).as("the shared app's secret")
                .isEqualTo(401);
        assertThat(meta("/webhooks/meta/globex", ACME_META, body).statusCode()).isEqualTo(401);
        assertThat(meta("/webhooks/meta", ACME_META, body).statusCode()).as("a tenant's secret on the shared path")
                .isEqualTo(401);
        assertThat(all(store().getMessagesIndex())).isEmpty();
        assertThat(count("gateway.webhooks.rejected", "provider", "meta", "tenant", "acme", "reason", "mismatch")
                - mismatches).isEqualTo(2);

        HttpResponse<String> acme = meta("/webhooks/meta/acme", ACME_META, body);
        assertThat(acme.statusCode()).as(acme.body()).isEqualTo(200);
        assertThat(meta("/webhooks/meta/globex", GLOBEX_META, body).statusCode()).isEqualTo(200);
        assertThat(postMeta(body).statusCode()).isEqualTo(200);
        // the same Meta message for three apps: three documents; the shared path keeps today's _id
        assertThat(ids(store().getMessagesIndex())).containsExactlyInAnyOrder(
                "meta:acme~" + PHONE_ID + ":" + WAMID, "meta:globex~" + PHONE_ID + ":" + WAMID,
                "meta:" + PHONE_ID + ":" + WAMID);
        assertThat(message("meta:acme~" + PHONE_ID + ":" + WAMID).path("account_id").asText())
                .isEqualTo("acme~" + PHONE_ID);
        // a redelivery on its own path is a duplicate of its own tenant's document only
        assertThat(meta("/webhooks/meta/acme", ACME_META, body).body()).contains("\"duplicate\":1");
        assertThat(all(store().getMessagesIndex())).hasSize(3);
    }

    @Test
    void eachMetaAppsHandshakeAnswersOnlyItsOwnVerifyToken() throws Exception {
        String q = "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=";
        HttpResponse<String> acme = get("/webhooks/meta/acme" + q + "acme-verify-token");
        assertThat(acme.statusCode()).isEqualTo(200);
        assertThat(acme.body()).isEqualTo("1158201444");
        assertThat(get("/webhooks/meta/acme" + q + "globex-verify-token").statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta/acme" + q + "test-verify-token").statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta/globex" + q + "globex-verify-token").body()).isEqualTo("1158201444");
        assertThat(get("/webhooks/meta/globex" + q + "acme-verify-token").statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta" + q + "test-verify-token").body()).isEqualTo("1158201444");
        assertThat(get("/webhooks/meta" + q + "acme-verify-token").statusCode()).isEqualTo(403);
        assertThat(get("/webhooks/meta/initech" + q + "acme-verify-token").statusCode()).as("no such tenant")
                .isEqualTo(404);
    }

    @Test
    void twoWahaServersWithTheSameSessionNameKeepSeparateDocumentsAndAnAckUpdatesOnlyItsOwn() throws Exception {
        byte[] in = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        assertThat(waha("/webhooks/waha/acme", GLOBEX_WAHA, in).statusCode()).isEqualTo(401);
        assertThat(waha("/webhooks/waha/acme", ACME_WAHA, in).statusCode()).isEqualTo(200);
        assertThat(waha("/webhooks/waha/globex", GLOBEX_WAHA, in).statusCode()).isEqualTo(200);
        assertThat(postWaha(in).statusCode()).isEqualTo(200);
        assertThat(ids(store().getMessagesIndex())).containsExactlyInAnyOrder("waha:acme~default:" + WAHA_IN,
                "waha:globex~default:" + WAHA_IN, "waha:default:" + WAHA_IN);

        // our own message, sent by both servers under the same session name and id; then acme's server acks it read
        byte[] out = Fixtures.bytes("webhooks/waha/message_any_outbound_fromme.json");
        assertThat(waha("/webhooks/waha/acme", ACME_WAHA, out).statusCode()).isEqualTo(200);
        assertThat(waha("/webhooks/waha/globex", GLOBEX_WAHA, out).statusCode()).isEqualTo(200);
        String globexBefore = message("waha:globex~default:" + WAHA_OUT).path("status").asText();
        assertThat(globexBefore).isNotEqualTo("read");
        HttpResponse<String> ack = waha("/webhooks/waha/acme", ACME_WAHA,
                Fixtures.bytes("webhooks/waha/message_ack_read.json"));
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(message("waha:acme~default:" + WAHA_OUT).path("status").asText()).isEqualTo("read"));
        assertThat(message("waha:globex~default:" + WAHA_OUT).path("status").asText()).isEqualTo(globexBefore);
        assertThat(ids(store().getUpdatesIndex())).isNotEmpty()
                .allSatisfy(id -> assertThat(id).startsWith("waha:acme~default:" + WAHA_OUT));
    }

    @Test
    void everyProvidersTenantPathQualifiesItsAccountsEvolutionsJqMappingToo() throws Exception {
        byte[] periskope = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        assertThat(post("/webhooks/periskope/acme", periskope, Map.of("Content-Type", "application/json",
                "x-periskope-signature", hmac("HmacSHA256", Fixtures.SECRET, periskope))).statusCode())
                .as("the shared signing secret on a tenant path").isEqualTo(401);
        assertThat(post("/webhooks/periskope/acme", periskope, Map.of("Content-Type", "application/json",
                "x-periskope-signature", hmac("HmacSHA256", "acme-periskope-secret", periskope))).statusCode())
                .isEqualTo(200);
        byte[] unipile = Fixtures.bytes("webhooks/unipile/message_received_inbound_text.json");
        assertThat(post("/webhooks/unipile/acme", unipile, Map.of("Content-Type",
                "application/x-www-form-urlencoded", "Unipile-Auth", Fixtures.SECRET)).statusCode()).isEqualTo(401);
        assertThat(post("/webhooks/unipile/acme", unipile, Map.of("Content-Type",
                "application/x-www-form-urlencoded", "Unipile-Auth", "acme-unipile-secret")).statusCode())
                .isEqualTo(200);
        byte[] evolution = Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json");
        assertThat(post("/webhooks/evolution/acme", evolution, Map.of("Content-Type", "application/json",
                "X-Evolution-Secret", "acme-evolution-secret")).statusCode()).isEqualTo(200);
        // a non-message event (WAHA session.status) is kept in the events index under the qualified account too
        assertThat(waha("/webhooks/waha/acme", ACME_WAHA, Fixtures.bytes("webhooks/waha/session_status_working.json"))
                .statusCode()).isEqualTo(200);

        List<JsonNode> messages = all(store().getMessagesIndex());
        assertThat(messages).extracting(m -> m.path("provider").asText())
                .containsExactlyInAnyOrder("periskope", "unipile", "evolution");
        assertThat(messages).allSatisfy(m -> {
            assertThat(m.path("account_id").asText()).startsWith("acme~");
            assertThat(m.path("_id").asText()).startsWith(m.path("provider").asText() + ":acme~");
        });
        assertThat(message("evolution:acme~shop-main:3EB0EVOFAKE0000000000301")).isNotNull();
        List<JsonNode> events = all(store().getEventsIndex());
        assertThat(events).hasSize(1)
                .allSatisfy(e -> assertThat(e.path("account_id").asText()).isEqualTo("acme~default"));
        // its replay runs for acme again (tenant from the qualified account id): the same event, no default-tenant copy
        JsonNode replay = JSON.readTree(admin("POST", "/admin/events/" + encode(events.get(0).path("_id").asText())
                + "/replay").body());
        assertThat(replay.path("outcome").asText()).as(replay.toString()).isEqualTo("still_ignored");
        assertThat(all(store().getEventsIndex())).hasSize(1);
    }

    @Test
    void aMetaNumberTheEntryDoesNotListIsStoredButCounted() throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/inbound_text.json"));
        ((ObjectNode) body.at("/entry/0/changes/0/value/metadata")).put("phone_number_id", "100000000000099");
        byte[] bytes = JSON.writeValueAsBytes(body);
        double before = count("gateway.tenants.unlisted_account", "provider", "meta", "tenant", "acme");
        assertThat(meta("/webhooks/meta/acme", ACME_META, bytes).statusCode()).isEqualTo(200);
        assertThat(message("meta:acme~100000000000099:" + WAMID)).isNotNull();
        assertThat(count("gateway.tenants.unlisted_account", "provider", "meta", "tenant", "acme") - before)
                .isEqualTo(1);
        // globex's entry lists no number: any number is its own
        assertThat(meta("/webhooks/meta/globex", GLOBEX_META, bytes).statusCode()).isEqualTo(200);
        assertThat(count("gateway.tenants.unlisted_account", "provider", "meta", "tenant", "globex")).isZero();
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer test-admin-token")
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aMalformedBodyOnATenantPathIsDeadLetteredWithItsTenantAndAReplayIsQualifiedTheSameWay() throws Exception {
        byte[] broken = "{\"event\":\"message\",".getBytes(StandardCharsets.UTF_8);
        assertThat(waha("/webhooks/waha/globex", GLOBEX_WAHA, broken).statusCode()).isEqualTo(400);
        List<JsonNode> letters = all(store().getDeadLettersIndex());
        assertThat(letters).hasSize(1);
        JsonNode kept = letters.get(0);
        assertThat(kept.path("tenant").asText()).isEqualTo("globex");
        assertThat(kept.path("tenant_entry").asText()).isEmpty();
        assertThat(kept.path("route_id").asText()).isEqualTo("waha-inbound-globex");
        assertThat(Base64.getDecoder().decode(kept.path("raw_body_base64").asText())).isEqualTo(broken);
        assertThat(kept.toString()).doesNotContain(GLOBEX_WAHA);
        JsonNode listed = JSON.readTree(admin("GET", "/admin/dead-letters?tenant=globex").body());
        assertThat(listed.path("total").asInt()).isEqualTo(1);
        assertThat(listed.path("items").get(0).path("tenant").asText()).isEqualTo("globex");
        assertThat(JSON.readTree(admin("GET", "/admin/dead-letters?tenant=acme").body()).path("total").asInt())
                .isZero();

        // the same dead letter with a body that can be processed (as when the store refused it): its replay goes
        // through the payload route as globex's path would, into globex's document, not the default tenant's
        byte[] valid = Fixtures.bytes("webhooks/waha/message_inbound_text.json");
        ObjectNode fixed = ((ObjectNode) kept.deepCopy()).put("raw_body_base64",
                Base64.getEncoder().encodeToString(valid));
        fixed.remove("_id");
        fixed.remove("raw_body");
        String id = kept.path("_id").asText();
        assertThat(es("PUT", "/" + store().getDeadLettersIndex() + "/_doc/" + encode(id) + "?refresh=true",
                fixed.toString()).statusCode()).isEqualTo(200);
        JsonNode replay = JSON.readTree(admin("POST", "/admin/dead-letters/" + encode(id) + "/replay").body());
        assertThat(replay.path("outcome").asText()).as(replay.toString()).contains("\"stored\":1");
        assertThat(ids(store().getMessagesIndex())).containsExactly("waha:globex~default:" + WAHA_IN);
    }

    @Test
    void aTenantPathHasTheBodyLimitOfTheWebhooksPathsBeforeAuthentication() throws Exception {
        byte[] tooLarge = new byte[3 * 1024 * 1024 + 1];      // gateway.webhooks.max-body-bytes (3 MB) + 1
        java.util.Arrays.fill(tooLarge, (byte) ' ');
        HttpResponse<String> r = post("/webhooks/waha/acme", tooLarge, Map.of("Content-Type", "application/json"));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("payload too large");
    }

    @Test
    void theTenantRoutesHaveDeterministicIds() {
        for (String id : List.of("meta-inbound-acme", "meta-get-acme", "meta-inbound-globex", "meta-get-globex",
                "waha-inbound-acme", "waha-get-acme", "waha-inbound-globex", "periskope-inbound-acme",
                "unipile-inbound-acme", "evolution-inbound-acme")) {
            assertThat(camelContext.getRoute(id)).as(id).isNotNull();
        }
        assertThat(camelContext.getRoute("periskope-inbound-globex")).isNull();
        assertThat(camelContext.getRoute("meta-inbound")).isNotNull();
    }
}
