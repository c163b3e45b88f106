package io.wagateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Route {@code templates-api} (routes/chats.camel.yaml), taken from the file with its HTTP consumer replaced by
 * {@code direct:templates-api}: a provider with a templates route answers its templates; one without answers
 * {@code supported:false} at once (a direct endpoint without a consumer waits 30 s for one by default).
 */
class TemplatesApiRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static CamelContext context;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void start() throws Exception {
        List<Object> entries;
        try (InputStream in = Files.newInputStream(Path.of("routes/chats.camel.yaml"))) {
            entries = new Yaml().load(in);
        }
        Map<String, Object> route = entries.stream()
                .filter(e -> e instanceof Map<?, ?> m && m.get("route") instanceof Map<?, ?> r
                        && "templates-api".equals(r.get("id")))
                .map(e -> (Map<String, Object>) ((Map<String, Object>) e).get("route"))
                .findFirst().orElseThrow();
        route.remove("routeConfigurationId");       // the page's error answers are not under test
        Map<String, Object> from = (Map<String, Object>) route.get("from");
        from.put("uri", "direct:templates-api");
        from.remove("parameters");
        context = new DefaultCamelContext();
        ChatBrowser browser = new ChatBrowser();
        browser.setToken("page-token");
        context.getRegistry().bind("chatBrowser", browser);
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("picked.camel.yaml",
                new Yaml().dump(List.of(Map.of("route", route)))));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:templates-meta").routeId("templates-meta")
                        .setBody(constant("{\"provider\":\"meta\",\"items\":[]}"));
            }
        });
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
    }

    private static Exchange get(String query) {
        return context.createProducerTemplate().request("direct:templates-api", e -> {
            e.getMessage().setHeader("Authorization", "Bearer page-token");
            e.getMessage().setHeader(Exchange.HTTP_QUERY, query);
        });
    }

    @Test
    void aProviderWithATemplatesRouteAnswersIt() throws Exception {
        Exchange e = get("provider=meta&account=1065");
        assertThat(e.getException()).isNull();
        assertThat(JSON.readTree(e.getMessage().getBody(String.class)).path("provider").asText()).isEqualTo("meta");
    }

    @Test
    void aProviderWithoutTemplatesAnswersNotSupportedAtOnce() throws Exception {
        long start = System.nanoTime();
        Exchange e = get("provider=waha&account=default");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.getException()).isNull();
        assertThat(JSON.readTree(e.getMessage().getBody(String.class)).path("supported").asBoolean(true)).isFalse();
        assertThat(millis).as("answered without waiting for a consumer").isLessThan(5_000);
    }
}
