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

/** Every route declared in every file of routes/ is loaded and started; a file that fails to load fails here. */
class RouteFilesLoadedIT extends GatewayIntegrationTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyRouteOfEveryFileIsStarted() throws Exception {
        List<String> declared = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("routes"))) {
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
            }
        }
        assertThat(camelContext.getRoutes()).hasSize(declared.size());
        for (String id : declared) {
            assertThat(camelContext.getRoute(id)).as("route %s", id).isNotNull();
            assertThat(camelContext.getRouteController().getRouteStatus(id)).isEqualTo(ServiceStatus.Started);
        }
    }

    /**
     * Route files load in no guaranteed order (the filesystem's): beans must not depend on another file having been
     * loaded first. Here every file is listed explicitly with the store's file last, and the gateway still works.
     */
    @Test
    void theRouteFilesWorkInAnyLoadOrder() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(Path.of("routes"))) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".camel.yaml"))
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
