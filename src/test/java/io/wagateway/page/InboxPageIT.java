package io.wagateway.page;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.reply.OutboundReplies;
import io.wagateway.reply.ReplyTask;
import io.wagateway.store.WriteOutcome;
import io.wagateway.support.Fixtures;
import io.wagateway.support.HeadlessChromium;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The inbox (issue 21 item 3) end to end in headless Chromium (Debian's {@code chromium} + {@code chromium-driver}),
 * against the real Elasticsearch and WireMock standing in for WAHA's and Meta's APIs: the sign-in form of a first
 * visit, the unread count dropping when a chat is opened, a reply typed in the box reaching the conversation and the
 * provider exactly once (and its read tick arriving live), take-over changing the owner badge, and Meta templates
 * offered outside the 24-hour window. Also the live events this branch publishes ({@code message}, {@code reply},
 * {@code status}), read from the {@code messageEvents} bean. Screenshots go to {@code target/screenshots}
 * ({@code -Dscreenshots.dir=docs/screenshots} refreshes the docs').
 */
@TestPropertySource(properties = {
        "gateway.api.send-token=test-admin-token",          // the shared token reads and sends here
        "gateway.meta.access-token=test-meta-token",
        "gateway.meta.waba-id=200000000000001",
        "gateway.auto-reply.send-retry-delay-ms=100",
        "gateway.send.recovery-delay-ms=500",
        "gateway.send.recovery-interval-ms=500"})
class InboxPageIT extends GatewayIntegrationTest {

    private static final String TOKEN = "test-admin-token";
    /** The operator the agent signs in as (gateway.operators holds its SHA-256 only). */
    private static final String OPERATOR_TOKEN = "alice-inbox-token-0001";
    private static final String WAHA_CHAT = "waha:default:15550100001@c.us";
    /** What WireMock's WAHA answers a sendText with (AutoReplyIT.stubSendApis). */
    private static final String WAHA_SENT_ID = "true_15550100001@c.us_3EB0REPLY0000001";

    private static WebDriver browser;

    @DynamicPropertySource
    static void graph(DynamicPropertyRegistry registry) {
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
        registry.add("gateway.operators", () -> "alice:" + sha256(OPERATOR_TOKEN));
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = HeadlessChromium.start(1200, 760);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void providerApis() {
        stubProviderApis();
        AutoReplyIT.stubSendApis();
        // Meta's "Message Templates" answer (WhatsApp Business Management API): data[] and paging; as bytes, which
        // WireMock's global response templating leaves alone (it would read {{1}} as a Handlebars expression)
        PEERS.stubFor(WireMock.get(urlPathEqualTo("/v23.0/200000000000001/message_templates"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody(("{\"data\":["
                        + "{\"name\":\"order_ready\",\"language\":\"en_US\",\"status\":\"APPROVED\",\"category\":"
                        + "\"UTILITY\",\"components\":[{\"type\":\"BODY\",\"text\":\"Hi {{1}}, order {{2}} is ready"
                        + " for pickup.\"}],\"id\":\"900000000000001\"},"
                        + "{\"name\":\"hello_world\",\"language\":\"en_US\",\"status\":\"APPROVED\",\"category\":"
                        + "\"UTILITY\",\"components\":[{\"type\":\"HEADER\",\"format\":\"TEXT\",\"text\":\"Hello World\"},"
                        + "{\"type\":\"BODY\",\"text\":\"Welcome and congratulations!\"}],\"id\":\"900000000000002\"}],"
                        + "\"paging\":{\"cursors\":{\"before\":\"QVFIUmx1\",\"after\":\"QVFIUmxy\"}}}")
                        .getBytes(StandardCharsets.UTF_8))));
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private void waitFor(Duration timeout, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(50))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(d -> condition.getAsBoolean());
    }

    private void screenshot(String name) throws Exception {
        HeadlessChromium.screenshot(browser, name);
    }

    private HttpResponse<String> api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode chat(String id) throws Exception {
        HttpResponse<String> r = api("GET", "/api/chats/" + encode(id), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** A WAHA inbound text of the fixture's chat, with its own id, text and time. */
    private static byte[] wahaInbound(String id, String text, Instant at) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) event.get("payload");
        payload.put("id", "false_15550100001@c.us_" + id);
        payload.put("body", text);
        payload.put("timestamp", at.getEpochSecond());
        ((ObjectNode) payload.path("_data").path("Info")).put("ID", id);
        return JSON.writeValueAsBytes(event);
    }

    /** WAHA's message.ack of a message we sent. */
    private static byte[] wahaAck(String messageId, int ack, String ackName) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_ack_read.json"));
        event.put("id", "evt_" + UUID.randomUUID().toString().replace("-", ""));
        ((ObjectNode) event.get("payload")).put("id", messageId).put("ack", ack).put("ackName", ackName);
        return JSON.writeValueAsBytes(event);
    }

    private static List<LoggedRequest> wahaSends(String marker) {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText"))).stream()
                .filter(r -> r.getBodyAsString().contains(marker)).toList();
    }

    /** Template sends to Meta (opening the Meta chat also posts its read receipt to the same path). */
    private static List<LoggedRequest> metaSends() {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/100000000000002/messages"))).stream()
                .filter(r -> r.getBodyAsString().contains("\"template\"")).toList();
    }

    /** Opens the page with an empty sessionStorage: a first visit. */
    private void firstVisit() {
        browser.get(base() + "/");
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.get(base() + "/");
    }

    private void signIn() {
        WebElement input = browser.findElement(By.id("signin-token"));
        input.clear();
        input.sendKeys(OPERATOR_TOKEN);
        browser.findElement(By.id("signin-save")).click();
        waitFor(Duration.ofSeconds(10), () -> browser.findElement(By.id("view-inbox")).isDisplayed()
                && text("#live-status").equals("connected"));
    }

    private WebElement chatItem(String id) {
        return browser.findElement(By.cssSelector("#chat-list .chat-item[data-id='" + id + "']"));
    }

    @Test
    void anAgentSignsInReadsRepliesAndTakesOver() throws Exception {
        // two unread messages from the customer, and an older Meta chat whose window is closed
        Instant now = Instant.now();
        assertThat(postWaha(wahaInbound("3EB0INBOX0001", "Is my order ready?", now.minusSeconds(60))).statusCode())
                .isEqualTo(200);
        assertThat(postWaha(wahaInbound("3EB0INBOX0002", "Order 4821, for pickup today", now.minusSeconds(30)))
                .statusCode()).isEqualTo(200);
        assertThat(postMeta(Fixtures.bytes("webhooks/meta/inbound_text.json")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> chat(WAHA_CHAT).path("unread_count").asInt() == 2);
        JsonNode waha = chat(WAHA_CHAT);
        assertThat(waha.path("window_enforced").asBoolean()).isFalse();      // only Meta enforces the window
        await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(api("GET", "/api/chats?provider=meta", null)
                .body()).path("items").size() == 1);
        JsonNode meta = JSON.readTree(api("GET", "/api/chats?provider=meta", null).body()).path("items").get(0);
        String metaChat = meta.path("id").asText();
        assertThat(metaChat).startsWith("meta:100000000000002:");
        assertThat(meta.path("window_enforced").asBoolean()).isTrue();
        assertThat(Instant.parse(meta.path("window_open_until").asText())).isBefore(now)
                .isEqualTo(Instant.parse(meta.path("last_inbound_at").asText()).plus(Duration.ofHours(24)));

        // a first visit without a token: the sign-in form says where a token comes from
        firstVisit();
        waitFor(Duration.ofSeconds(5), () -> browser.findElement(By.id("signin-form")).isDisplayed());
        String signin = text("#signin-form");
        assertThat(signin).contains("MESSAGES_PAGE_TOKEN").contains("ADMIN_TOKEN").contains("GATEWAY_OPERATORS")
                .contains("API_SEND_TOKEN");
        assertThat(browser.findElement(By.id("view-inbox")).isDisplayed()).isFalse();
        screenshot("inbox-signin");
        // a wrong token is refused, and the form says so
        browser.findElement(By.id("signin-token")).sendKeys("wrong-token");
        browser.findElement(By.id("signin-save")).click();
        waitFor(Duration.ofSeconds(5), () -> text("#signin-error").contains("401"));

        // signed in as an operator: the inbox is the view, newest chat first, with its unread badge, owner, provider
        signIn();
        assertThat(text("#whoami")).isEqualTo("signed in as alice");
        waitFor(Duration.ofSeconds(5), () -> chatItem(WAHA_CHAT).findElement(By.cssSelector(".unread-badge"))
                .getText().equals("2"));
        List<WebElement> items = browser.findElements(By.cssSelector("#chat-list .chat-item"));
        assertThat(items.get(0).getAttribute("data-id")).isEqualTo(WAHA_CHAT);
        assertThat(chatItem(WAHA_CHAT).getText()).contains("waha").contains("app");
        assertThat(text("#inbox-total")).isEqualTo("3");                     // 2 here, 1 in the Meta chat

        // opening the chat marks it read: the badge goes, and so does the server's count
        chatItem(WAHA_CHAT).click();
        waitFor(Duration.ofSeconds(5), () -> browser.findElements(By.cssSelector("#inbox-messages .bubble")).size() == 2);
        waitFor(Duration.ofSeconds(5), () -> !chatItem(WAHA_CHAT).findElement(By.cssSelector(".unread-badge"))
                .isDisplayed());
        assertThat(chat(WAHA_CHAT).path("unread_count").asInt()).isZero();
        // WAHA refuses the read receipt here (no sendSeen stub): the chat is read all the same, and the API says 200
        HttpResponse<String> read = api("POST", "/api/chats/" + encode(WAHA_CHAT) + "/read", null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(JSON.readTree(read.body()).path("receipt").asText()).isEqualTo("failed");
        assertThat(text("#inbox-window")).contains("only Meta enforces");

        // a reply typed in the box: in the conversation, and at WAHA exactly once; its read tick arrives live
        String marker = "ready-" + UUID.randomUUID().toString().substring(0, 8);
        browser.findElement(By.id("reply-text")).sendKeys("Yes, it is " + marker);
        browser.findElement(By.id("reply-send")).click();
        waitFor(Duration.ofSeconds(5), () -> text("#inbox-messages").contains(marker));
        await().atMost(Duration.ofSeconds(10)).until(() -> wahaSends(marker).size() == 1);
        WebElement sent = browser.findElement(By.xpath("//*[@id='inbox-messages']/div[contains(., '" + marker + "')]"));
        String sentId = sent.getAttribute("data-id");
        assertThat(sentId).startsWith("waha:default:out:");
        await().atMost(Duration.ofSeconds(5)).until(() -> message(sentId) != null);
        assertThat(message(sentId).path("operator").asText()).isEqualTo("alice");     // who replied is recorded
        assertThat(wahaSends(marker).get(0).getHeader("X-Api-Key")).isEqualTo("test-waha-key");
        // the provider's id is linked to the outbound document once the send answered (the status goes there)
        await().atMost(Duration.ofSeconds(10)).until(() -> message(sentId) != null
                && message(sentId).hasNonNull("provider_message_id"));
        assertThat(postWaha(wahaAck(WAHA_SENT_ID, 3, "READ")).statusCode()).isEqualTo(200);
        String bubble = "#inbox-messages .bubble[data-id='" + sentId + "']";
        waitFor(Duration.ofSeconds(10), () -> text(bubble + " .status").equals("read")
                && !browser.findElements(By.cssSelector(bubble + " .tick.read")).isEmpty());
        assertThat(wahaSends(marker)).hasSize(1);
        assertThat(browser.findElements(By.xpath("//*[@id='inbox-messages']/div[contains(., '" + marker + "')]")))
                .hasSize(1);

        // a new message from the customer while the chat is open arrives live and is read at once
        assertThat(postWaha(wahaInbound("3EB0INBOX0003", "Great, thanks!", Instant.now())).statusCode()).isEqualTo(200);
        waitFor(Duration.ofSeconds(5), () -> text("#inbox-messages").contains("Great, thanks!"));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> !text("#reply-result").contains("Not marked read"));
        await().atMost(Duration.ofSeconds(10)).until(() -> chat(WAHA_CHAT).path("unread_count").asInt() == 0
                && chat(WAHA_CHAT).hasNonNull("last_read_at"));

        // take over: the owner badge says human (POST /api/chats/{id}/owner, the hand-over's API)
        browser.findElement(By.id("take-over")).click();
        waitFor(Duration.ofSeconds(5), () -> text("#inbox-owner-badge").contains("human"));
        assertThat(chatItem(WAHA_CHAT).getText()).contains("human");
        assertThat(chat(WAHA_CHAT).path("owner").asText()).isEqualTo("human");
        assertThat(chat(WAHA_CHAT).path("owner_operator").asText()).isEqualTo("alice");
        assertThat(text("#inbox-owner-badge")).contains("alice");
        screenshot("inbox");

        // the Meta chat: window closed, so the approved templates are offered; one goes out with its variables
        chatItem(metaChat).click();
        waitFor(Duration.ofSeconds(5), () -> text("#inbox-window").contains("closed")
                && browser.findElement(By.id("templates")).isDisplayed());
        assertThat(browser.findElement(By.id("reply-send")).isEnabled()).isFalse();
        waitFor(Duration.ofSeconds(5), () -> new Select(browser.findElement(By.id("template-select"))).getOptions().size() == 2);
        assertThat(text("#template-select")).contains("order_ready").contains("hello_world");
        List<WebElement> vars = browser.findElements(By.cssSelector("#template-params .template-var"));
        assertThat(vars).hasSize(2);
        vars.get(0).sendKeys("Alex");
        vars.get(1).sendKeys("#4821");
        screenshot("inbox-templates");
        browser.findElement(By.id("template-send")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> metaSends().size() == 1);
        JsonNode graph = JSON.readTree(metaSends().get(0).getBodyAsString());
        assertThat(graph.path("type").asText()).isEqualTo("template");
        assertThat(graph.at("/template/name").asText()).isEqualTo("order_ready");
        assertThat(graph.at("/template/language/code").asText()).isEqualTo("en_US");
        assertThat(graph.at("/template/components/0/parameters/1/text").asText()).isEqualTo("#4821");
        assertThat(metaSends().get(0).getHeader("Authorization")).isEqualTo("Bearer test-meta-token");
        waitFor(Duration.ofSeconds(5), () -> text("#reply-result").contains("order_ready"));
        assertThat(metaSends()).hasSize(1);
        // the templates were read once (or come from the cache another test filled): not per redraw
        assertThat(PEERS.findAll(WireMock.getRequestedFor(urlPathEqualTo("/v23.0/200000000000001/message_templates"))))
                .hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void theTemplatesApiNeedsATokenAndNamesTheProvider() throws Exception {
        assertThat(get("/api/templates?provider=meta").statusCode()).isEqualTo(401);
        assertThat(api("GET", "/api/templates", null).statusCode()).isEqualTo(400);
        HttpResponse<String> waha = api("GET", "/api/templates?provider=waha&account=default", null);
        assertThat(waha.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(waha.body()).path("supported").asBoolean(true)).isFalse();
        HttpResponse<String> meta = api("GET", "/api/templates?provider=meta&account=100000000000002", null);
        assertThat(meta.statusCode()).as(meta.body()).isEqualTo(200);
        assertThat(meta.headers().firstValue("CamelCaffeineAction")).isEmpty();
        assertThat(JSON.readTree(meta.body()).path("items")).extracting(t -> t.path("name").asText())
                .containsExactly("order_ready", "hello_world");
    }

    @Test
    void theGatewayPublishesItsOwnMessagesAsRepliesAndStatusChanges() throws Exception {
        MessageEvents events = camelContext.getRegistry().lookupByNameAndType("messageEvents", MessageEvents.class);
        List<String[]> got = new CopyOnWriteArrayList<>();
        MessageEvents.Subscription subscription = events.subscribe(new MessageEvents.Sink() {
            @Override
            public void send(String type, String json) {
                got.add(new String[] {type, json});
            }

            @Override
            public void heartbeat() {
            }

            @Override
            public void close() {
            }
        });
        try {
            // an inbound message: a message event
            assertThat(postWaha(wahaInbound("3EB0EVENT0001", "hello events", Instant.now())).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> find(got, "message", "hello events") != null);

            // a send through the API: a reply event with its document, then status events as the provider answers
            HttpResponse<String> accepted = api("POST", "/api/messages", "{\"provider\":\"waha\",\"account_id\":"
                    + "\"default\",\"chat_id\":\"15550100001@c.us\",\"type\":\"text\",\"text\":\"sent by the API\"}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = JSON.readTree(accepted.body()).path("id").asText();
            await().atMost(Duration.ofSeconds(5)).until(() -> find(got, "reply", "sent by the API") != null);
            JsonNode reply = JSON.readTree(find(got, "reply", "sent by the API")[1]);
            assertThat(reply.path("id").asText()).isEqualTo(id);
            assertThat(reply.path("from_me").asBoolean()).isTrue();
            assertThat(find(got, "message", "sent by the API")).as("not also a message event").isNull();

            await().atMost(Duration.ofSeconds(10)).until(() -> message(id) != null
                    && message(id).hasNonNull("provider_message_id"));
            assertThat(got.stream().filter(e -> e[0].equals("status"))).as("the link alone changes no status").isEmpty();
            assertThat(postWaha(wahaAck(WAHA_SENT_ID, 2, "DEVICE")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> status(got, id, "delivered") != null);
            JsonNode delivered = status(got, id, "delivered");
            assertThat(delivered.path("chat_key").asText()).isEqualTo(WAHA_CHAT);
            assertThat(delivered.hasNonNull("at")).isTrue();
            int statuses = (int) got.stream().filter(e -> e[0].equals("status")).count();
            // the same status again changes nothing: no event
            assertThat(postWaha(wahaAck(WAHA_SENT_ID, 2, "DEVICE")).statusCode()).isEqualTo(200);
            await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> got.stream().filter(e -> e[0].equals("status")).count() == statuses);

            // an AI reply, once outboundReplies stores it: a reply event marked ai_reply
            ObjectNode doc = JSON.createObjectNode().put("provider", "waha").put("account_id", "default")
                    .put("chat_id", "15550100001@c.us").put("chat_type", "direct").put("mode", "llm")
                    .put("inbound_message_id", "false_15550100001@c.us_3EB0EVENT0001")
                    .put("reply_text", "an AI answer");
            OutboundReplies replies = camelContext.getRegistry().lookupByNameAndType("outboundReplies",
                    OutboundReplies.class);
            ReplyTask task = new ReplyTask("waha:default:false_15550100001@c.us_3EB0EVENT0001", 1, 1, doc);
            assertThat(replies.store(task, "true_15550100001@c.us_3EB0AIREPLY01").get()).isEqualTo(WriteOutcome.STORED);
            await().atMost(Duration.ofSeconds(5)).until(() -> find(got, "reply", "an AI answer") != null);
            assertThat(JSON.readTree(find(got, "reply", "an AI answer")[1]).path("ai_reply").asBoolean()).isTrue();
            // stored again (a redelivery): a duplicate, no second event
            assertThat(replies.store(task, "true_15550100001@c.us_3EB0AIREPLY01").get())
                    .isEqualTo(WriteOutcome.DUPLICATE);
            assertThat(got.stream().filter(e -> e[1].contains("an AI answer")).count()).isEqualTo(1);
        } finally {
            subscription.cancel();
        }
    }

    private static String[] find(List<String[]> got, String type, String text) {
        return got.stream().filter(e -> e[0].equals(type) && e[1].contains(text)).findFirst().orElse(null);
    }

    private static JsonNode status(List<String[]> got, String id, String status) {
        for (String[] e : got) {
            if (!e[0].equals("status")) {
                continue;
            }
            try {
                JsonNode j = JSON.readTree(e[1]);
                if (j.path("id").asText().equals(id) && j.path("status").asText().equals(status)) {
                    return j;
                }
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }
        return null;
    }
}
