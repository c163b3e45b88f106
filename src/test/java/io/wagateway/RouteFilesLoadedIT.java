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
}
