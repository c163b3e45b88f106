package io.wagateway.inbound;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.wagateway.tenant.ProviderAccount;
import io.wagateway.tenant.Tenants;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.RouteTemplateParameterSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP paths of one provider's webhook, as a comma list ({@code gateway.<provider>.paths}): each path becomes a
 * route of the {@code webhook-path} template (routes/signed-webhook.camel.yaml), so every path of the list - the
 * replaced systems' paths too (issue 16 item 7) - gets the same verification and processing. With a
 * {@link #setGetTarget get target}, each path also answers GET through a {@code webhook-get-path} route (Meta's
 * hub.challenge handshake, WAHA's health probe).
 *
 * <p>Camel creates the routes when the context initialises, from every {@link RouteTemplateParameterSource} in its
 * registry (Camel's documented way to build routes from templates with parameters from elsewhere); declared as a YAML
 * bean, it works the same under Spring Boot and Camel JBang. Route ids: {@code <provider>-inbound} for the first
 * path, {@code <provider>-inbound-2}, ... for the others; {@code <provider>-get}, {@code <provider>-get-2}, ... for
 * the GET routes.
 *
 * <p>Tenants (issue 22 item 1, docs/tenants.md): every entry of the provider in the tenants file
 * ({@link Tenants#inbound}) gets its own path {@code /webhooks/<provider>/<tenant>[/<entry>]} from the same templates,
 * with the template parameters {@code tenant} and {@code entry}, which the route sets as exchange properties
 * ({@link TenantWebhooks#TENANT}, {@link TenantWebhooks#ENTRY}): the signature verifier then uses that entry's secret
 * and the payload route qualifies the account ids. Route ids {@code <provider>-inbound-<tenant>} and
 * {@code <provider>-get-<tenant>}, with {@code .<entry>} for a named entry (e.g. {@code meta-inbound-acme},
 * {@code waha-inbound-acme.eu}). The tenants bean is looked up by name ({@link #setTenants}) when Camel asks for the
 * routes, not bound as a {@code #bean:} reference: this bean lives in the provider's route file, and Camel 4.17
 * creates the beans of route files file by file, so a reference to a bean of routes/beans.camel.yaml would depend on
 * the load order (RouteFilesLoadedIT). By the time Camel creates routes from templates, every bean exists.
 *
 * <p>Paths are exact (no {@code {param}}, no {@code *}), start with {@code /}, and are served once each. Under Spring
 * Boot, {@code InboundHttpConfiguration} maps the webhook servlet (byte budgets, read deadline, 503 while starting) on
 * the same lists and on {@code /webhooks/*}, which holds every tenant path.
 */
public class WebhookPaths implements RouteTemplateParameterSource, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookPaths.class);

    /** Template of a POST path (routes/signed-webhook.camel.yaml). */
    static final String POST_TEMPLATE = "webhook-path";
    /** Template of a GET path (routes/signed-webhook.camel.yaml). */
    static final String GET_TEMPLATE = "webhook-get-path";

    private String provider;
    private List<String> paths = List.of();
    private String enabled = "true";
    private String getTarget = "";
    private String tenantsBean = "tenants";
    private CamelContext camelContext;
    private List<ProviderAccount> tenantEntries;

    /**
     * Splits a comma list of paths.
     *
     * @param csv paths separated by commas (blanks around them ignored)
     * @return the paths, in order, each once
     * @throws IllegalArgumentException when a path does not start with {@code /} or is not exact
     */
    public static List<String> parse(String csv) {
        Set<String> out = new LinkedHashSet<>();
        if (csv != null) {
            for (String p : csv.split(",")) {
                String path = p.trim();
                if (path.isEmpty()) {
                    continue;
                }
                if (!path.startsWith("/") || path.contains("{") || path.contains("*") || path.contains("?")
                        || path.contains(" ")) {
                    throw new IllegalArgumentException("webhook path must be an exact path starting with /: " + path);
                }
                out.add(path);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public Set<String> routeIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < paths.size(); i++) {
            ids.add(routeId("inbound", i));
            if (!getTarget.isBlank()) {
                ids.add(routeId("get", i));
            }
        }
        for (ProviderAccount entry : tenantEntries()) {
            if (paths.contains(entry.path())) {
                throw new IllegalArgumentException(provider + " webhook path " + entry.path() + " is both in gateway."
                        + provider + ".paths (the default tenant) and the path of " + entry);
            }
            for (String kind : getTarget.isBlank() ? List.of("inbound") : List.of("inbound", "get")) {
                if (!ids.add(tenantRouteId(kind, entry))) {
                    throw new IllegalArgumentException("route id " + tenantRouteId(kind, entry) + " of " + entry
                            + " is taken by a path of gateway." + provider + ".paths: rename the tenant");
                }
            }
        }
        return ids;
    }

    /**
     * The provider's tenant entries, each with its own path (looked up once, when Camel first asks for the routes).
     *
     * @return the entries, in the tenants file's order; empty without a tenants bean
     */
    public synchronized List<ProviderAccount> tenantEntries() {
        if (tenantEntries == null) {
            Tenants tenants = camelContext == null || tenantsBean.isBlank() ? null
                    : camelContext.getRegistry().lookupByNameAndType(tenantsBean, Tenants.class);
            tenantEntries = tenants == null ? List.of() : List.copyOf(tenants.inbound(provider));
            if (!tenantEntries.isEmpty()) {
                LOG.info("{} tenant webhook paths: {}", provider, tenantEntries);  // ProviderAccount masks secrets
            }
            for (ProviderAccount entry : tenantEntries) {
                if (entry.secret() == null || entry.secret().isBlank()) {
                    LOG.warn("{}: no secret configured - every webhook on {} is rejected with 401 until one is set",
                            provider, entry.path());
                }
            }
        }
        return tenantEntries;
    }

    /** @param tenantEntries the provider's tenant entries (tests; normally read from the tenants bean) */
    void setTenantEntries(List<ProviderAccount> tenantEntries) {
        this.tenantEntries = List.copyOf(tenantEntries);
    }

    private String tenantRouteId(String kind, ProviderAccount entry) {
        return provider + "-" + kind + "-" + entry.tenant() + (entry.name().isEmpty() ? "" : "." + entry.name());
    }

    @Override
    public Map<String, Object> parameters(String routeId) {
        for (int i = 0; i < paths.size(); i++) {
            boolean post = routeId.equals(routeId("inbound", i));
            if (post || routeId.equals(routeId("get", i))) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("templateId", post ? POST_TEMPLATE : GET_TEMPLATE);
                p.put("provider", provider);
                p.put("path", paths.get(i));
                p.put("enabled", enabled);
                if (!post) {
                    p.put("target", getTarget);
                }
                return p;
            }
        }
        for (ProviderAccount entry : tenantEntries()) {
            boolean post = routeId.equals(tenantRouteId("inbound", entry));
            if (post || !getTarget.isBlank() && routeId.equals(tenantRouteId("get", entry))) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("templateId", post ? POST_TEMPLATE : GET_TEMPLATE);
                p.put("provider", provider);
                p.put("path", entry.path());
                p.put("enabled", enabled);
                p.put("tenant", entry.tenant());
                p.put("entry", entry.name());
                if (!post) {
                    p.put("target", getTarget);
                }
                return p;
            }
        }
        throw new IllegalArgumentException("no webhook path route " + routeId);
    }

    private String routeId(String kind, int index) {
        return provider + "-" + kind + (index == 0 ? "" : "-" + (index + 1));
    }

    /** @param provider provider id: the routes call {@code direct:<provider>-webhook} */
    public void setProvider(String provider) {
        this.provider = provider;
    }

    /**
     * @param csv the paths, comma-separated, e.g. {@code /webhooks/periskope,/periskopewebhook}; empty = no path
     * @throws IllegalArgumentException when a path is not exact or does not start with {@code /}
     */
    public void setPaths(String csv) {
        this.paths = parse(csv);
    }

    /** @return the paths served, in order */
    public List<String> getPaths() {
        return new ArrayList<>(paths);
    }

    /** @param enabled {@code false} leaves every path unregistered (404): the provider turned off */
    public void setEnabled(String enabled) {
        this.enabled = enabled;
    }

    /** @param getTarget endpoint that answers GET on every path (e.g. {@code direct:meta-verify}); empty = no GET */
    public void setGetTarget(String getTarget) {
        this.getTarget = getTarget == null ? "" : getTarget.trim();
    }

    /**
     * @param tenantsBean name of the {@link Tenants} bean whose entries of this provider get their own paths
     *                    (default {@code tenants}); empty = no tenant paths
     */
    public void setTenants(String tenantsBean) {
        this.tenantsBean = tenantsBean == null ? "" : tenantsBean.trim();
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public String toString() {
        return provider + " webhook paths " + Arrays.toString(paths.toArray());
    }
}
