package io.wagateway.runtime.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class InboundHttpConfigurationTest {

    @Test
    void theServletIsMappedOnEveryListedPathOutsideWebhooks() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addLast(new MapPropertySource("application.yaml", Map.of(
                "gateway.meta.paths", "/webhooks/meta,/webhook",
                "gateway.waha.paths", "${WAHA_PATHS_FOR_TEST:/webhooks/waha,/api/v1/whatsapp/webhook}",
                "gateway.periskope.paths", "/webhooks/periskope,/periskopewebhook",
                "gateway.webhooks.max-body-bytes", "3145728")));
        // a higher source wins, as an environment variable or a command-line argument does
        env.getPropertySources().addFirst(new MapPropertySource("arguments", Map.of(
                "gateway.periskope.paths", "/webhooks/periskope")));
        env.getPropertySources().addFirst(new SystemEnvironmentPropertySource("environment", Map.of(
                "GATEWAY_EVOLUTION_PATHS", "/webhooks/evolution,/evo")));
        assertThat(InboundHttpConfiguration.aliasPaths(env))
                .containsExactlyInAnyOrder("/webhook", "/api/v1/whatsapp/webhook", "/evo");
    }
}
