package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.message.ContactUpdate;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.tenant.Tenants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class TenantWebhooksTest {

    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");

    private static TenantWebhooks bean() throws Exception {
        Path f = Files.createTempFile("tenants", ".yaml");
        Files.writeString(f, """
                tenants:
                  acme:
                    meta:
                      - app-secret: s1
                        verify-token: acme-verify
                        phone-number-ids: ["111"]
                  globex:
                    meta:
                      - name: second
                        app-secret: s2
                        verify-token: globex-verify
                """);
        Tenants tenants = new Tenants();
        tenants.setMetaVerifyToken("shared-verify");
        tenants.setFile(f.toString());
        tenants.load();
        TenantWebhooks bean = new TenantWebhooks();
        bean.setTenants(tenants);
        return bean;
    }

    private static Exchange exchange(String tenant, String entry, Object body) {
        Exchange e = new DefaultExchange(new DefaultCamelContext());
        e.setProperty("provider", "meta");
        if (tenant != null) {
            e.setProperty(TenantWebhooks.TENANT, tenant);
        }
        if (entry != null) {
            e.setProperty(TenantWebhooks.ENTRY, entry);
        }
        e.getMessage().setBody(body);
        return e;
    }

    private static List<WebhookItem> items(String account) {
        return List.of(
                new CanonicalMessage("meta", account, "wamid.1", "15550100001", "direct", null, "15550100001", null,
                        false, "text", "hi", null, null, T, T, "received", null),
                new LifecycleUpdate("meta", account, "wamid.1", "15550100001", "status", "read", null, null, null,
                        null, T, T, null),
                new IgnoredEvent("meta", account, "calls", "non-message-event"),
                new IgnoredEvent("meta", null, "unknown", "unknown-object"),
                new ContactUpdate("meta", account, "user_id_update", ContactUpdate.LINK, List.of("a", "b"), null, T,
                        null),
                new ChatOwnerChange("meta", account, "15550100001", "human", "app", "control_passed", null, T, T,
                        false, null));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTenantPathsItemsAllGetTheQualifiedAccountAndTheirKeysFollow() throws Exception {
        List<WebhookItem> out = (List<WebhookItem>) bean().qualify(exchange("acme", "", items("111")));
        assertThat(out).extracting(WebhookItem::accountId)
                .containsExactly("acme~111", "acme~111", "acme~111", null, "acme~111", "acme~111");
        assertThat(out).extracting(WebhookItem::kind)
                .containsExactly("message", "lifecycle", "ignored", "ignored", "contact", "owner");
        assertThat(((CanonicalMessage) out.get(0)).documentId()).isEqualTo("meta:acme~111:wamid.1");
        assertThat(((LifecycleUpdate) out.get(1)).targetDocumentId()).isEqualTo("meta:acme~111:wamid.1");
        assertThat(((ChatOwnerChange) out.get(5)).settingsId()).isEqualTo("meta:acme~111:15550100001");
        // every other field is kept
        assertThat(out.get(0)).usingRecursiveComparison().ignoringFields("accountId").isEqualTo(items("111").get(0));
        // one item (not a list) too
        assertThat(((WebhookItem) bean().qualify(exchange("acme", "", items("111").get(1)))).accountId())
                .isEqualTo("acme~111");
    }

    @Test
    void theDefaultTenantsItemsAreUntouched() throws Exception {
        List<WebhookItem> in = items("111");
        assertThat(bean().qualify(exchange(null, null, in))).isSameAs(in);
        assertThat(bean().qualify(exchange("", "", in))).isSameAs(in);
        assertThat(bean().qualify(exchange(Tenants.DEFAULT, "", in))).isSameAs(in);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDefaultAccountWithATildeIsQualifiedAsTheDefaultTenantsNeverAsAnothers() throws Exception {
        // a WAHA session (free text) named like a tenant's qualified id, on the shared path
        List<WebhookItem> out = (List<WebhookItem>) bean().qualify(exchange(null, null, items("acme~111")));
        assertThat(out.get(0).accountId()).isEqualTo("default~acme~111");
        assertThat(Tenants.tenantOf(out.get(0).accountId())).isEqualTo(Tenants.DEFAULT);
        assertThat(Tenants.accountOf(out.get(0).accountId())).isEqualTo("acme~111");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anAccountTheEntryDoesNotListIsStillQualifiedButCounted() throws Exception {
        io.wagateway.ops.GatewayMetrics.registry();   // a registry that counts (the global one has none in a unit test)
        Counter unlisted = Metrics.counter("gateway.tenants.unlisted_account", "provider", "meta", "tenant", "acme");
        double before = unlisted.count();
        List<WebhookItem> out = (List<WebhookItem>) bean().qualify(exchange("acme", "", items("999")));
        assertThat(out.get(0).accountId()).isEqualTo("acme~999");
        assertThat(unlisted.count() - before).isEqualTo(5);   // the five items with an account
        bean().qualify(exchange("acme", "", items("111")));
        assertThat(unlisted.count() - before).isEqualTo(5);
        // an entry without a list serves any account
        Counter globex = Metrics.counter("gateway.tenants.unlisted_account", "provider", "meta", "tenant", "globex");
        double g = globex.count();
        bean().qualify(exchange("globex", "second", items("999")));
        assertThat(globex.count()).isEqualTo(g);
    }

    @Test
    void aTenantOrEntryNotConfiguredIsRefusedAndAReplayWithoutEntryUsesTheTenantsEntry() throws Exception {
        assertThatThrownBy(() -> bean().qualify(exchange("initech", "", items("111"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("initech");
        assertThatThrownBy(() -> bean().qualify(exchange("globex", "", items("111"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("globex");
        Object replayed = bean().qualify(exchange("globex", null, items("777").get(0)));
        assertThat(((WebhookItem) replayed).accountId()).isEqualTo("globex~777");
    }

    @Test
    void metasHandshakeAnswersOnlyThePathsOwnVerifyToken() throws Exception {
        TenantWebhooks b = bean();
        assertThat(b.verifyTokenMatches("subscribe", "acme-verify", "acme", "")).isTrue();
        assertThat(b.verifyTokenMatches("subscribe", "globex-verify", "acme", "")).isFalse();
        assertThat(b.verifyTokenMatches("subscribe", "shared-verify", "acme", "")).isFalse();
        assertThat(b.verifyTokenMatches("subscribe", "globex-verify", "globex", "second")).isTrue();
        assertThat(b.verifyTokenMatches("subscribe", "shared-verify", "", "")).isTrue();
        assertThat(b.verifyTokenMatches("subscribe", "shared-verify", null, null)).isTrue();
        assertThat(b.verifyTokenMatches("subscribe", "acme-verify", null, null)).isFalse();
        assertThat(b.verifyTokenMatches("unsubscribe", "acme-verify", "acme", "")).isFalse();
        assertThat(b.verifyTokenMatches("subscribe", "", "initech", "")).isFalse();
    }
}
