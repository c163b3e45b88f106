package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.GatewayIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Route;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/openapi.yaml against the running gateway: every path and method it describes is served by a platform-http
 * route, and every platform-http route under {@code /api/messages}, {@code /api/chats} and {@code /api/media} is described, so neither
 * can change without the other. Also checks the file's own integrity: OpenAPI 3.1, every {@code $ref} resolves, and
 * the send request's discriminator covers exactly the message kinds.
 */
class OpenApiIT extends GatewayIntegrationTest {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final List<String> DESCRIBED_PREFIXES = List.of("/api/messages", "/api/chats", "/api/media", "/api/me");

    private static JsonNode spec;

    @BeforeAll
    static void readSpec() throws Exception {
        Map<String, Object> yaml = new Yaml().load(Files.readString(Path.of("docs/openapi.yaml")));
        spec = JSON.valueToTree(yaml);
    }

    /** {@code /api/chats/{id}/read} and {@code /api/chats/{chatId}/read} are the same path. */
    private static String template(String path) {
        return path.replaceAll("\\{[^}/]+}", "{}");
    }

    /** The described operations as "METHOD /path/{}". */
    private static Set<String> described() {
        Set<String> ops = new TreeSet<>();
        spec.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) {
                ops.add(m.toUpperCase(Locale.ROOT) + " " + template(path.getKey()));
            }
        }));
        return ops;
    }

    /**
     * The gateway's platform-http routes as "METHOD /path/{}" ("*" for a route that takes every method), read from the
     * routes' endpoints: the component's own list of endpoints keeps one entry per path, so a second route on the same
     * path (GET and POST /api/messages) would be missing from it.
     */
    private Set<String> served() {
        Set<String> ops = new TreeSet<>();
        for (Route route : camelContext.getRoutes()) {
            if (route.getEndpoint() instanceof PlatformHttpEndpoint e) {
                String verbs = e.getHttpMethodRestrict() == null || e.getHttpMethodRestrict().isBlank()
                        ? "*" : e.getHttpMethodRestrict();
                for (String verb : verbs.split(",")) {
                    ops.add(verb.trim().toUpperCase(Locale.ROOT) + " " + template(e.getPath()));
                }
            }
        }
        return ops;
    }

    @Test
    void everyDescribedOperationIsServedByARouteOfTheGateway() {
        Set<String> served = served();
        assertThat(served).as("the gateway's platform-http routes").contains("GET /api/messages");
        List<String> missing = new ArrayList<>();
        for (String op : described()) {
            String path = op.substring(op.indexOf(' ') + 1);
            if (!served.contains(op) && !served.contains("* " + path)) {
                missing.add(op);
            }
        }
        assertThat(missing).as("described in docs/openapi.yaml but served by no route (served: %s)", served).isEmpty();
    }

    @Test
    void everyRouteUnderTheDescribedPathsIsDescribed() {
        Set<String> described = described();
        List<String> undocumented = new ArrayList<>();
        for (String op : served()) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1);
            if (DESCRIBED_PREFIXES.stream().anyMatch(path::startsWith)
                    && !(method.equals("*") ? described.stream().anyMatch(d -> d.endsWith(" " + path))
                            : described.contains(op))) {
                undocumented.add(op);
            }
        }
        assertThat(undocumented).as("served but not described in docs/openapi.yaml").isEmpty();
    }

    @Test
    void theFileIsOpenApi31AndEveryReferenceResolves() {
        assertThat(spec.path("openapi").asText()).startsWith("3.1.");
        List<String> refs = new ArrayList<>();
        collectRefs(spec, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).as("a local reference").startsWith("#/");
            assertThat(spec.at(ref.substring(1)).isMissingNode()).as("%s resolves", ref).isFalse();
        }
    }

    @Test
    void theSendRequestCoversEveryMessageKindOnce() {
        JsonNode kinds = spec.at("/components/schemas/MessageKind/enum");
        Set<String> kindSet = new TreeSet<>();
        kinds.forEach(k -> kindSet.add(k.asText()));
        assertThat(kindSet).containsExactlyInAnyOrder("text", "image", "video", "audio", "document", "sticker",
                "buttons", "list", "template", "reaction", "location");
        Set<String> mapped = new TreeSet<>();
        spec.at("/components/schemas/SendRequest/discriminator/mapping").fieldNames().forEachRemaining(mapped::add);
        assertThat(mapped).isEqualTo(kindSet);
        Set<String> alternatives = new TreeSet<>();
        spec.at("/components/schemas/SendRequest/oneOf").forEach(r -> alternatives.add(r.path("$ref").asText()));
        Set<String> targets = new TreeSet<>();
        spec.at("/components/schemas/SendRequest/discriminator/mapping").forEach(t -> targets.add(t.asText()));
        assertThat(targets).isEqualTo(alternatives);
        assertThat(spec.at("/paths/~1api~1messages/post/responses").fieldNames()).toIterable()
                .contains("202", "400", "401", "404", "422");
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("$ref")) {
                    refs.add(f.getValue().asText());
                } else {
                    collectRefs(f.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
