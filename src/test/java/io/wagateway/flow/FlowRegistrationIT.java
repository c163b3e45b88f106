package io.wagateway.flow;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The registration flow of routes/flows/registration.camel.yaml end to end: real Elasticsearch, the provider APIs and
 * the LLM as WireMock stubs. Over WAHA (list and buttons sent as numbered text, the numbers mapped back) and over Meta
 * (interactive list and buttons; the answers arrive as {@code interactive.list_reply} / {@code interactive.button_reply}
 * - Meta's "Webhooks > messages > interactive" payloads: {@code {"type":"list_reply","list_reply":{"id","title",
 * "description"}}} and {@code {"type":"button_reply","button_reply":{"id","title"}}}). Auto-reply is on, with an LLM
 * stub: while the flow takes the messages it must never be asked. Asserts the stored registration and every request
 * the provider stub recorded.
 */
@TestPropertySource(properties = {
        "gateway.flows.registration.enabled=true",
        "gateway.flows.timeout-check-ms=300",
        "gateway.auto-reply.enabled=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.recovery-delay-ms=500",
        "gateway.auto-reply.recovery-interval-ms=500",
        "gateway.meta.access-token=test-meta-token"})
class FlowRegistrationIT extends GatewayIntegrationTest {

    static final String WAHA_CHAT = "15550100001@c.us";
    static final String META_SENDS = "/v23.0/100000000000002/messages";
    private static final AtomicLong IDS = new AtomicLong(System.currentTimeMillis() % 1_000_000);

    @DynamicPropertySource
    static void llmAndGraph(DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    /** The properties a second gateway needs to be this one's twin. */
    private static String[] twinArgs() {
        return new String[] {"--gateway.flows.registration.enabled=true", "--gateway.flows.timeout-check-ms=300",
                "--gateway.auto-reply.enabled=true", "--gateway.openrouter.api-key=test-openrouter-key",
                "--gateway.openrouter.base-url=" + PEERS.baseUrl() + "/api/v1",
                "--gateway.meta.graph-base-url=" + PEERS.baseUrl(), "--gateway.meta.access-token=test-meta-token"};
    }

    @BeforeEach
    void stubsAndEmptyFlows() throws Exception {
        // unique provider ids per send (WireMock templating), as the real APIs answer
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendText")).willReturn(okJson(
                "{\"id\":\"true_" + WAHA_CHAT + "_{{randomValue length=20 type='ALPHANUMERIC'}}\"}").withStatus(201)));
        PEERS.stubFor(WireMock.post(urlPathEqualTo(META_SENDS)).willReturn(okJson("{\"messaging_product\":\"whatsapp\","
                + "\"contacts\":[{\"input\":\"x\",\"wa_id\":\"15550100001\"}],"
                + "\"messages\":[{\"id\":\"wamid.{{randomValue length=24 type='ALPHANUMERIC'}}\"}]}")));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/chat/completions")).willReturn(okJson(
                "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1767611000,\"model\":\"test/model\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"AI says hi\"},"
                        + "\"finish_reason\":\"stop\"}]}")));
        // the timeout timer reads the index: stopped while it is deleted, so no check sees it half re-created
        camelContext.getRouteController().stopRoute("flow-timeouts");
        es("DELETE", "/whatsapp-flows,whatsapp-registrations?ignore_unavailable=true", null);
        camelContext.getRegistry().findByType(ElasticsearchFlowStates.class)
                .forEach(ElasticsearchFlowStates::resetIndex);
        // the first read creates the index again; a shard that is still recovering answers 503 for a moment
        ElasticsearchFlowStates states = camelContext.getRegistry().lookupByNameAndType("flowStates",
                ElasticsearchFlowStates.class);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> !states.read("probe").exists());
        camelContext.getRouteController().startRoute("flow-timeouts");
        FlowDefinition registration = camelContext.getRegistry().lookupByNameAndType("registrationFlow",
                FlowDefinition.class);
        registration.setTimeoutMinutes(30);
    }

    // ---- WAHA

    /** A WAHA inbound text of the shared fixture's shape, dated now, with its own id. */
    private static byte[] waha(String text) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.put("id", "false_" + WAHA_CHAT + "_3EB0FLOW" + IDS.incrementAndGet());
        payload.put("timestamp", Instant.now().getEpochSecond());
        payload.put("body", text);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> postWahaTo(int port, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/webhooks/waha"))
                .header("Content-Type", "application/json").header("X-Webhook-Hmac", Fixtures.wahaSignature(body))
                .header("X-Webhook-Hmac-Algorithm", "sha512")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The texts sent to the WAHA chat, in order. */
    private static List<String> wahaTexts() throws Exception {
        List<String> texts = new ArrayList<>();
        for (LoggedRequest r : PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText"))
                .withRequestBody(containing(WAHA_CHAT)))) {
            texts.add(JSON.readTree(r.getBodyAsString()).path("text").asText());
        }
        return texts;
    }

    /** Answers on a gateway and waits until the chat got {@code sends} texts in total, the last containing that. */
    private void answerWaha(int port, String text, int sends, String expected) throws Exception {
        assertThat(postWahaTo(port, waha(text)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> wahaTexts().size() >= sends);
        List<String> texts = wahaTexts();
        assertThat(texts).hasSize(sends);
        assertThat(texts.get(sends - 1)).contains(expected);
        // a menu's numbers are mapped back from the newest menu stored in the chat: searchable after a refresh (a
        // person takes longer than Elasticsearch's 1 s refresh to read it and answer)
        es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);
    }

    private int completions() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/v1/chat/completions"))).size();
    }

    private JsonNode flowState(String chatKey) throws Exception {
        return document("whatsapp-flows", chatKey);
    }

    private List<JsonNode> registrations() throws Exception {
        if (es("HEAD", "/whatsapp-registrations", null).statusCode() == 404) {
            return List.of();                   // created with the first registration
        }
        return all("whatsapp-registrations");
    }

    @Test
    void overWahaAWrongEmailIsReAskedAndTheRegistrationIsStoredOnce() throws Exception {
        answerWaha(port, "Register", 1, "What is your name?");
        answerWaha(port, "Ana Lima", 2, "Thanks, Ana Lima. What is your email address?");
        answerWaha(port, "ana at example dot com", 4, "What is your email address?");
        assertThat(wahaTexts().get(2)).contains("does not look like an email address");
        answerWaha(port, "ana@example.com", 5, "Which plan interests you?");
        assertThat(wahaTexts().get(4)).contains("1. Basic", "2. Team", "3. Enterprise");   // the list, numbered
        answerWaha(port, "2", 6, "Please confirm: Ana Lima, ana@example.com, plan Team. Is this right?");
        assertThat(wahaTexts().get(5)).contains("1. Yes", "2. No, start again", "3. Cancel");
        answerWaha(port, "1", 7, "Welcome aboard, Ana Lima! Your Team registration is complete.");

        List<JsonNode> stored = registrations();
        assertThat(stored).singleElement().satisfies(r -> {
            assertThat(r.path("flow").asText()).isEqualTo("registration");
            assertThat(r.path("chat_key").asText()).isEqualTo("waha:default:" + WAHA_CHAT);
            assertThat(r.path("answers").path("name").asText()).isEqualTo("Ana Lima");
            assertThat(r.path("answers").path("email").asText()).isEqualTo("ana@example.com");
            assertThat(r.path("answers").path("plan").asText()).isEqualTo("team");
            assertThat(r.path("answers").path("confirm").asText()).isEqualTo("yes");
        });
        JsonNode state = flowState("waha:default:" + WAHA_CHAT);
        assertThat(state.path("status").asText()).isEqualTo("completed");
        assertThat(state.path("invalid_answers").asInt()).isEqualTo(1);
        // the flow's messages are marked with its name (message document field flow)
        es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);
        HttpResponse<String> tagged = es("POST", "/" + store().getMessagesIndex() + "/_count",
                "{\"query\":{\"term\":{\"flow\":\"registration\"}}}");
        assertThat(JSON.readTree(tagged.body()).path("count").asInt()).isEqualTo(7);
        // auto-reply left the chat alone while the flow ran: no LLM call, no other message
        assertThat(completions()).isZero();
        // the flow over, the next message is the auto-reply's again
        assertThat(postWaha(waha("Thanks!")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> completions() == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> wahaTexts().size() == 8);
        assertThat(wahaTexts().get(7)).isEqualTo("AI says hi");
        assertThat(registrations()).hasSize(1);
    }

    @Test
    void aRedeliveredAnswerSendsNothingTwice() throws Exception {
        answerWaha(port, "register", 1, "What is your name?");
        byte[] name = waha("Ana");
        assertThat(postWaha(name).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> wahaTexts().size() == 2);
        assertThat(postWaha(name).statusCode()).isEqualTo(200);          // the provider redelivers it
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> wahaTexts().size() == 2);
        assertThat(flowState("waha:default:" + WAHA_CHAT).path("step").asText()).isEqualTo("email");
    }

    @Test
    void anIdleFlowTimesOutWithOneMessage() throws Exception {
        camelContext.getRegistry().lookupByNameAndType("registrationFlow", FlowDefinition.class)
                .setTimeoutMinutes(0.05);     // 3 s
        answerWaha(port, "register", 1, "What is your name?");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "timed_out".equals(flowState("waha:default:" + WAHA_CHAT).path("status").asText()));
        await().atMost(Duration.ofSeconds(10)).until(() -> wahaTexts().size() == 2);
        assertThat(wahaTexts().get(1)).isEqualTo("Your registration timed out. Write 'register' to start again.");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> wahaTexts().size() == 2);
        // an answer after the timeout is nobody's flow: the auto-reply answers it
        assertThat(postWaha(waha("Ana")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> completions() == 1);
        assertThat(registrations()).isEmpty();
    }

    @Test
    void aGatewayStoppedInTheMiddleOfTheFlowIsResumedByAnotherOnTheNextAnswer() throws Exception {
        try (ConfigurableApplicationContext first = startAnotherGateway(twinArgs())) {
            int firstPort = Integer.parseInt(first.getEnvironment().getProperty("local.server.port"));
            answerWaha(firstPort, "sign up", 1, "What is your name?");
            answerWaha(firstPort, "Ana", 2, "What is your email address?");
        }                                                  // that gateway stops; the flow's state is in ES
        answerWaha(port, "ana@example.com", 3, "Which plan interests you?");
        answerWaha(port, "3", 4, "plan Enterprise");
        answerWaha(port, "1", 5, "Welcome aboard, Ana!");
        assertThat(registrations()).singleElement().satisfies(r -> {
            assertThat(r.path("answers").path("name").asText()).isEqualTo("Ana");
            assertThat(r.path("answers").path("plan").asText()).isEqualTo("enterprise");
        });
        assertThat(completions()).isZero();
    }

    @Test
    void twoInstancesAnsweringAlternateMessagesSendEachPromptOnce() throws Exception {
        try (ConfigurableApplicationContext other = startAnotherGateway(twinArgs())) {
            int b = Integer.parseInt(other.getEnvironment().getProperty("local.server.port"));
            answerWaha(port, "register", 1, "What is your name?");
            answerWaha(b, "Ana", 2, "What is your email address?");
            answerWaha(port, "ana@example", 4, "What is your email address?");     // wrong: re-asked
            answerWaha(b, "ana@example.com", 5, "Which plan interests you?");
            answerWaha(port, "1", 6, "plan Basic");
            answerWaha(b, "2", 7, "What is your name?");                          // "No, start again"
            answerWaha(port, "Bea", 8, "Thanks, Bea.");
            answerWaha(b, "bea@example.com", 9, "Which plan interests you?");
            answerWaha(port, "2", 10, "plan Team");
            answerWaha(b, "1", 11, "Welcome aboard, Bea! Your Team registration is complete.");
            // every prompt once: nothing more reaches the stub from either instance
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> wahaTexts().size() == 11);
        }
        assertThat(registrations()).singleElement().satisfies(r -> {
            assertThat(r.path("answers").path("name").asText()).isEqualTo("Bea");
            assertThat(r.path("answers").path("email").asText()).isEqualTo("bea@example.com");
            assertThat(r.path("answers").path("plan").asText()).isEqualTo("team");
        });
        assertThat(completions()).isZero();
    }

    // ---- Meta

    /** A Meta webhook of the shared fixture's shape, dated now (inside the 24-hour window), with its own id. */
    private static byte[] meta(String fixture, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes(fixture));
        ObjectNode message = (ObjectNode) body.at("/entry/0/changes/0/value/messages/0");
        message.put("id", "wamid.FLOW" + IDS.incrementAndGet())
                .put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
        edit.accept(message);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] metaText(String text) throws Exception {
        return meta("webhooks/meta/inbound_text.json", m -> ((ObjectNode) m.get("text")).put("body", text));
    }

    /** Meta's interactive list_reply: {"type":"list_reply","list_reply":{"id","title","description"}}. */
    private static byte[] metaListReply(String id, String title) throws Exception {
        return meta("webhooks/meta/interactive_button_reply.json", m -> {
            m.remove("context");
            ObjectNode interactive = m.putObject("interactive").put("type", "list_reply");
            interactive.putObject("list_reply").put("id", id).put("title", title).put("description", "-");
        });
    }

    /** Meta's interactive button_reply: {"type":"button_reply","button_reply":{"id","title"}}. */
    private static byte[] metaButtonReply(String id, String title) throws Exception {
        return meta("webhooks/meta/interactive_button_reply.json", m -> {
            m.remove("context");
            m.putObject("interactive").put("type", "button_reply").putObject("button_reply").put("id", id)
                    .put("title", title);
        });
    }

    private static List<JsonNode> metaSends() throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest r : PEERS.findAll(postRequestedFor(urlPathEqualTo(META_SENDS)))) {
            bodies.add(JSON.readTree(r.getBodyAsString()));
        }
        return bodies;
    }

    private void answerMeta(byte[] body, int sends) throws Exception {
        assertThat(postMeta(body).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> metaSends().size() >= sends);
        assertThat(metaSends()).hasSize(sends);
    }

    @Test
    void overMetaTheListAndButtonsAreInteractiveAndNoStartsAgain() throws Exception {
        answerMeta(metaText("sign up"), 1);
        assertThat(metaSends().get(0).path("text").path("body").asText()).contains("What is your name?");
        answerMeta(metaText("Ana"), 2);
        answerMeta(metaText("ana@example.com"), 3);
        JsonNode list = metaSends().get(2);
        assertThat(list.path("type").asText()).isEqualTo("interactive");
        assertThat(list.path("interactive").path("type").asText()).isEqualTo("list");
        assertThat(list.path("interactive").path("action").path("sections").get(0).path("rows").findValuesAsText("id"))
                .containsExactly("basic", "team", "enterprise");
        answerMeta(metaListReply("team", "Team"), 4);
        JsonNode confirm = metaSends().get(3);
        assertThat(confirm.path("interactive").path("type").asText()).isEqualTo("button");
        assertThat(confirm.path("interactive").path("body").path("text").asText())
                .isEqualTo("Please confirm: Ana, ana@example.com, plan Team. Is this right?");
        answerMeta(metaButtonReply("no", "No, start again"), 5);          // back to the first step
        assertThat(metaSends().get(4).path("text").path("body").asText()).contains("What is your name?");
        answerMeta(metaText("Bea"), 6);
        answerMeta(metaText("bea@example.com"), 7);
        answerMeta(metaListReply("basic", "Basic"), 8);
        answerMeta(metaButtonReply("yes", "Yes"), 9);
        assertThat(metaSends().get(8).path("text").path("body").asText())
                .isEqualTo("Welcome aboard, Bea! Your Basic registration is complete.");
        assertThat(registrations()).singleElement().satisfies(r -> {
            assertThat(r.path("provider").asText()).isEqualTo("meta");
            assertThat(r.path("answers")).isEqualTo(JSON.readTree(
                    "{\"name\":\"Bea\",\"email\":\"bea@example.com\",\"plan\":\"basic\",\"confirm\":\"yes\"}"));
        });
        assertThat(completions()).isZero();
    }
}
