package io.wagateway.provider.unipile;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route-level test of routes/unipile-registration.camel.yaml (providers.md §4.1-4.3), loaded on its own in a plain
 * Camel context against a WireMock Unipile: list, create when none is ours, converge duplicates, retry then give up.
 */
class UnipileWebhookRegistrationTest {

    private static final String API_KEY = "test-api-key";
    private static final String SECRET = "s3cret-value";
    private static final String BASE_URL = "https://gateway.example";
    private static final String TARGET = BASE_URL + "/webhooks/unipile";
    private static final String WEBHOOKS = "/api/v1/webhooks";

    private WireMockServer unipile;
    private DefaultCamelContext context;

    @BeforeEach
    void setUp() {
        unipile = new WireMockServer(options().dynamicPort());
        unipile.start();
    }

    @AfterEach
    void tearDown() {
        if (context != null) {
            context.stop();
        }
        unipile.stop();
    }

    private Properties settings(String dsn) {
        Properties p = new Properties();
        p.setProperty("gateway.unipile.dsn", dsn);
        p.setProperty("gateway.unipile.api-key", API_KEY);
        p.setProperty("gateway.webhook-base-url", BASE_URL + "/");
        p.setProperty("gateway.unipile.webhook-secret", SECRET);
        p.setProperty("gateway.unipile.registration.retries", "2");          // 3 attempts
        p.setProperty("gateway.unipile.registration.retry-delay-ms", "50");
        return p;
    }

    private Properties settings() {
        return settings("http://localhost:" + unipile.port() + "/");
    }

    /** Starts the registration route (its timer fires once at start) and waits until that run is done. */
    private NotifyBuilder start(Properties settings) throws Exception {
        context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(settings);
        context.getShutdownStrategy().setTimeout(5);
        PluginHelper.getRoutesLoader(context).loadRoutes(
                ResourceHelper.resolveMandatoryResource(context, "file:routes/unipile-registration.camel.yaml"));
        NotifyBuilder done = new NotifyBuilder(context).fromRoute("unipile-webhook-registration").whenDone(1).create();
        context.start();
        return done;
    }

    private void registerAndWait(Properties settings) throws Exception {
        NotifyBuilder done = start(settings);
        assertThat(done.matches(20, TimeUnit.SECONDS)).as("the registration ran").isTrue();
    }

    private static String list(String... idAndUrl) {
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < idAndUrl.length; i += 2) {
            if (items.length() > 0) {
                items.append(',');
            }
            items.append("{\"object\":\"Webhook\",\"id\":\"").append(idAndUrl[i])
                    .append("\",\"type\":\"AUTO\",\"enabled\":true,\"request_url\":\"").append(idAndUrl[i + 1])
                    .append("\",\"format\":\"json\"}");
        }
        return "{\"object\":\"WebhookList\",\"items\":[" + items + "]}";
    }

    @Test
    void createsOneWebhookInTheBackgroundWhenNoneExists() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(list("other", "https://elsewhere.example/hook")).withFixedDelay(3_000))
                .willSetStateTo("created"));
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs("created")
                .willReturn(okJson(list("other", "https://elsewhere.example/hook", "wh-new", TARGET))));
        unipile.stubFor(post(urlEqualTo(WEBHOOKS))
                .willReturn(okJson("{\"object\":\"WebhookCreated\",\"webhook_id\":\"wh-new\"}").withStatus(201)));

        NotifyBuilder done = start(settings());
        // the first list answers after 3 s: had the start waited for the registration, it would be done by now
        assertThat(done.matches()).as("the start is not held by the registration").isFalse();
        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();

        unipile.verify(1, postRequestedFor(urlEqualTo(WEBHOOKS))
                .withHeader("X-API-KEY", equalTo(API_KEY))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(matchingJsonPath("$.request_url", equalTo(TARGET)))
                .withRequestBody(matchingJsonPath("$.source", equalTo("messaging")))
                .withRequestBody(matchingJsonPath("$.format", equalTo("json")))
                .withRequestBody(matchingJsonPath("$.enabled", equalTo("true")))
                .withRequestBody(matchingJsonPath("$.name", equalTo("whatsapp-gateway")))
                .withRequestBody(matchingJsonPath("$.events[?(@ == 'message_received')]"))
                .withRequestBody(matchingJsonPath("$.events[?(@ == 'message_read')]"))
                .withRequestBody(matchingJsonPath("$.events[?(@ == 'message_reaction')]"))
                .withRequestBody(matchingJsonPath("$.events[?(@ == 'message_edited')]"))
                .withRequestBody(matchingJsonPath("$.events[?(@ == 'message_deleted')]"))
                .withRequestBody(matchingJsonPath("$.events.length()", equalTo("5")))
                .withRequestBody(matchingJsonPath(
                        "$.headers[?(@.key == 'Content-Type' && @.value == 'application/json')]"))
                .withRequestBody(matchingJsonPath(
                        "$.headers[?(@.key == 'Unipile-Auth' && @.value == '" + SECRET + "')]")));
        unipile.verify(2, getRequestedFor(urlEqualTo(WEBHOOKS)).withHeader("X-API-KEY", equalTo(API_KEY)));
        unipile.verify(0, deleteRequestedFor(anyUrl()));
        // the secret travels in the request body only, never as an HTTP header of the call
        unipile.verify(0, anyRequestedFor(anyUrl()).withHeader("secret", equalTo(SECRET)));
        unipile.verify(0, anyRequestedFor(anyUrl()).withHeader("Unipile-Auth", equalTo(SECRET)));
    }

    @Test
    void existingWebhookForOurUrlIsKept() throws Exception {
        // listed with a trailing slash: still ours
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(okJson(list("wh-1", TARGET + "/"))));

        registerAndWait(settings());

        unipile.verify(1, getRequestedFor(urlEqualTo(WEBHOOKS)));
        unipile.verify(0, postRequestedFor(anyUrl()));
        unipile.verify(0, deleteRequestedFor(anyUrl()));
    }

    @Test
    void duplicateFromAConcurrentStarterIsDeletedKeepingTheSmallestId() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("race").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(list()))
                .willSetStateTo("both-created"));
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("race").whenScenarioStateIs("both-created")
                .willReturn(okJson(list("wh-b", TARGET, "wh-a", TARGET))));
        unipile.stubFor(post(urlEqualTo(WEBHOOKS))
                .willReturn(okJson("{\"object\":\"WebhookCreated\",\"webhook_id\":\"wh-b\"}")));
        unipile.stubFor(delete(urlPathMatching(WEBHOOKS + "/.*"))
                .willReturn(okJson("{\"object\":\"WebhookDeleted\"}")));

        registerAndWait(settings());

        unipile.verify(1, postRequestedFor(urlEqualTo(WEBHOOKS)));
        unipile.verify(1, deleteRequestedFor(urlEqualTo(WEBHOOKS + "/wh-b")).withHeader("X-API-KEY", equalTo(API_KEY)));
        unipile.verify(0, deleteRequestedFor(urlEqualTo(WEBHOOKS + "/wh-a")));
    }

    @Test
    void duplicateAlreadyDeletedByTheOtherInstanceIsFine() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(okJson(list("wh-b", TARGET, "wh-a", TARGET))));
        unipile.stubFor(delete(urlEqualTo(WEBHOOKS + "/wh-b")).willReturn(aResponse().withStatus(404)));

        registerAndWait(settings());

        unipile.verify(1, deleteRequestedFor(urlEqualTo(WEBHOOKS + "/wh-b")));
        unipile.verify(1, getRequestedFor(urlEqualTo(WEBHOOKS)));   // a 404 is the same end state: no retry
        unipile.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void missingSettingsMeanNoRequestAtAll() throws Exception {
        for (String missing : List.of("gateway.unipile.api-key", "gateway.webhook-base-url", "gateway.unipile.dsn")) {
            Properties p = settings();
            p.setProperty(missing, "");
            registerAndWait(p);
            context.stop();
        }
        unipile.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void serverErrorsAreRetriedThenGivenUpWithoutFailing() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(aResponse().withStatus(500).withBody("boom")));

        NotifyBuilder done = start(settings());
        NotifyBuilder failed = new NotifyBuilder(context).fromRoute("unipile-webhook-registration").whenFailed(1).create();
        assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();

        unipile.verify(3, getRequestedFor(urlEqualTo(WEBHOOKS)));
        unipile.verify(0, postRequestedFor(anyUrl()));
        assertThat(failed.matches(100, TimeUnit.MILLISECONDS)).as("handled: a warning, not a failure").isFalse();
    }

    @Test
    void anUnreachableUnipileIsRetriedAndStoppingTheGatewayEndsTheWait() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Properties p = settings("http://127.0.0.1:" + closedPort);
        p.setProperty("gateway.unipile.registration.retry-delay-ms", "60000");
        start(p);
        long begin = System.nanoTime();
        context.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).as("stop does not wait for the retry delay")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void connectionRefusedIsRetriedThenGivenUp() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        registerAndWait(settings("http://127.0.0.1:" + closedPort));
    }

    @Test
    void dsnForms() throws IOException {
        UnipileWebhooks w = new UnipileWebhooks();
        assertThat(w.apiBase("api1.unipile.com:13111")).isEqualTo("https://api1.unipile.com:13111/api/v1");
        assertThat(w.apiBase("https://api1.unipile.com:13111/")).isEqualTo("https://api1.unipile.com:13111/api/v1");
        assertThat(w.apiBase("https://api1.unipile.com:13111/api/v1/")).isEqualTo("https://api1.unipile.com:13111/api/v1");
        assertThat(w.target("https://gw.example//")).isEqualTo("https://gw.example/webhooks/unipile");
        assertThat(w.ours(list("b", TARGET, "a", TARGET + "/", "c", "https://other/webhooks/unipile"), TARGET))
                .containsExactly("a", "b");
        assertThatThrownBy(() -> w.ours("{\"object\":\"WebhookList\"}", TARGET)).isInstanceOf(IOException.class);
    }
}
