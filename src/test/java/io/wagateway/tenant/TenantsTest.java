package io.wagateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantsTest {

    private static final String FILE = """
            tenants:
              acme:
                sends-per-second: 5
                meta:
                  - app-secret: ${ACME_SECRET}
                    verify-token: acme-verify
                    access-token: ${ACME_TOKEN:fallback}
                    phone-number-ids: ["111"]
                waha:
                  - name: eu
                    base-url: http://waha-eu:3000
                    api-key: k1
                    hmac-key: h1
                    sessions: [default]
              globex:
                evolution:
                  - webhook-secret: e1
                    api-key: ek
                    base-url: http://evo:8080
                    accounts: [shop]
                waha:
                  - base-url: http://waha-us:3000
                    api-key: k2
                    hmac-key: h2
            """;

    private Tenants load(Map<String, String> env) throws Exception {
        Tenants t = new Tenants();
        t.setEnvironment(env::get);
        t.setWahaApiKey("default-key");
        t.setYamlProviders("evolution");
        java.nio.file.Path f = java.nio.file.Files.createTempFile("tenants", ".yaml");
        java.nio.file.Files.writeString(f, FILE);
        t.setFile(f.toString());
        t.load();
        return t;
    }

    @Test
    void qualifiedAccountsCarryTheTenantAndTheDefaultKeepsTodaysIds() {
        assertThat(Tenants.qualify("acme", "default")).isEqualTo("acme~default");
        assertThat(Tenants.qualify("default", "default")).isEqualTo("default");
        assertThat(Tenants.qualify(null, "123")).isEqualTo("123");
        assertThat(Tenants.tenantOf("acme~default")).isEqualTo("acme");
        assertThat(Tenants.accountOf("acme~default")).isEqualTo("default");
        assertThat(Tenants.tenantOf("123")).isEqualTo("default");
        assertThat(Tenants.accountOf("123")).isEqualTo("123");
        // a default account whose own name has a ~ is qualified as the default tenant's, never read as acme's
        assertThat(Tenants.qualify(null, "acme~x")).isEqualTo("default~acme~x");
        assertThat(Tenants.tenantOf("default~acme~x")).isEqualTo("default");
        assertThat(Tenants.accountOf("default~acme~x")).isEqualTo("acme~x");
    }

    @Test
    void aFileGivesEachEntryItsPathSecretAndCredentials() throws Exception {
        Tenants t = load(Map.of("ACME_SECRET", "s3cret"));
        assertThat(t.all()).extracting(Tenants.Tenant::id).containsExactly("default", "acme", "globex");
        assertThat(t.inbound("meta")).singleElement().satisfies(a -> {
            assertThat(a.path()).isEqualTo("/webhooks/meta/acme");
            assertThat(a.secret()).isEqualTo("s3cret");
            assertThat(a.token()).isEqualTo("fallback");
            assertThat(a.toString()).doesNotContain("s3cret").doesNotContain("fallback");
        });
        assertThat(t.inbound("waha")).extracting(ProviderAccount::path)
                .containsExactly("/webhooks/waha/acme/eu", "/webhooks/waha/globex");
        assertThat(t.credentials("waha", "acme~default").token()).isEqualTo("k1");
        assertThat(t.credentials("waha", "globex~default").token()).isEqualTo("k2");
        assertThat(t.credentials("waha", "globex~default").account()).isEqualTo("default");
        assertThat(t.credentials("waha", "default").token()).isEqualTo("default-key");
        assertThat(t.tenant("acme").sendsPerSecond()).isEqualTo(5);
        // a provider mapped in YAML only takes the generic keys (no Java names it)
        assertThat(t.inbound("evolution")).singleElement().satisfies(a -> {
            assertThat(a.path()).isEqualTo("/webhooks/evolution/globex");
            assertThat(a.secret()).isEqualTo("e1");
            assertThat(a.accounts()).containsExactly("shop");
        });
        assertThat(t.credentials("evolution", "globex~shop").baseUrl()).isEqualTo("http://evo:8080");
    }

    @Test
    void aProviderNeitherJavaNorYamlListedIsRefused() {
        Tenants t = new Tenants();
        assertThatThrownBy(() -> t.parse("tenants: {acme: {evolution: [{api-key: x}]}}"))
                .hasMessageContaining("unknown key 'evolution'");
    }

    @Test
    void aMissingFileIsTheDefaultTenantOnly() {
        Tenants t = new Tenants();
        t.setWahaApiKey("k");
        t.setFile("/nonexistent/tenants.yaml");   // Kubernetes: the optional Secret is not there
        t.load();
        assertThat(t.all()).extracting(Tenants.Tenant::id).containsExactly("default");
        assertThat(t.credentials("waha", "default").token()).isEqualTo("k");
    }

    @Test
    void anUnsetVariableStopsTheStartWithItsNameOnly() {
        assertThatThrownBy(() -> load(Map.of())).hasMessageContaining("ACME_SECRET");
    }

    @Test
    void anUnknownTenantOrProviderIsRefused() throws Exception {
        Tenants t = load(Map.of("ACME_SECRET", "x"));
        assertThatThrownBy(() -> t.credentials("waha", "nope~default")).hasMessageContaining("no tenant nope");
        assertThatThrownBy(() -> t.credentials("periskope", "acme~+1")).hasMessageContaining("no periskope");
    }
}
