package io.wagateway.inbound;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.spi.RouteTemplateParameterSource;

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
 * <p>Paths are exact (no {@code {param}}, no {@code *}), start with {@code /}, and are served once each. Under Spring
 * Boot, {@code InboundHttpConfiguration} maps the webhook servlet (byte budgets, read deadline, 503 while starting) on
 * the same lists.
 */
public class WebhookPaths implements RouteTemplateParameterSource {

    /** Template of a POST path (routes/signed-webhook.camel.yaml). */
    static final String POST_TEMPLATE = "webhook-path";
    /** Template of a GET path (routes/signed-webhook.camel.yaml). */
    static final String GET_TEMPLATE = "webhook-get-path";

    private String provider;
    private List<String> paths = List.of();
    private String enabled = "true";
    private String getTarget = "";

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
        return ids;
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

    @Override
    public String toString() {
        return provider + " webhook paths " + Arrays.toString(paths.toArray());
    }
}
