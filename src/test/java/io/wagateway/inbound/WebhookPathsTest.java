package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wagateway.tenant.ProviderAccount;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookPathsTest {

    private static WebhookPaths paths(String csv, String getTarget) {
        WebhookPaths p = new WebhookPaths();
        p.setProvider("waha");
        p.setPaths(csv);
        p.setEnabled("{{gateway.waha.enabled:true}}");
        p.setGetTarget(getTarget);
        return p;
    }

    @Test
    void oneRoutePerPathTheFirstKeepsTheProvidersInboundId() {
        WebhookPaths p = paths(" /webhooks/waha , /api/v1/whatsapp/webhook,,/webhooks/waha", "");
        assertThat(p.getPaths()).containsExactly("/webhooks/waha", "/api/v1/whatsapp/webhook");
        assertThat(p.routeIds()).containsExactly("waha-inbound", "waha-inbound-2");
        assertThat(p.parameters("waha-inbound-2")).isEqualTo(Map.of("templateId", "webhook-path", "provider", "waha",
                "path", "/api/v1/whatsapp/webhook", "enabled", "{{gateway.waha.enabled:true}}"));
    }

    @Test
    void aGetTargetAddsOneGetRoutePerPath() {
        WebhookPaths p = paths("/webhooks/waha,/api/v1/whatsapp/webhook", "direct:waha-health");
        assertThat(p.routeIds()).containsExactly("waha-inbound", "waha-get", "waha-inbound-2", "waha-get-2");
        assertThat(p.parameters("waha-get-2")).containsEntry("templateId", "webhook-get-path")
                .containsEntry("path", "/api/v1/whatsapp/webhook").containsEntry("target", "direct:waha-health");
    }

    @Test
    void anEmptyListServesNothingAndInexactPathsAreRefused() {
        assertThat(paths("", "").routeIds()).isEmpty();
        for (String bad : new String[] {"webhook", "/webhooks/{id}", "/webhooks/*", "/a?b=c", "/a b"}) {
            assertThatThrownBy(() -> WebhookPaths.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static ProviderAccount entry(String tenant, String name) {
        return new ProviderAccount("waha", tenant, name, "/webhooks/waha/" + tenant + (name.isEmpty() ? "" : "/" + name),
                "secret-of-" + tenant, "", "key", "http://waha", List.of("default"), "");
    }

    @Test
    void everyTenantEntryGetsItsOwnPathAndRoutesThatSayWhichTenantAndEntry() {
        WebhookPaths p = paths("/webhooks/waha", "direct:waha-health");
        p.setTenantEntries(List.of(entry("acme", ""), entry("acme", "eu")));
        assertThat(p.routeIds()).containsExactly("waha-inbound", "waha-get", "waha-inbound-acme", "waha-get-acme",
                "waha-inbound-acme.eu", "waha-get-acme.eu");
        assertThat(p.parameters("waha-inbound-acme.eu")).isEqualTo(Map.of("templateId", "webhook-path",
                "provider", "waha", "path", "/webhooks/waha/acme/eu", "enabled", "{{gateway.waha.enabled:true}}",
                "tenant", "acme", "entry", "eu"));
        assertThat(p.parameters("waha-get-acme")).containsEntry("templateId", "webhook-get-path")
                .containsEntry("path", "/webhooks/waha/acme").containsEntry("tenant", "acme")
                .containsEntry("entry", "").containsEntry("target", "direct:waha-health");
        // the shared path's route sets no tenant: the template's default (empty) is the default tenant
        assertThat(p.parameters("waha-inbound")).doesNotContainKey("tenant");
    }

    @Test
    void aTenantPathOrRouteIdThatCollidesWithTheSharedListStopsTheStart() {
        WebhookPaths samePath = paths("/webhooks/waha,/webhooks/waha/acme", "");
        samePath.setTenantEntries(List.of(entry("acme", "")));
        assertThatThrownBy(samePath::routeIds).hasMessageContaining("/webhooks/waha/acme")
                .hasMessageNotContaining("secret-of-acme");
        WebhookPaths sameId = paths("/webhooks/waha,/api/v1/whatsapp/webhook", "");
        sameId.setTenantEntries(List.of(entry("2", "")));
        assertThatThrownBy(sameId::routeIds).hasMessageContaining("waha-inbound-2");
    }

    @Test
    void withoutATenantsBeanOnlyTheSharedPathsAreServed() {
        WebhookPaths p = paths("/webhooks/waha", "");
        assertThat(p.tenantEntries()).isEmpty();
        assertThat(p.routeIds()).containsExactly("waha-inbound");
    }
}
