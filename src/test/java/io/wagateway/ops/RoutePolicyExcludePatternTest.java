package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The routes left out of Camel's route metrics ({@code camel.metrics.route-policy-exclude-pattern} in application.yaml,
 * CAMEL_METRICS_ROUTE_POLICY_EXCLUDE) are named by pattern, so a new provider's {@code <provider>-webhook} and
 * {@code <provider>-payload} routes are excluded without editing the list. The pattern is applied the way the
 * camel-micrometer starter applies it (a {@link MicrometerRoutePolicyFactory} whose policy configuration has it as
 * exclude pattern: a comma list matched by Camel's PatternHelper), to real routes that each take one exchange.
 */
class RoutePolicyExcludePatternTest {

    /** The ids application.yaml listed one by one before the patterns (issue 17): all still excluded. */
    private static final List<String> LISTED_BEFORE = List.of("webhook-pipeline", "webhook-item", "ignored-event",
            "message-store", "lifecycle-store", "names-enrichment", "identity-link", "auto-reply-decision",
            "message-events", "waha-payload", "meta-payload", "periskope-payload", "unipile-payload",
            "evolution-payload", "waha-webhook", "meta-webhook", "periskope-webhook", "unipile-webhook",
            "evolution-webhook");

    /** A sixth provider nobody listed. */
    private static final List<String> NEW_PROVIDER = List.of("acme-webhook", "acme-payload");

    /** Routes that keep their metrics: the inbound paths, the GETs, the sends, the lookups, the workers. */
    private static final List<String> MEASURED = List.of("meta-inbound", "waha-inbound-2", "acme-inbound",
            "meta-verify", "waha-health", "send-reply-meta", "send-reply-acme", "name-lookup", "name-lookup-acme",
            "reply-send", "auto-reply-worker", "message-events-heartbeat", "dead-letter", "webhook-payloads");

    static String defaultPattern() throws Exception {
        Path yaml = Path.of(System.getProperty("gateway.project-dir", ".")).resolve("application.yaml");
        Map<String, Object> tree;
        try (InputStream in = Files.newInputStream(yaml)) {
            tree = new Yaml().load(in);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) ((Map<String, Object>) tree.get("camel")).get("metrics");
        String value = Objects.toString(metrics.get("route-policy-exclude-pattern"));
        Matcher m = Pattern.compile("\\$\\{CAMEL_METRICS_ROUTE_POLICY_EXCLUDE:(.*)}").matcher(value);
        assertThat(m.matches()).as(value).isTrue();
        return m.group(1);
    }

    @Test
    void providerRoutesAreExcludedByPatternNewOnesIncluded() throws Exception {
        String pattern = defaultPattern();
        assertThat(pattern).doesNotContain("meta-", "waha-", "periskope-", "unipile-", "evolution-");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerRoutePolicyFactory factory = new MicrometerRoutePolicyFactory();
        factory.setMeterRegistry(registry);
        factory.getPolicyConfiguration().setContextEnabled(false);
        factory.getPolicyConfiguration().setRouteEnabled(true);
        factory.getPolicyConfiguration().setExcludePattern(pattern);
        List<String> all = Stream.of(LISTED_BEFORE, NEW_PROVIDER, MEASURED).flatMap(List::stream).toList();
        try (CamelContext context = new DefaultCamelContext()) {
            context.addRoutePolicyFactory(factory);
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    for (String id : all) {
                        from("direct:" + id).routeId(id).setBody(constant("ok"));
                    }
                }
            });
            context.start();
            for (String id : all) {
                context.createProducerTemplate().sendBody("direct:" + id, "x");
            }
            Set<String> measured = registry.getMeters().stream()
                    .map(Meter::getId)
                    .map(id -> id.getTag("routeId"))
                    .filter(Objects::nonNull)
                    .collect(Collectors.toSet());
            assertThat(measured).containsExactlyInAnyOrderElementsOf(MEASURED);
        }
    }
}
