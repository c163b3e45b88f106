package io.wagateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.support.GatewayIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The route-file check: every file in routes/ loads against the Camel 4.17 YAML DSL (the loader rejects unknown keys,
 * so a misspelt key fails the context here), every route and templated route has a unique kebab-case id and is
 * started, and every placeholder has a default or is documented in application.yaml.
 */
class RouteFilesLoadedIT extends GatewayIntegrationTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyRouteOfEveryFileIsStarted() throws Exception {
        List<String> declared = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("routes"))) {      // with the flows of routes/flows/
            files = s.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            List<Object> items = new Yaml().load(Files.readString(file));
            for (Object item : items) {
                Map<String, Object> route = (Map<String, Object>) ((Map<String, Object>) item).get("route");
                if (route != null) {
                    assertThat(route.get("id")).as("route without id in %s", file).isNotNull();
                    declared.add((String) route.get("id"));
                }
                Map<String, Object> templated = (Map<String, Object>) ((Map<String, Object>) item).get("templatedRoute");
                if (templated != null) {
                    assertThat(templated.get("routeId")).as("templatedRoute without routeId in %s", file).isNotNull();
                    declared.add((String) templated.get("routeId"));
                }
            }
        }
        // each provider's webhook paths (gateway.<provider>.paths) are routes made by its WebhookPaths bean
        camelContext.getRegistry().findByType(io.wagateway.inbound.WebhookPaths.class)
                .forEach(paths -> declared.addAll(paths.routeIds()));
        assertThat(declared).contains("meta-inbound", "meta-inbound-2", "meta-get", "waha-get-2", "periskope-inbound-2",
                "unipile-inbound-2", "evolution-inbound");
        assertThat(declared).doesNotHaveDuplicates();
        assertThat(declared).allMatch(id -> id.matches("[a-z0-9]+(-[a-z0-9]+)*"), "route ids are kebab-case");
        assertThat(camelContext.getRoutes()).hasSize(declared.size());
        for (String id : declared) {
            assertThat(camelContext.getRoute(id)).as("route %s", id).isNotNull();
            assertThat(camelContext.getRouteController().getRouteStatus(id)).isEqualTo(ServiceStatus.Started);
        }
    }

    /**
     * Every property a route file reads - {@code {{key}}} placeholders and Simple's {@code ${properties:key}} - either
     * carries a default ({@code {{key:default}}}) or is documented in application.yaml; a routeTemplate's own
     * parameters are exempt. Keys are dotted lowercase.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyPlaceholderHasADefaultOrIsDocumentedInApplicationYaml() throws Exception {
        java.util.Set<String> documented = new java.util.TreeSet<>();
        flatten("", new Yaml().load(Files.readString(Path.of("application.yaml"))), documented);
        assertThat(documented).contains("gateway.elasticsearch.url", "gateway.ignore-groups");
        java.util.regex.Pattern placeholder = java.util.regex.Pattern.compile(
                "\\{\\{([^{}]+)}}|\\$\\{properties:([^}]+)}");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> s = Files.walk(Path.of("routes"))) {
            for (Path file : s.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().toList()) {
                String text = Files.readString(file);
                java.util.Set<String> templateParameters = new java.util.HashSet<>();
                for (Object item : (List<Object>) new Yaml().load(text)) {
                    Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) item).get("routeTemplate");
                    if (template != null) {
                        for (Map<String, Object> p : (List<Map<String, Object>>) template.get("parameters")) {
                            templateParameters.add((String) p.get("name"));
                        }
                        templateParameters.add("verifier");     // the template's local bean
                    }
                }
                java.util.regex.Matcher m = placeholder.matcher(text);
                while (m.find()) {
                    String expr = m.group(1) != null ? m.group(1) : m.group(2);
                    String key = expr.contains(":") ? expr.substring(0, expr.indexOf(':')) : expr;
                    boolean hasDefault = expr.contains(":");
                    checked++;
                    if (templateParameters.contains(key)) {
                        continue;
                    }
                    if (!key.matches("[a-z0-9]+([.-][a-z0-9]+)*")) {
                        problems.add(file.getFileName() + ": key not dotted lowercase: " + expr);
                    } else if (!hasDefault && !documented.contains(key)) {
                        problems.add(file.getFileName() + ": no default and not in application.yaml: " + expr);
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(50);
        assertThat(problems).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, java.util.Set<String> keys) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, keys));
        } else {
            keys.add(prefix);
        }
    }

    /**
     * Route files load in no guaranteed order (the filesystem's): beans must not depend on another file having been
     * loaded first. Here every file is listed explicitly with the store's file last, and the gateway still works.
     */
    @Test
    void theRouteFilesWorkInAnyLoadOrder() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.walk(Path.of("routes"))) {
            files = s.map(p -> Path.of("routes").relativize(p).toString()).filter(n -> n.endsWith(".camel.yaml"))
                    .sorted(java.util.Comparator.reverseOrder()).collect(java.util.stream.Collectors.toList());
        }
        files.remove("message-store.camel.yaml");
        files.add("message-store.camel.yaml");
        String pattern = String.join(",", files.stream().map(f -> "classpath:routes/" + f).toList());
        try (org.springframework.context.ConfigurableApplicationContext other = startAnotherGateway(
                "--camel.main.routes-include-pattern=" + pattern)) {
            int otherPort = Integer.parseInt(other.getEnvironment().getProperty("local.server.port"));
            byte[] body = io.wagateway.support.Fixtures.bytes("webhooks/waha/message_inbound_text.json");
            java.net.http.HttpResponse<String> r = HTTP.send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://localhost:" + otherPort + "/webhooks/waha"))
                    .header("X-Webhook-Hmac", io.wagateway.support.Fixtures.wahaSignature(body))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(message("waha:default:false_15550100001@c.us_3EB0FAKE00000000000201")).isNotNull();
        }
    }
}
