package io.wagateway.recipes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.enrich.EnrichmentCache;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The eleven recipes of docs/recipes.md, applied exactly as written: the test reads the document, applies its
 * {@code diff} blocks to a copy of routes/ and its {@code properties} blocks to one more gateway started from that
 * copy (same compiled classes: no recipe can rely on a Java change), then checks each recipe's behaviour on it.
 * Recipe 10 (the fifth provider) is applied while that gateway runs, through live route reload.
 */
class RecipesIT extends GatewayIntegrationTest {

    private static final Pattern SECTION = Pattern.compile("(?m)^## (\\d+)\\. .*$");
    private static final Pattern BLOCK = Pattern.compile("```(diff|properties)\\n(.*?)```", Pattern.DOTALL);

    // one gateway for the whole class (static: Camel's test listener keeps contexts from starting on the test thread
    // between a per-class instance's creation and its first test, so the class keeps JUnit's per-method lifecycle)
    private static Path routesCopy;
    private static final Map<String, String> properties = new LinkedHashMap<>();
    private static ConfigurableApplicationContext recipes;
    private static int recipesPort;

    /** Started by the first test method, once Camel's Spring test listener lets Camel contexts start. */
    private static void gatewayWithAllRecipesApplied() throws Exception {
        if (recipes != null) {
            return;
        }
        String doc = Files.readString(Path.of("docs/recipes.md"));
        routesCopy = Files.createTempDirectory("recipes-routes");
        try (Stream<Path> s = Files.list(Path.of("routes"))) {
            for (Path f : s.toList()) {
                // recipe 10 (the fifth provider) is the file routes/evolution-api.camel.yaml itself
                Files.copy(f, routesCopy.resolve(f.getFileName()));
            }
        }
        Matcher section = SECTION.matcher(doc);
        List<int[]> bounds = new ArrayList<>();
        while (section.find()) {
            bounds.add(new int[] {Integer.parseInt(section.group(1)), section.start()});
        }
        assertThat(bounds).extracting(b -> b[0]).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        int end = doc.indexOf("\n## Live reload");
        for (int i = 0; i < bounds.size(); i++) {
            String text = doc.substring(bounds.get(i)[1], i + 1 < bounds.size() ? bounds.get(i + 1)[1] : end);
            Matcher block = BLOCK.matcher(text);
            while (block.find()) {
                if (block.group(1).equals("diff")) {
                    applyDiff(block.group(2));
                } else {
                    for (String line : block.group(2).split("\n")) {
                        if (!line.isBlank() && !line.startsWith("#")) {
                            properties.put(line.substring(0, line.indexOf('=')).trim(), line.substring(line.indexOf('=') + 1).trim());
                        }
                    }
                }
            }
        }
        // only what must point at this test's peers, and live reload of the copy
        properties.put("gateway.openrouter.base-url", PEERS.baseUrl() + "/api/v1");
        properties.put("gateway.images.endpoint", PEERS.baseUrl() + "/images");
        properties.put("gateway.evolution.base-url", PEERS.baseUrl());
        properties.put("gateway.meta.graph-base-url", PEERS.baseUrl());
        properties.put("camel.main.routes-include-pattern", "file:" + routesCopy + "/*.camel.yaml");
        properties.put("camel.main.routes-reload-enabled", "true");
        properties.put("camel.main.routes-reload-directory", routesCopy.toString());
        List<String> args = new ArrayList<>();
        properties.forEach((k, v) -> args.add("--" + k + "=" + v));
        recipes = startAnotherGateway(args.toArray(String[]::new));
        recipesPort = Integer.parseInt(recipes.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stopIt() throws Exception {
        if (recipes != null) {
            recipes.close();
        }
        if (routesCopy == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(routesCopy)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BeforeEach
    void peers() {
        AutoReplyIT.stubSendApis();
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/images")).willReturn(aResponse().withStatus(204)));
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/message/sendText/shop-main")).willReturn(WireMock.okJson(
                "{\"key\":{\"remoteJid\":\"15550100001@s.whatsapp.net\",\"fromMe\":true,\"id\":\"3EB0EVOREPLY01\"},"
                        + "\"messageTimestamp\":\"1767612300\",\"status\":\"PENDING\"}").withStatus(201)));
    }

    /** Applies a unified diff block: each hunk's old lines (context and '-') must occur exactly once. */
    private static void applyDiff(String diff) throws Exception {
        String[] lines = diff.split("\n");
        String target = lines[1].substring(4).replaceFirst("^b/", "").replaceFirst("^routes/", "");
        Path file = routesCopy.resolve(target);
        List<StringBuilder[]> hunks = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            String l = lines[i];
            if (l.startsWith("@@")) {
                hunks.add(new StringBuilder[] {new StringBuilder(), new StringBuilder()});
            } else if (!l.isEmpty()) {
                StringBuilder[] h = hunks.get(hunks.size() - 1);
                if (l.charAt(0) != '+') {
                    h[0].append(l.substring(1)).append('\n');
                }
                if (l.charAt(0) != '-') {
                    h[1].append(l.substring(1)).append('\n');
                }
            }
        }
        for (StringBuilder[] h : hunks) {
            if (h[0].isEmpty()) {
                assertThat(file).as("a new file of a recipe").doesNotExist();
                Files.writeString(file, h[1]);
                continue;
            }
            String text = Files.readString(file);
            int at = text.indexOf(h[0].toString());
            assertThat(at).as("the recipe's context in %s", target).isNotNegative();
            assertThat(text.indexOf(h[0].toString(), at + 1)).as("the recipe's context is unique in %s", target)
                    .isNegative();
            Files.writeString(file, text.substring(0, at) + h[1] + text.substring(at + h[0].length()));
        }
    }

    private HttpResponse<String> postRecipes(String path, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + recipesPort + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postWahaRecipes(byte[] body) throws Exception {
        return postRecipes("/webhooks/waha", body, Map.of("Content-Type", "application/json",
                "X-Webhook-Hmac", Fixtures.wahaSignature(body)));
    }

    /** A WAHA inbound text of the fixture's shape from its own chat, with its own id and text. */
    private static byte[] wahaInbound(String chat, String id, String text) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.put("id", "false_" + chat + "_" + id);
        payload.put("from", chat);
        payload.put("body", text);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String wahaId(String chat, String id) {
        return "waha:default:false_" + chat + "_" + id;
    }

    private JsonNode recipeMessage(String id) throws Exception {
        String index = properties.get("gateway.elasticsearch.index.messages");
        es("POST", "/" + index + "/_refresh", null);
        return document(index, id);
    }

    private static List<LoggedRequest> completionsContaining(String text) {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/v1/chat/completions"))
                .withRequestBody(containing(text)));
    }

    private static List<LoggedRequest> wahaSendsTo(String chat) {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText")).withRequestBody(containing(chat)));
    }

    private static void staysTrue(java.util.concurrent.Callable<Boolean> condition) {
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(condition);
    }

    @Test
    void recipe1IgnoreGroupMessages() throws Exception {
        gatewayWithAllRecipesApplied();
        byte[] group = Fixtures.bytes("webhooks/waha/message_group.json");
        HttpResponse<String> r = postWahaRecipes(group);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("ignored").asInt()).isEqualTo(1);
        assertThat(recipeMessage("waha:default:false_120363000000000001@g.us_3EB0FAKE00000000000203_15550100002@c.us"))
                .isNull();
        // without the recipe (the test suite's gateway) the same webhook is stored
        assertThat(JSON.readTree(postWaha(group).body()).path("stored").asInt()).isEqualTo(1);
    }

    @Test
    void recipe2SystemPromptAndModel() throws Exception {
        gatewayWithAllRecipesApplied();
        String chat = "15550100021@c.us";
        assertThat(postWahaRecipes(wahaInbound(chat, "3EB0RECIPE02", "Do you ship to Norway?")).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> completionsContaining("Norway").size() == 1);
        JsonNode request = JSON.readTree(completionsContaining("Norway").get(0).getBodyAsString());
        assertThat(request.path("model").asText()).isEqualTo(properties.get("gateway.openrouter.model"));
        assertThat(request.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(request.path("messages").get(0).path("content").asText())
                .isEqualTo(properties.get("gateway.auto-reply.system-prompt") + "\n\n"   // + the hand-over instruction
                        + camelContext.resolvePropertyPlaceholders("{{gateway.handover.llm-prompt}}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> wahaSendsTo(chat).size() == 1);
    }

    @Test
    void recipe3NoAutoReplyForOneChat() throws Exception {
        gatewayWithAllRecipesApplied();
        String optedOut = properties.get("gateway.auto-reply.opt-out-chats");
        String other = "15550100022@c.us";
        assertThat(postWahaRecipes(wahaInbound(optedOut, "3EB0RECIPE03A", "OPTOUT-PROBE hello")).statusCode())
                .isEqualTo(200);
        assertThat(postWahaRecipes(wahaInbound(other, "3EB0RECIPE03B", "OPTIN-PROBE hello")).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> wahaSendsTo(other).size() == 1);
        staysTrue(() -> completionsContaining("OPTOUT-PROBE").isEmpty() && wahaSendsTo(optedOut).isEmpty());
        assertThat(recipeMessage(wahaId(optedOut, "3EB0RECIPE03A"))).as("stored, just not answered").isNotNull();
    }

    @Test
    void recipe4KeywordRuleWithAFixedAnswer() throws Exception {
        gatewayWithAllRecipesApplied();
        String chat = "15550100023@c.us";
        assertThat(postWahaRecipes(wahaInbound(chat, "3EB0RECIPE04", "What is the shipping cost to Berlin?"))
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> wahaSendsTo(chat).size() == 1);
        assertThat(JSON.readTree(wahaSendsTo(chat).get(0).getBodyAsString()).path("text").asText())
                .isEqualTo("Delivery is free from 50 EUR, otherwise 4.90 EUR.");
        assertThat(completionsContaining("Berlin")).isEmpty();
    }

    @Test
    void recipe5RenamedMessagesIndex() throws Exception {
        gatewayWithAllRecipesApplied();
        String chat = "15550100024@c.us";
        assertThat(postWahaRecipes(wahaInbound(chat, "3EB0RECIPE05", "Where is my order?")).statusCode())
                .isEqualTo(200);
        assertThat(properties.get("gateway.elasticsearch.index.messages")).isEqualTo("shop-whatsapp-messages");
        assertThat(recipeMessage(wahaId(chat, "3EB0RECIPE05"))).isNotNull();
        assertThat(message(wahaId(chat, "3EB0RECIPE05"))).as("not in the default index").isNull();
    }

    @Test
    void recipe6LlmRedeliveryPolicy() throws Exception {
        gatewayWithAllRecipesApplied();
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/v1/chat/completions")).atPriority(1)
                .withRequestBody(containing("RETRY-PROBE")).willReturn(aResponse().withStatus(500)));
        String chat = "15550100026@c.us";
        assertThat(postWahaRecipes(wahaInbound(chat, "3EB0RECIPE06", "RETRY-PROBE are you there?")).statusCode())
                .isEqualTo(200);
        int expected = 1 + Integer.parseInt(properties.get("gateway.auto-reply.llm.retries"));
        await().atMost(Duration.ofSeconds(20)).until(() -> completionsContaining("RETRY-PROBE").size() >= expected);
        staysTrue(() -> completionsContaining("RETRY-PROBE").size() == expected);   // the default (3) would make 4
        assertThat(wahaSendsTo(chat)).isEmpty();
    }

    @Test
    void recipe7ImagesAlsoGoToAnExtraEndpoint() throws Exception {
        gatewayWithAllRecipesApplied();
        ObjectNode image = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
        ((ObjectNode) image.get("payload")).put("id", "false_15550100003@c.us_3EB0RECIPE07");
        assertThat(postWahaRecipes(image.toString().getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(postWahaRecipes(wahaInbound("15550100027@c.us", "3EB0RECIPE07T", "just text")).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                PEERS.findAll(postRequestedFor(urlPathEqualTo("/images"))).size() == 1);
        JsonNode posted = JSON.readTree(PEERS.findAll(postRequestedFor(urlPathEqualTo("/images"))).get(0).getBodyAsString());
        assertThat(posted.path("document_id").asText()).isEqualTo("waha:default:false_15550100003@c.us_3EB0RECIPE07");
        assertThat(posted.path("mime").asText()).isEqualTo("image/jpeg");
        staysTrue(() -> PEERS.findAll(postRequestedFor(urlPathEqualTo("/images"))).size() == 1);
    }

    @Test
    void recipe8NamesCacheTtl() throws Exception {
        gatewayWithAllRecipesApplied();
        long ttlSeconds = Long.parseLong(properties.get("gateway.enrichment.ttl-seconds"));
        EnrichmentCache cache = recipes.getBean(CamelContext.class).getRegistry()
                .lookupByNameAndType("enrichmentCache", EnrichmentCache.class);
        String chat = "15550100028@c.us";
        // no push name in the payload: the chat's name must come from the cache tiers (first time: WAHA's API)
        byte[] first = withoutPushName(wahaInbound(chat, "3EB0RECIPE08A", "first"));
        byte[] second = withoutPushName(wahaInbound(chat, "3EB0RECIPE08B", "second"));
        assertThat(postWahaRecipes(first).statusCode()).isEqualTo(200);
        long missesBefore = cache.stats().missCount();
        // wait past the TTL: the memory tier has forgotten the chat's name, Elasticsearch (whatsapp-names) has not
        await().pollDelay(Duration.ofMillis(ttlSeconds * 1000 + 1000)).atMost(Duration.ofSeconds(ttlSeconds + 5))
                .until(() -> true);
        assertThat(postWahaRecipes(second).statusCode()).isEqualTo(200);
        assertThat(cache.stats().missCount()).as("expired from memory (the default TTL is a day)")
                .isGreaterThan(missesBefore);
        assertThat(recipeMessage(wahaId(chat, "3EB0RECIPE08B")).path("chat_name").asText())
                .isEqualTo("Contact " + chat);
        assertThat(PEERS.findAll(WireMock.getRequestedFor(urlPathEqualTo("/api/contacts"))
                .withQueryParam("contactId", WireMock.equalTo(chat)))).as("the second time from Elasticsearch").hasSize(1);
    }

    private static byte[] withoutPushName(byte[] wahaBody) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(wahaBody);
        ((ObjectNode) body.get("payload")).remove("_data");
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recipe9ProviderTurnedOff() throws Exception {
        gatewayWithAllRecipesApplied();
        byte[] body = Fixtures.bytes("webhooks/periskope/message_created_inbound_text.json");
        HttpResponse<String> off = postRecipes("/webhooks/periskope", body, Map.of("Content-Type", "application/json",
                "x-periskope-signature", Fixtures.hmacHex("HmacSHA256", body)));
        assertThat(off.statusCode()).isEqualTo(404);
        assertThat(recipes.getBean(CamelContext.class).getRouteController().getRouteStatus("periskope-inbound"))
                .isEqualTo(org.apache.camel.ServiceStatus.Stopped);
        assertThat(postPeriskope(body).statusCode()).as("on in the suite's gateway").isEqualTo(200);
    }

    @Test
    void recipe10FifthProviderFromItsRouteFileAndProperties() throws Exception {
        gatewayWithAllRecipesApplied();
        byte[] body = Fixtures.bytes("webhooks/evolution/messages_upsert_inbound_text.json");
        Map<String, String> headers = Map.of("Content-Type", "application/json",
                properties.get("gateway.evolution.secret-header"), properties.get("gateway.evolution.webhook-secret"));
        HttpResponse<String> r = postRecipes("/webhooks/evolution", body, headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(recipeMessage("evolution:shop-main:3EB0EVOFAKE0000000000301").path("text").asText())
                .isEqualTo("Hi, is the blue model back in stock?");
        assertThat(postRecipes("/webhooks/evolution", body, Map.of("Content-Type", "application/json")).statusCode())
                .as("authenticated by the secret header").isEqualTo(401);
        // auto-reply is on in this gateway: the fifth provider's reply goes out through its YAML send route
        await().atMost(Duration.ofSeconds(20)).until(() ->
                PEERS.findAll(postRequestedFor(urlPathEqualTo("/message/sendText/shop-main"))).size() == 1);
        JsonNode send = JSON.readTree(PEERS.findAll(postRequestedFor(urlPathEqualTo("/message/sendText/shop-main")))
                .get(0).getBodyAsString());
        assertThat(send.path("number").asText()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(send.path("text").asText()).isEqualTo(AutoReplyIT.ANSWER);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                recipeMessage("evolution:shop-main:3EB0EVOREPLY01") != null);
        assertThat(recipeMessage("evolution:shop-main:3EB0EVOREPLY01").path("from_me").asBoolean()).isTrue();
    }

    /** A Meta webhook of the shared fixture's shape (its own id, dated now: inside the 24-hour window). */
    private static byte[] metaFixture(String fixture, String id, java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes(fixture));
        ObjectNode message = (ObjectNode) body.at("/entry/0/changes/0/value/messages/0");
        message.put("id", id).put("timestamp", String.valueOf(java.time.Instant.now().getEpochSecond()));
        edit.accept(message);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private HttpResponse<String> postMetaRecipes(byte[] body) throws Exception {
        return postRecipes("/webhooks/meta", body, Map.of("Content-Type", "application/json",
                "X-Hub-Signature-256", Fixtures.metaSignature(body)));
    }

    /** The requests to Meta's /messages whose body contains the text, in the order they were made. */
    private static List<JsonNode> metaSendsContaining(String text) throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest r : PEERS.findAll(postRequestedFor(urlPathEqualTo("/v23.0/100000000000002/messages"))
                .withRequestBody(containing(text)))) {
            bodies.add(JSON.readTree(r.getBodyAsString()));
        }
        return bodies;
    }

    @Test
    void recipe11AnswerAButtonMenu() throws Exception {
        gatewayWithAllRecipesApplied();
        // Meta's shared fixtures (the chat is the user's BSUID), as the customer's "Menu" text and then their tap
        byte[] menu = metaFixture("webhooks/meta/inbound_text.json", "wamid.RECIPE11MENU",
                m -> ((ObjectNode) m.get("text")).put("body", "Menu"));
        assertThat(postMetaRecipes(menu).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> metaSendsContaining("opening-hours").size() == 1);
        JsonNode offer = metaSendsContaining("opening-hours").get(0);
        assertThat(offer.path("type").asText()).isEqualTo("interactive");
        assertThat(offer.path("interactive").path("type").asText()).isEqualTo("button");
        assertThat(offer.path("interactive").path("body").path("text").asText()).isEqualTo("How can we help?");
        assertThat(offer.path("interactive").path("action").path("buttons").findValuesAsText("id"))
                .containsExactly("opening-hours", "human");

        // Meta interactive button_reply (providers.md 1.x, [M14]) with the id of the menu's first button
        byte[] tap = metaFixture("webhooks/meta/interactive_button_reply.json", "wamid.RECIPE11TAP",
                m -> ((ObjectNode) m.at("/interactive/button_reply")).put("id", "opening-hours")
                        .put("title", "Opening hours"));
        assertThat(postMetaRecipes(tap).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                metaSendsContaining("Our shop is open Monday to Saturday, 9:00 to 18:00.").size() >= 1);
        JsonNode answer = metaSendsContaining("Our shop is open Monday to Saturday, 9:00 to 18:00.").get(0);
        assertThat(answer.path("type").asText()).isEqualTo("text");
        assertThat(answer.path("text").path("body").asText()).isEqualTo("Our shop is open Monday to Saturday, 9:00 to 18:00.");
        assertThat(answer.path("context").path("message_id").asText()).isEqualTo("wamid.RECIPE11TAP");
        // one answer, once: the answer's own stored message (sent from the route that handled the tap) is no tap
        staysTrue(() -> metaSendsContaining("A colleague").isEmpty()
                && metaSendsContaining("opening-hours").size() == 1
                && metaSendsContaining("Our shop is open Monday to Saturday, 9:00 to 18:00.").size() == 1);
    }

    /** Live reload: an edited route file takes effect in the running gateway, without a restart. */
    @Test
    void anEditedRouteFileIsReloadedWithoutARestart() throws Exception {
        gatewayWithAllRecipesApplied();
        Path file = routesCopy.resolve("image-messages.camel.yaml");
        String before = Files.readString(file);
        String edited = before.replace("\"chat_id\":\"${body.chatId}\"", "\"chat_id\":\"${body.chatId}\",\"edited\":true");
        assertThat(edited).isNotEqualTo(before);
        Files.writeString(file, edited);
        String[] id = {"3EB0RELOAD00"};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            id[0] = id[0] + "1";
            ObjectNode image = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
            ((ObjectNode) image.get("payload")).put("id", "false_15550100003@c.us_" + id[0]);
            postWahaRecipes(image.toString().getBytes(StandardCharsets.UTF_8));
            return PEERS.findAll(postRequestedFor(urlPathEqualTo("/images")).withRequestBody(containing("\"edited\":true")))
                    .size() >= 1;
        });
    }
}
