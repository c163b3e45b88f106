package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureVerifierTest {

    private static WebhookSignatureVerifier waha(String secret) {
        WebhookSignatureVerifier v = new WebhookSignatureVerifier();
        v.setProvider("waha");
        v.setAlgorithm("HmacSHA512");
        v.setHeader("X-Webhook-Hmac");
        v.setSecret(secret);
        return v;
    }

    @Test
    void wahaVendorWorkedExample() {
        // providers.md §2.3, reproduced with openssl
        byte[] body = "{\"event\":\"message\",\"session\":\"default\",\"engine\":\"WEBJS\"}".getBytes(StandardCharsets.UTF_8);
        String expected = "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89";
        assertThat(waha("my-secret-key").check(body, expected)).isNull();
        assertThat(waha("my-secret-key").check(body, expected.toUpperCase())).isNull();
        assertThat(waha("other-key").check(body, expected)).isEqualTo("mismatch");
        assertThat(waha("my-secret-key").check(body, "zz")).isEqualTo("malformed");
        assertThat(waha("my-secret-key").check(body, null)).isEqualTo("missing");
    }

    @Test
    void noSecretRejectsEverythingUnlessTurnedOff() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(waha("").check(body, "abc")).isEqualTo("not-configured");
        assertThat(waha(null).check(body, "abc")).isEqualTo("not-configured");
    }

    @Test
    void metaPrefixAndStaticScheme() {
        WebhookSignatureVerifier meta = new WebhookSignatureVerifier();
        meta.setAlgorithm("HmacSHA256");
        meta.setPrefix("sha256=");
        meta.setSecret("test-secret");
        byte[] body = "x".getBytes(StandardCharsets.UTF_8);
        String hex = java.util.HexFormat.of().formatHex(meta.sign(body));
        assertThat(meta.check(body, "sha256=" + hex)).isNull();
        assertThat(meta.check(body, hex)).isEqualTo("malformed");

        WebhookSignatureVerifier unipile = new WebhookSignatureVerifier();
        unipile.setScheme("static");
        unipile.setSecret("test-secret");
        assertThat(unipile.check(body, "test-secret")).isNull();
        assertThat(unipile.check(body, "test-secreT")).isEqualTo("mismatch");
    }

    @Test
    void aQueryParameterNamedLikeTheHeaderIsFoundHoweverSpelt() {
        WebhookSignatureVerifier v = waha("k");
        assertThat(v.inQuery("X-Webhook-Hmac=abc")).isTrue();
        assertThat(v.inQuery("a=1&x-webhook-hmac=abc")).isTrue();
        assertThat(v.inQuery("X%2DWebhook%2DHmac=abc")).isTrue();
        assertThat(v.inQuery("X-Webhook-Hmac")).isTrue();
        assertThat(v.inQuery("a=1;X-Webhook-Hmac=abc")).as("';' separates parameters under Vert.x").isTrue();
        assertThat(v.inQuery("hmac=abc&X-Webhook-Hmac-Algorithm=sha512")).isFalse();
        assertThat(v.inQuery(null)).isFalse();
        assertThat(v.inQuery("%zz=1")).isFalse();
    }

    @Test
    void theDeliveryTimestampIsTheTopLevelFieldOnly() {
        WebhookSignatureVerifier v = waha("k");
        v.setDeliveryTimestampField("timestamp");
        v.setMaxDeliveryAgeSeconds(10);
        long now = 1_800_000_000_000L;
        byte[] old = ("{\"payload\":{\"timestamp\":" + now + "},\"timestamp\":" + (now - 11_000) + "}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] fresh = ("{\"payload\":{\"timestamp\":1},\"timestamp\":\"" + (now - 9_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(v.replay(old, now)).isEqualTo("replay");
        assertThat(v.replay(fresh, now)).isNull();
        assertThat(v.replay("{\"payload\":{\"timestamp\":1}}".getBytes(StandardCharsets.UTF_8), now)).isNull();
        assertThat(v.replay("{\"timestamp\":1".getBytes(StandardCharsets.UTF_8), now)).isEqualTo("replay");
        assertThat(v.replay(("{\"timestamp\":" + "9".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8), now)).isNull();
        assertThat(v.replay("[1]".getBytes(StandardCharsets.UTF_8), now)).isNull();
    }

    @Test
    void aTenantPathIsCheckedWithItsEntrysSecretOnlyAndASharedPathWithTheConfiguredOneOnly() throws Exception {
        io.wagateway.tenant.Tenants tenants = new io.wagateway.tenant.Tenants();
        java.nio.file.Path f = java.nio.file.Files.createTempFile("tenants", ".yaml");
        java.nio.file.Files.writeString(f, """
                tenants:
                  acme:
                    waha: [{hmac-key: acme-key, sessions: [default]}]
                  globex:
                    waha: [{name: us, hmac-key: globex-key}]
                """);
        tenants.setFile(f.toString());
        tenants.load();
        WebhookSignatureVerifier v = waha("shared-key");
        v.setTenants(tenants);
        byte[] body = "{\"event\":\"message\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String acme = java.util.HexFormat.of().formatHex(waha("acme-key").sign(body));
        String globex = java.util.HexFormat.of().formatHex(waha("globex-key").sign(body));
        String shared = java.util.HexFormat.of().formatHex(v.sign(body));
        org.apache.camel.CamelContext camel = new org.apache.camel.impl.DefaultCamelContext();
        java.util.function.BiFunction<String[], String, Throwable> post = (tenantAndEntry, signature) -> {
            org.apache.camel.Exchange e = new org.apache.camel.support.DefaultExchange(camel);
            if (tenantAndEntry != null) {
                e.setProperty(TenantWebhooks.TENANT, tenantAndEntry[0]);
                e.setProperty(TenantWebhooks.ENTRY, tenantAndEntry[1]);
            }
            e.getMessage().setBody(body);
            e.getMessage().setHeader("X-Webhook-Hmac", signature);
            try {
                v.verify(e);
                return null;
            } catch (SignatureVerificationException rejected) {
                return rejected;
            }
        };
        String[] acmePath = {"acme", ""};
        String[] globexPath = {"globex", "us"};
        assertThat(post.apply(acmePath, acme)).isNull();
        assertThat(post.apply(globexPath, globex)).isNull();
        assertThat(post.apply(null, shared)).isNull();
        assertThat(post.apply(new String[] {"", ""}, shared)).as("empty tenant = a shared path").isNull();
        // another tenant's (or the shared) secret on a path is refused: one secret per path, never any that matches
        assertThat(post.apply(acmePath, globex)).isNotNull();
        assertThat(post.apply(acmePath, shared)).isNotNull();
        assertThat(post.apply(globexPath, acme)).isNotNull();
        assertThat(post.apply(null, acme)).isNotNull();
        // an entry or tenant that is not configured: not-configured, whatever is presented
        assertThat(post.apply(new String[] {"globex", ""}, globex)).hasMessageContaining("not-configured");
        assertThat(post.apply(new String[] {"initech", ""}, acme)).hasMessageContaining("not-configured");
        io.micrometer.core.instrument.Counter rejected = io.micrometer.core.instrument.Metrics.globalRegistry
                .find("gateway.webhooks.rejected").tag("provider", "waha").tag("tenant", "acme")
                .tag("reason", "mismatch").counter();
        assertThat(rejected).as("counted with the tenant tag (no secret in any tag)").isNotNull();
    }
}
