package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
