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
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnipileWebhookRegistrarTest {

    private static final String API_KEY = "test-api-key";
    private static final String SECRET = "s3cret-value";
    private static final String BASE_URL = "https://gateway.example";
    private static final String TARGET = BASE_URL + "/webhooks/unipile";
    private static final String WEBHOOKS = "/api/v1/webhooks";

    private WireMockServer unipile;
    private UnipileWebhookRegistrar registrar;

    @BeforeEach
    void setUp() {
        unipile = new WireMockServer(options().dynamicPort());
        unipile.start();
    }

    @AfterEach
    void tearDown() {
        if (registrar != null) {
            registrar.stop();
        }
        unipile.stop();
    }

    private UnipileWebhookRegistrar registrar(String dsn) {
        UnipileWebhookRegistrar r = new UnipileWebhookRegistrar();
        r.setDsn(dsn);
        r.setApiKey(API_KEY);
        r.setWebhookBaseUrl(BASE_URL + "/");
        r.setSecret(SECRET);
        r.setTimeoutMs(2_000);
        r.setAttempts(3);
        r.setRetryDelayMs(50);
        registrar = r;
        return r;
    }

    private UnipileWebhookRegistrar registrar() {
        return registrar("http://localhost:" + unipile.port() + "/");
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
    void createsOneWebhookInTheBackgroundWhenNoneExists() {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(list("other", "https://elsewhere.example/hook")))
                .willSetStateTo("created"));
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs("created")
                .willReturn(okJson(list("other", "https://elsewhere.example/hook", "wh-new", TARGET))));
        unipile.stubFor(post(urlEqualTo(WEBHOOKS))
                .willReturn(okJson("{\"object\":\"WebhookCreated\",\"webhook_id\":\"wh-new\"}").withStatus(201)));

        UnipileWebhookRegistrar r = registrar();
        r.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !r.isRunning());

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
    }

    @Test
    void registerReportsTheCreatedWebhook() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(okJson(list()))
                .willSetStateTo("created"));
        unipile.stubFor(get(urlEqualTo(WEBHOOKS))
                .inScenario("create").whenScenarioStateIs("created")
                .willReturn(okJson(list("wh-new", TARGET))));
        unipile.stubFor(post(urlEqualTo(WEBHOOKS))
                .willReturn(okJson("{\"object\":\"WebhookCreated\",\"webhook_id\":\"wh-new\"}")));

        assertThat(registrar().register()).isEqualTo(new UnipileWebhookRegistrar.Result("wh-new", true, 0));
    }

    @Test
    void existingWebhookForOurUrlIsKept() throws Exception {
        // listed with a trailing slash: still ours
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(okJson(list("wh-1", TARGET + "/"))));

        UnipileWebhookRegistrar.Result result = registrar().register();

        assertThat(result).isEqualTo(new UnipileWebhookRegistrar.Result("wh-1", false, 0));
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

        UnipileWebhookRegistrar.Result result = registrar().register();

        assertThat(result).isEqualTo(new UnipileWebhookRegistrar.Result("wh-a", true, 1));
        unipile.verify(1, postRequestedFor(urlEqualTo(WEBHOOKS)));
        unipile.verify(1, deleteRequestedFor(urlEqualTo(WEBHOOKS + "/wh-b")).withHeader("X-API-KEY", equalTo(API_KEY)));
        unipile.verify(0, deleteRequestedFor(urlEqualTo(WEBHOOKS + "/wh-a")));
    }

    @Test
    void duplicateAlreadyDeletedByTheOtherInstanceIsFine() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(okJson(list("wh-b", TARGET, "wh-a", TARGET))));
        unipile.stubFor(delete(urlEqualTo(WEBHOOKS + "/wh-b")).willReturn(aResponse().withStatus(404)));

        assertThat(registrar().register()).isEqualTo(new UnipileWebhookRegistrar.Result("wh-a", false, 1));
        unipile.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void missingSettingsMeanNoRequestAtAll() {
        UnipileWebhookRegistrar r = registrar();
        r.setApiKey("  ");
        r.start();
        assertThat(r.isRunning()).isFalse();

        UnipileWebhookRegistrar noBase = registrar();
        noBase.setWebhookBaseUrl(null);
        noBase.start();

        UnipileWebhookRegistrar noDsn = registrar("");
        noDsn.start();

        assertThat(noBase.isRunning()).isFalse();
        assertThat(noDsn.isRunning()).isFalse();
        unipile.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void serverErrorsAreRetriedThenGivenUpWithoutThrowing() throws Exception {
        unipile.stubFor(get(urlEqualTo(WEBHOOKS)).willReturn(aResponse().withStatus(500).withBody("boom")));

        UnipileWebhookRegistrar r = registrar();
        long begin = System.nanoTime();
        r.start();
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> !r.isRunning());
        unipile.verify(3, getRequestedFor(urlEqualTo(WEBHOOKS)));
        unipile.verify(0, postRequestedFor(anyUrl()));

        assertThatThrownBy(r::register).isInstanceOf(IOException.class).hasMessageContaining("500")
                .hasMessageContaining("boom");
    }

    @Test
    void unreachableUnipileDoesNotDelayOrFailStart() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        UnipileWebhookRegistrar r = registrar("localhost:" + closedPort);
        r.setRetryDelayMs(60_000);

        long begin = System.nanoTime();
        r.start();
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(1));
        assertThat(r.apiBase()).isEqualTo("https://localhost:" + closedPort + "/api/v1");

        // first attempt fails, the thread waits for the long retry delay; stop() ends it
        r.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> !r.isRunning());
    }

    @Test
    void connectionRefusedIsRetriedThenGivenUp() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        UnipileWebhookRegistrar r = registrar("http://127.0.0.1:" + closedPort);
        r.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !r.isRunning());
        assertThatThrownBy(r::register).isInstanceOf(IOException.class);
    }

    @Test
    void dsnForms() {
        UnipileWebhookRegistrar r = new UnipileWebhookRegistrar();
        r.setDsn("api1.unipile.com:13111");
        assertThat(r.apiBase()).isEqualTo("https://api1.unipile.com:13111/api/v1");
        r.setDsn("https://api1.unipile.com:13111/");
        assertThat(r.apiBase()).isEqualTo("https://api1.unipile.com:13111/api/v1");
        r.setDsn("https://api1.unipile.com:13111/api/v1/");
        assertThat(r.apiBase()).isEqualTo("https://api1.unipile.com:13111/api/v1");
        r.setWebhookBaseUrl("https://gw.example//");
        assertThat(r.targetUrl()).isEqualTo("https://gw.example/webhooks/unipile");
    }
}
