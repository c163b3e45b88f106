package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route-level tests of the name-lookup dispatch (route {@code name-lookup}, routes/enrichment.camel.yaml) and of the
 * provider lookups it reaches by naming convention ({@code direct:name-lookup-<provider>}, in the provider files):
 * the provider's HTTP call is a {@link MockEndpoint} (AdviceWith). WAHA is configured here; Periskope and Unipile
 * are not (no API key); Meta and Evolution API have no lookup route. What {@code EnrichmentCache} gets back is the
 * body: a name, or empty for "no name".
 */
class NameLookupRoutesTest {

    /** Stands in for gatewayMetrics: the provider API calls counted. */
    public static class ApiCalls {
        final List<String> calls = new CopyOnWriteArrayList<>();

        public void apiCall(String provider, String api) {
            calls.add(provider + ":" + api);
        }
    }

    private static final ApiCalls METRICS = new ApiCalls();

    private static final List<String> LOOKUPS =
            List.of("name-lookup-waha", "name-lookup-periskope", "name-lookup-unipile");

    private static CamelContext context;

    private static MockEndpoint provider;

    @BeforeAll
    static void start() throws Exception {
        Properties props = new Properties();
        props.setProperty("gateway.waha.base-url", "http://waha.test:3000");
        props.setProperty("gateway.waha.api-key", "waha-key");
        props.setProperty("gateway.enrichment.api-timeout-ms", "1234");
        context = ProviderRoutes.load(
                List.of(Path.of("routes/enrichment.camel.yaml"), Path.of("routes/waha.camel.yaml"),
                        Path.of("routes/periskope.camel.yaml"), Path.of("routes/unipile.camel.yaml")),
                Set.of("name-lookup", "name-lookup-waha", "name-lookup-periskope", "name-lookup-unipile"), props,
                Map.of("gatewayMetrics", METRICS));
        for (String routeId : LOOKUPS) {
            AdviceWith.adviceWith(context, routeId, a -> a.interceptSendToEndpoint("http*")
                    .skipSendToOriginalEndpoint()
                    .to("mock:provider"));
        }
        context.start();
        provider = context.getEndpoint("mock:provider", MockEndpoint.class);
    }

    @AfterAll
    static void stop() {
        context.stop();
    }

    @BeforeEach
    void reset() {
        provider.reset();
        METRICS.calls.clear();
    }

    private Object lookup(String providerId, String kind, String id, String chatType) {
        return context.createProducerTemplate().requestBodyAndHeaders("direct:name-lookup", null,
                Map.of("provider", providerId, "accountId", "default", "lookupKind", kind, "lookupId", id,
                        "chatType", chatType, "CamelHttpPath", "/stale"));
    }

    @Test
    void wahaGroupNameIsTheGroupsSubject() throws Exception {
        provider.expectedMessageCount(1);
        provider.whenAnyExchangeReceived(e -> e.getMessage().setBody("{\"id\":\"1203@g.us\",\"subject\":\"Team\"}"));
        assertThat(lookup("waha", "chat", "1203@g.us", "group")).isEqualTo("Team");
        provider.assertIsSatisfied();
        Exchange call = provider.getExchanges().get(0);
        assertThat(call.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class))
                .isEqualTo("http://waha.test:3000?connectTimeout=1234&responseTimeout=1234");
        assertThat(call.getIn().getHeader(Exchange.HTTP_METHOD)).isEqualTo("GET");
        assertThat(call.getIn().getHeader(Exchange.HTTP_PATH)).isEqualTo("/api/default/groups/1203@g.us");
        assertThat(call.getIn().getHeader("X-Api-Key")).isEqualTo("waha-key");
        assertThat(METRICS.calls).containsExactly("waha:names");
    }

    @Test
    void wahaContactNameIsTheContactsName() throws Exception {
        provider.expectedMessageCount(1);
        provider.whenAnyExchangeReceived(e -> e.getMessage().setBody("{\"id\":\"1555@c.us\",\"name\":\"Ann\"}"));
        assertThat(lookup("waha", "contact", "1555@c.us", "group")).isEqualTo("Ann");
        provider.assertIsSatisfied();
        Exchange call = provider.getExchanges().get(0);
        assertThat(call.getIn().getHeader(Exchange.HTTP_PATH)).isEqualTo("/api/contacts");
        assertThat(call.getIn().getHeader(Exchange.HTTP_QUERY)).isEqualTo("contactId=1555@c.us&session=default");
    }

    @Test
    void anAnswerWithoutTheFieldIsNoName() throws Exception {
        provider.whenAnyExchangeReceived(e -> e.getMessage().setBody("{\"id\":\"1203@g.us\"}"));
        Object answer = lookup("waha", "chat", "1203@g.us", "group");
        assertThat(answer == null ? "" : answer.toString().strip()).isEmpty();
    }

    /** Periskope and Unipile without an API key: no call, not counted, no name. */
    @Test
    void anUnconfiguredProviderIsNotAsked() throws Exception {
        provider.expectedMessageCount(0);
        assertThat(lookup("periskope", "chat", "1203@g.us", "group")).isEqualTo("");
        assertThat(lookup("unipile", "chat", "chat-9", "direct")).isEqualTo("");
        provider.assertIsSatisfied();
        assertThat(METRICS.calls).isEmpty();
    }

    /** Meta and Evolution API have no name-lookup-<provider> route: no name, at once (the direct call does not wait). */
    @Test
    void aProviderWithoutALookupRouteAnswersNoNameAtOnce() throws Exception {
        provider.expectedMessageCount(0);
        long start = System.nanoTime();
        assertThat(lookup("meta", "chat", "15550100001", "direct")).isEqualTo("");
        assertThat(lookup("evolution", "contact", "15550100001@s.whatsapp.net", "direct")).isEqualTo("");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);   // direct's default wait is 30 s
        provider.assertIsSatisfied();
        assertThat(METRICS.calls).isEmpty();
    }
}
