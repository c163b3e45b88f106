package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * {@link Operators}: the configured hashes, the match, the shared check of the page and send APIs, {@code /api/me},
 * and the start-up refusal of a bad {@code gateway.operators} that never shows a hash.
 */
class OperatorsTest {

    static final String ALICE_TOKEN = "alice-secret-token-0123456789abcdef";
    static final String BOB_TOKEN = "bob-secret-token-fedcba9876543210";

    private static Operators operators() {
        Operators o = new Operators();
        o.setOperators(" alice:" + Operators.hash(ALICE_TOKEN) + " , bob:"
                + Operators.hash(BOB_TOKEN).toUpperCase() + ",");
        o.setPageToken("page-token");
        o.setSendToken("send-token");
        o.setAdminToken("admin-token");
        return o;
    }

    private static Exchange request(String authorization) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        if (authorization != null) {
            exchange.getIn().setHeader("Authorization", authorization);
        }
        return exchange;
    }

    @Test
    void theHashIsTheLowercaseHexSha256OfTheToken() {
        // sha256("abc"), FIPS 180-2 appendix B.1
        assertThat(Operators.hash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aTokenMatchesItsOperatorOnlyAndOnlyWhole() {
        Operators o = operators();
        assertThat(o.names()).containsExactly("alice", "bob");
        assertThat(o.match("Bearer " + ALICE_TOKEN)).isEqualTo("alice");
        assertThat(o.match("bearer " + BOB_TOKEN)).isEqualTo("bob");     // upper-case hash configured: same
        assertThat(o.match("Bearer " + ALICE_TOKEN.substring(1))).isNull();
        assertThat(o.match("Bearer " + ALICE_TOKEN + "x")).isNull();
        assertThat(o.match(ALICE_TOKEN)).isNull();                          // no Bearer scheme
        assertThat(o.match("Bearer " + Operators.hash(ALICE_TOKEN))).isNull(); // the hash is not the token
        assertThat(o.match("Bearer ")).isNull();
        assertThat(o.match(null)).isNull();
    }

    @Test
    void theSharedCheckAcceptsTheApisTokensAndOperatorsAndSetsTheVariable() {
        Operators o = operators();
        Exchange alice = request("Bearer " + ALICE_TOKEN);
        assertThat(o.authorize(alice, "page-token")).isEqualTo("alice");
        assertThat(alice.getVariable("operator")).isEqualTo("alice");
        Exchange page = request("Bearer page-token");
        assertThat(o.authorize(page, "page-token")).isNull();
        assertThat(page.getVariable("operator")).isNull();
        // the send token is not the page API's token
        assertThatThrownBy(() -> o.authorize(request("Bearer send-token"), "page-token"))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        assertThatThrownBy(() -> o.authorize(request("Bearer admin-token"), "page-token"))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        assertThatThrownBy(() -> o.authorize(request(null), "page-token"))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        // no shared token configured: the operators alone keep the API on
        assertThat(o.authorize(request("Bearer " + BOB_TOKEN), "", null)).isEqualTo("bob");
        assertThatThrownBy(() -> o.authorize(request("Bearer x"), ""))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        // nothing configured at all: the API is off
        assertThatThrownBy(() -> new Operators().authorize(request("Bearer x"), "", null))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(404));
    }

    @Test
    void meSaysWhoTheTokenIsAndWhatItMayDo() throws Exception {
        Operators o = operators();
        assertThat(o.me(request("Bearer " + ALICE_TOKEN)))
                .isEqualTo("{\"operator\":\"alice\",\"can_read\":true,\"can_send\":true,\"can_admin\":false}");
        assertThat(o.me(request("Bearer page-token")))
                .isEqualTo("{\"operator\":null,\"can_read\":true,\"can_send\":false,\"can_admin\":false}");
        assertThat(o.me(request("Bearer send-token")))
                .isEqualTo("{\"operator\":null,\"can_read\":false,\"can_send\":true,\"can_admin\":false}");
        Operators same = operators();
        same.setPageToken("admin-token");        // the default: the page token is the admin token
        assertThat(same.me(request("Bearer admin-token")))
                .isEqualTo("{\"operator\":null,\"can_read\":true,\"can_send\":false,\"can_admin\":true}");
        assertThatThrownBy(() -> o.me(request("Bearer wrong")))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(401));
        assertThatThrownBy(() -> new Operators().me(request("Bearer wrong")))
                .isInstanceOfSatisfying(AdminAccessException.class, e -> assertThat(e.getStatus()).isEqualTo(404));
    }

    @Test
    void aBadEntryFailsStartUpNamingTheEntryNeverItsHashOrToken() {
        String hash = Operators.hash(ALICE_TOKEN);
        assertThatThrownBy(() -> new Operators().setOperators("alice:" + hash + "," + BOB_TOKEN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry #2").hasMessageNotContaining(BOB_TOKEN);
        assertThatThrownBy(() -> new Operators().setOperators("al ice:" + hash))
                .hasMessageContaining("entry #1").hasMessageContaining("[A-Za-z0-9._-]{1,64}")
                .hasMessageNotContaining(hash);
        assertThatThrownBy(() -> new Operators().setOperators("x".repeat(65) + ":" + hash))
                .hasMessageContaining("entry #1");
        assertThatThrownBy(() -> new Operators().setOperators("alice:" + ALICE_TOKEN))
                .hasMessageContaining("'alice'").hasMessageContaining("SHA-256")
                .hasMessageNotContaining(ALICE_TOKEN);
        assertThatThrownBy(() -> new Operators().setOperators("alice:" + hash.substring(2)))
                .hasMessageContaining("'alice'").hasMessageNotContaining(hash.substring(2));
        assertThatThrownBy(() -> new Operators().setOperators("alice:" + hash + ",alice:" + hash))
                .hasMessageContaining("'alice' twice");
        Operators none = new Operators();
        none.setOperators("  ");
        assertThat(none.any()).isFalse();
        assertThat(none.match("Bearer anything")).isNull();
    }

    // ---------------------------------------------------------------- tenant-scoped tokens (issue 22)

    private static Operators withTenants() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("tenants", ".yaml");
        file.toFile().deleteOnExit();
        java.nio.file.Files.writeString(file, """
                tenants:
                  acme:
                    page-token: acme-page
                    send-token: acme-send
                    waha: [{base-url: "http://waha-acme:3000", sessions: [default]}]
                  globex:
                    page-token: globex-page
                    waha: [{base-url: "http://waha-globex:3000", sessions: [default]}]
                """);
        io.wagateway.tenant.Tenants tenants = new io.wagateway.tenant.Tenants();
        tenants.setFile(file.toString());
        tenants.load();
        Operators o = operators();
        o.setTenants(tenants);
        return o;
    }

    @Test
    void aTenantsTokenOpensOnlyTheApisOfItsKindAndScopesTheRequestToItsTenant() throws Exception {
        Operators o = withTenants();
        Exchange page = request("Bearer acme-page");
        assertThat(o.authorize(page, Operators.TenantTokens.PAGE, "page-token")).isNull();
        assertThat(page.getVariable("tenant")).isEqualTo("acme");
        assertThat(page.getVariable("operator")).isNull();

        Exchange send = request("Bearer acme-send");
        o.authorize(send, Operators.TenantTokens.SEND, "send-token");
        assertThat(send.getVariable("tenant")).isEqualTo("acme");

        Exchange either = request("Bearer globex-page");
        o.authorize(either, Operators.TenantTokens.PAGE_OR_SEND, "send-token", "page-token");
        assertThat(either.getVariable("tenant")).isEqualTo("globex");

        // a page token does not send, a send token does not read the page, and checks of no kind take neither
        assertThatThrownBy(() -> o.authorize(request("Bearer acme-page"), Operators.TenantTokens.SEND, "send-token"))
                .hasFieldOrPropertyWithValue("status", 401);
        assertThatThrownBy(() -> o.authorize(request("Bearer acme-send"), Operators.TenantTokens.PAGE, "page-token"))
                .hasFieldOrPropertyWithValue("status", 401);
        assertThatThrownBy(() -> o.authorize(request("Bearer acme-page"), "page-token"))
                .hasFieldOrPropertyWithValue("status", 401);
        assertThatThrownBy(() -> o.authorize("Bearer acme-page", "page-token"))
                .hasFieldOrPropertyWithValue("status", 401);
    }

    @Test
    void sharedAndOperatorsTokensStayUnscoped() throws Exception {
        Operators o = withTenants();
        Exchange shared = request("Bearer page-token");
        o.authorize(shared, Operators.TenantTokens.PAGE, "page-token");
        assertThat(shared.getVariable("tenant")).isNull();
        Exchange alice = request("Bearer " + ALICE_TOKEN);
        assertThat(o.authorize(alice, Operators.TenantTokens.PAGE, "page-token")).isEqualTo("alice");
        assertThat(alice.getVariable("tenant")).isNull();
    }

    @Test
    void aTenantsTokenAloneTurnsTheApiOnAndMeSaysItsTenant() throws Exception {
        Operators o = withTenants();
        o.setOperators("");
        // no shared page token and no operator: the API is on for the tenants' tokens only
        Exchange page = request("Bearer acme-page");
        o.authorize(page, Operators.TenantTokens.PAGE, "");
        assertThat(page.getVariable("tenant")).isEqualTo("acme");
        assertThatThrownBy(() -> o.authorize(request("Bearer nope"), Operators.TenantTokens.PAGE, ""))
                .hasFieldOrPropertyWithValue("status", 401);

        String me = o.me(request("Bearer acme-send"));
        assertThat(me).contains("\"tenant\":\"acme\"", "\"can_send\":true", "\"can_read\":false",
                "\"can_admin\":false");
        assertThat(o.me(request("Bearer globex-page"))).contains("\"tenant\":\"globex\"", "\"can_read\":true",
                "\"can_send\":false");
        assertThat(o.me(request("Bearer send-token"))).doesNotContain("tenant");
    }
}
