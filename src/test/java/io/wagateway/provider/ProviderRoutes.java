package io.wagateway.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.yaml.snakeyaml.Yaml;

/**
 * A Camel context with a few routes taken from route files (routes/*.camel.yaml) by id, without the rest of the
 * file (its beans, templates and inbound routes) and without Spring or Elasticsearch: what a route-level test needs to
 * run one provider route with its collaborators mocked.
 */
final class ProviderRoutes {

    private ProviderRoutes() {
    }

    /**
     * @param routeFiles the route files, e.g. {@code routes/waha.camel.yaml}
     * @param routeIds   the ids of the routes to load from them
     * @param properties placeholders the routes read
     * @param beans      beans the routes call, by name
     * @return a context, not started, with exactly those routes
     */
    static CamelContext load(List<Path> routeFiles, Set<String> routeIds, Properties properties,
            Map<String, Object> beans) throws Exception {
        List<Object> picked = new ArrayList<>();
        for (Path routeFile : routeFiles) {
            List<Object> entries;
            try (InputStream in = Files.newInputStream(routeFile)) {
                entries = new Yaml().load(in);
            }
            entries.stream()
                    .filter(e -> e instanceof Map<?, ?> m && m.get("route") instanceof Map<?, ?> r
                            && routeIds.contains(String.valueOf(r.get("id"))))
                    .forEach(picked::add);
        }
        if (picked.size() != routeIds.size()) {
            throw new IOException(routeFiles + " lack some of the routes " + routeIds);
        }
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(properties);
        beans.forEach(context.getRegistry()::bind);
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.fromString("picked.camel.yaml", new Yaml().dump(picked)));
        return context;
    }
}
