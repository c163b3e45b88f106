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
        if (!beans.containsKey("tenants")) {
            context.getRegistry().bind("tenants", defaultTenants(properties, context));
        }
        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.fromString("picked.camel.yaml", new Yaml().dump(picked)));
        return context;
    }

    /**
     * The {@code tenants} bean as routes/beans.camel.yaml declares it: the default tenant from the single-provider
     * properties (with the same defaults), plus {@code gateway.tenants.file} when given.
     *
     * @param p       the placeholders
     * @param context the context whose placeholders a YAML-only provider's default entry is read from
     * @return the loaded tenants
     */
    static io.wagateway.tenant.Tenants defaultTenants(Properties p, CamelContext context) {
        io.wagateway.tenant.Tenants t = new io.wagateway.tenant.Tenants();
        t.setCamelContext(context);
        t.setYamlProviders(p.getProperty("gateway.tenants.yaml-providers", "evolution"));
        t.setFile(p.getProperty("gateway.tenants.file", ""));
        t.setMetaAccessToken(p.getProperty("gateway.meta.access-token", ""));
        t.setMetaWabaId(p.getProperty("gateway.meta.waba-id", ""));
        t.setWahaApiKey(p.getProperty("gateway.waha.api-key", ""));
        t.setWahaBaseUrl(p.getProperty("gateway.waha.base-url", ""));
        t.setPeriskopeApiKey(p.getProperty("gateway.periskope.api-key", ""));
        t.setPeriskopeBaseUrl(p.getProperty("gateway.periskope.base-url", "https://api.periskope.app/v1"));
        t.setUnipileApiKey(p.getProperty("gateway.unipile.api-key", ""));
        t.setUnipileDsn(p.getProperty("gateway.unipile.dsn", ""));
        t.load();
        return t;
    }
}
