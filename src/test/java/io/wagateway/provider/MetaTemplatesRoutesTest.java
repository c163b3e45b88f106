package io.wagateway.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.api.AdminAccessException;
import io.wagateway.provider.meta.MetaTemplates;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route {@code templates-meta} (routes/meta-cloud-api.camel.yaml) against a WireMock Graph API answering in the shape
 * of Meta's "Message Templates" reference ({@code data[]} of {@code name, language, status, category, components},
 * {@code paging.cursors} and {@code paging.next}): the request (path, query, Bearer token in the header only), the
 * cache, the paging bound, a {@code paging.next} off the Graph host, a refusal, and no WABA id.
 */
class MetaTemplatesRoutesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final WireMockServer GRAPH = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final MetaTemplates TEMPLATES = new MetaTemplates();
    private static CamelContext context;

    @BeforeAll
    static void start() throws Exception {
        GRAPH.start();
        Properties props = new Properties();
        props.setProperty("gateway.meta.graph-base-url", GRAPH.baseUrl());
        props.setProperty("gateway.meta.graph-version", "v23.0");
        props.setProperty("gateway.meta.access-token", "meta-token");
        props.setProperty("gateway.meta.templates-cache-seconds", "300");
        TEMPLATES.setGraphBaseUrl(GRAPH.baseUrl());
        TEMPLATES.setGraphVersion("v23.0");
        TEMPLATES.setMaxPages(3);
        context = ProviderRoutes.load(List.of(Path.of("routes/meta-cloud-api.camel.yaml")), Set.of("templates-meta"),
                props, Map.of("metaTemplates", TEMPLATES));
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
        GRAPH.stop();
    }

    @BeforeEach
    void reset() {
        GRAPH.resetAll();
    }

    private static String template(String name) {
        return "{\"name\":\"" + name + "\",\"language\":\"en_US\",\"status\":\"APPROVED\",\"category\":\"UTILITY\","
                + "\"components\":[{\"type\":\"BODY\",\"text\":\"Hello {{1}}, your order {{2}} shipped\"}],"
                + "\"id\":\"" + name.hashCode() + "\"}";
    }

    /** A page of Meta's answer: its templates, and a paging.next (absolute URL) when {@code next} is not null. */
    private static String page(String next, String... names) {
        StringBuilder b = new StringBuilder("{\"data\":[");
        for (int i = 0; i < names.length; i++) {
            b.append(i > 0 ? "," : "").append(template(names[i]));
        }
        b.append("],\"paging\":{\"cursors\":{\"before\":\"QVFIUmx1\",\"after\":\"QVFIUmxy\"}");
        if (next != null) {
            b.append(",\"next\":\"").append(next).append('"');
        }
        return b.append("}}").toString();
    }

    private static void answer(String waba, String after, int status, String body) {
        var mapping = get(urlPathEqualTo("/v23.0/" + waba + "/message_templates"));
        if (after != null) {
            mapping = mapping.withQueryParam("after", com.github.tomakehurst.wiremock.client.WireMock.equalTo(after));
        } else {
            mapping = mapping.withQueryParam("after", com.github.tomakehurst.wiremock.client.WireMock.absent());
        }
        GRAPH.stubFor(mapping.willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static String nextUrl(String waba, String after) {
        return GRAPH.baseUrl() + "/v23.0/" + waba + "/message_templates?status=APPROVED&limit=100&after=" + after;
    }

    private static Exchange call(String waba) {
        TEMPLATES.setWabaId(waba);
        return context.createProducerTemplate().send("direct:templates-meta", e -> {
            e.getMessage().setHeader(Exchange.HTTP_URI, "/api/templates");         // the caller's request: dropped
            e.getMessage().setHeader(Exchange.HTTP_QUERY, "provider=meta&account=1");
        });
    }

    private static JsonNode json(Exchange e) throws Exception {
        assertThat(e.getException()).isNull();
        return MAPPER.readTree(e.getMessage().getBody(String.class));
    }

    private static List<LoggedRequest> requests(String waba) {
        return GRAPH.findAll(getRequestedFor(urlPathEqualTo("/v23.0/" + waba + "/message_templates")));
    }

    @Test
    void readsTheApprovedTemplatesWithTheTokenInTheHeaderAndCachesThem() throws Exception {
        answer("waba-1", null, 200, page(nextUrl("waba-1", "P2"), "order_shipped", "welcome"));
        answer("waba-1", "P2", 200, page(null, "payment_due"));

        JsonNode first = json(call("waba-1"));
        assertThat(first.path("items")).extracting(t -> t.path("name").asText())
                .containsExactly("order_shipped", "welcome", "payment_due");
        assertThat(first.path("items").get(0).path("components").get(0).path("text").asText()).contains("{{1}}");
        assertThat(first.path("truncated").asBoolean()).isFalse();
        assertThat(first.path("pages").asInt()).isEqualTo(2);
        List<LoggedRequest> sent = requests("waba-1");
        assertThat(sent).hasSize(2);
        LoggedRequest firstRequest = sent.get(0);
        assertThat(firstRequest.getHeader("Authorization")).isEqualTo("Bearer meta-token");
        assertThat(firstRequest.queryParameter("status").firstValue()).isEqualTo("APPROVED");
        assertThat(firstRequest.queryParameter("fields").firstValue()).isEqualTo("name,language,status,category,components");
        for (LoggedRequest r : sent) {
            assertThat(r.getUrl()).doesNotContain("meta-token").doesNotContain("provider=").doesNotContain("account=");
            assertThat(r.getHeader("Authorization")).isEqualTo("Bearer meta-token");
        }

        // the second read is answered from the cache: no request to Meta
        JsonNode second = json(call("waba-1"));
        assertThat(second).isEqualTo(first);
        assertThat(requests("waba-1")).hasSize(2);
    }

    @Test
    void followsPagingNextAtMostMaxPagesTimes() throws Exception {
        answer("waba-2", null, 200, page(nextUrl("waba-2", "P2"), "t1"));
        answer("waba-2", "P2", 200, page(nextUrl("waba-2", "P3"), "t2"));
        answer("waba-2", "P3", 200, page(nextUrl("waba-2", "P4"), "t3"));
        answer("waba-2", "P4", 200, page(null, "t4"));

        JsonNode r = json(call("waba-2"));
        assertThat(r.path("items")).extracting(t -> t.path("name").asText()).containsExactly("t1", "t2", "t3");
        assertThat(r.path("truncated").asBoolean()).isTrue();
        assertThat(requests("waba-2")).hasSize(3);
    }

    @Test
    void aNextPageOffTheGraphHostIsNotFollowed() throws Exception {
        answer("waba-3", null, 200, page("https://evil.example/v23.0/waba-3/message_templates?after=X", "t1"));

        JsonNode r = json(call("waba-3"));
        assertThat(r.path("items")).hasSize(1);
        assertThat(GRAPH.getAllServeEvents()).hasSize(1);
    }

    @Test
    void aRefusalAnswers502AndIsNotCached() throws Exception {
        answer("waba-4", null, 400, "{\"error\":{\"message\":\"Unsupported get request.\",\"type\":\"GraphMethodException\","
                + "\"code\":100}}");

        Exchange e = call("waba-4");
        assertThat(e.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(502);
        assertThat(json(e).path("error").asText()).contains("HTTP 400").contains("Unsupported get request");

        GRAPH.resetAll();
        answer("waba-4", null, 200, page(null, "t1"));
        assertThat(json(call("waba-4")).path("items")).hasSize(1);
        assertThat(requests("waba-4")).hasSize(1);
    }

    @Test
    void noWabaIdMeansNoTemplates404() {
        Exchange e = call("");
        assertThat(e.getException()).isInstanceOf(AdminAccessException.class);
        assertThat(((AdminAccessException) e.getException()).getStatus()).isEqualTo(404);
        assertThat(GRAPH.getAllServeEvents()).isEmpty();
    }
}
