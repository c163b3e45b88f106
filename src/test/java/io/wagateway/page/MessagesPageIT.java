package io.wagateway.page;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.support.Fixtures;
import io.wagateway.support.HeadlessChromium;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The messages page end to end in headless Chromium (Debian's {@code chromium} + {@code chromium-driver}, installed
 * by {@code .ci/run}): live view, search, conversation, dead-letter replay; and a stalled live client that must not
 * slow webhook acknowledgements. Screenshots go to {@code target/screenshots} ({@code -Dscreenshots.dir=docs/screenshots}
 * refreshes the README's).
 */
class MessagesPageIT extends GatewayIntegrationTest {

    private static final String TOKEN = "test-admin-token";

    private static WebDriver browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = HeadlessChromium.start(1100, 720);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private String base() {
        return "http://localhost:" + port;
    }

    /** Opens the page with the token typed in, and waits for the live stream to be connected. */
    private void openPage() {
        browser.get(base() + "/");
        WebElement token = browser.findElement(By.id("token"));
        token.clear();
        token.sendKeys(TOKEN);
        browser.findElement(By.id("token-save")).click();
        waitFor(Duration.ofSeconds(10), () -> text("#live-status").equals("connected"));
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private void waitFor(Duration timeout, java.util.function.BooleanSupplier condition) {
        // the page re-renders lists as answers arrive: an element found a moment ago may be replaced
        new WebDriverWait(browser, timeout, Duration.ofMillis(50))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }

    private void screenshot(String name) throws Exception {
        HeadlessChromium.screenshot(browser, name);
    }

    /** The WAHA inbound fixture as another message: new id and text. */
    private static byte[] wahaMessage(String idSuffix, String text) throws Exception {
        ObjectNode event = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) event.get("payload");
        payload.put("id", "false_15550100001@c.us_" + idSuffix);
        payload.put("body", text);
        ((ObjectNode) payload.path("_data").path("Info")).put("ID", idSuffix);
        return JSON.writeValueAsBytes(event);
    }

    @Test
    void aWebhookAppearsInTheLiveViewWithinTwoSecondsAndSearchAndConversationShowIt() throws Exception {
        assertThat(get("/api/messages").statusCode()).isEqualTo(401);
        assertThat(get("/events/messages").statusCode()).isEqualTo(401);
        openPage();
        browser.findElement(By.id("tab-live")).click();

        String marker = "pickup" + UUID.randomUUID().toString().substring(0, 8);
        Instant sent = Instant.now();
        HttpResponse<String> ack = postWaha(wahaMessage("3EB0LIVE0001", "Can I do the " + marker + " at 5 pm?"));
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
        waitFor(Duration.ofMillis(2000).minus(Duration.between(sent, Instant.now())),
                () -> text("#live-list").contains(marker));

        // both directions in the chat, a read status, and an AI reply as the gateway stores it
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_any_outbound_fromme.json")).statusCode()).isEqualTo(200);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_ack_read.json")).statusCode()).isEqualTo(200);
        ObjectNode raw = JSON.createObjectNode().put("gateway_reply", true).put("outbox_id", "waha:default:x");
        Instant now = Instant.now();
        store().storeMessage(new CanonicalMessage("waha", "default", "reply:ai-1", "15550100001@c.us", "direct", null,
                "default", null, true, "text", "Yes, 5 pm works. See you then!", null,
                "false_15550100001@c.us_3EB0LIVE0001", now, now, "sent", raw)).get();
        waitFor(Duration.ofSeconds(3), () -> text("#live-list").contains("Shall I reserve"));
        // an AI reply that failed for the first inbound message: the conversation says so under that message
        assertThat(es("PUT", "/whatsapp-replies/_doc/waha:default:false_15550100001@c.us_3EB0FAKE00000000000201?refresh=true",
                JSON.createObjectNode().put("provider", "waha").put("account_id", "default")
                        .put("chat_id", "15550100001@c.us").put("inbound_message_id", "false_15550100001@c.us_3EB0FAKE00000000000201")
                        .put("state", "failed").put("error", "LLM unavailable").toString()).statusCode()).isEqualTo(201);
        screenshot("live");

        browser.findElement(By.id("tab-search")).click();
        browser.findElement(By.id("q")).sendKeys(marker);
        waitFor(Duration.ofSeconds(10), () -> {
            browser.findElement(By.id("search-btn")).click();
            return text("#results tbody").contains(marker);
        });
        assertThat(browser.findElements(By.cssSelector("#results tbody tr"))).hasSize(1);
        // the per-minute chart (date_histogram x terms) has a bar for waha
        waitFor(Duration.ofSeconds(5), () -> !browser.findElements(By.cssSelector("#chart rect[data-provider=waha]")).isEmpty());
        browser.findElement(By.id("q")).clear();
        waitFor(Duration.ofSeconds(10), () -> {
            browser.findElement(By.id("search-btn")).click();
            return browser.findElements(By.cssSelector("#results tbody tr")).size() == 4;
        });
        screenshot("search");

        browser.findElement(By.xpath("//*[@id='results']//tr[contains(., '" + marker + "')]")).click();
        waitFor(Duration.ofSeconds(5), () -> browser.findElements(By.cssSelector("#conversation .bubble")).size() == 4);
        List<WebElement> bubbles = browser.findElements(By.cssSelector("#conversation .bubble"));
        assertThat(bubbles.get(0).getText()).containsAnyOf("blue model", marker);   // oldest first
        assertThat(bubbles.get(3).getAttribute("data-id")).isEqualTo("waha:default:reply:ai-1");
        assertThat(bubbles.get(3).getText()).contains("AI reply");                  // marked as the gateway's reply
        assertThat(bubbles.get(3).getAttribute("class")).contains("out");
        WebElement outbound = browser.findElement(By.cssSelector("#conversation .bubble.out[data-id*='3EB0FAKE00000000000202']"));
        assertThat(outbound.getText()).contains("read");                            // the status applied to it
        assertThat(browser.findElement(By.cssSelector("#conversation .bubble[data-id$='3EB0FAKE00000000000201']")).getText())
                .contains("AI reply failed: LLM unavailable");
        screenshot("conversation");
    }

    /** A small PNG (width x height, one colour), as the bytes a provider would serve. */
    private static byte[] png(int width, int height) throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(0x25, 0xd3, 0x66));
        g.fillRect(0, 0, width, height);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** A WAHA image message document as message-store writes it, with the media outcome of issue 20 (M1). */
    private static ObjectNode imageMessage(String suffix, String caption, Instant at) {
        ObjectNode doc = JSON.createObjectNode().put("provider", "waha").put("account_id", "default")
                .put("message_id", "false_15550100009@c.us_" + suffix).put("chat_id", "15550100009@c.us")
                .put("chat_type", "direct").put("sender_id", "15550100009@c.us").put("from_me", false)
                .put("type", "image").put("text", caption).put("timestamp", at.toString())
                .put("received_at", at.toString()).put("status", "received");
        doc.putObject("media").put("mime", "image/png").put("caption", caption)
                .put("url", "http://waha.invalid/api/files/default/" + suffix + ".png");
        return doc;
    }

    /**
     * Puts the image's bytes in the media store (bean {@code mediaStore}) and its download job in
     * {@code whatsapp-media} (the serving route reads the mime by sha256 there): a download finished.
     */
    private void storeBlob(String messageDocId, byte[] bytes, String sha256) throws Exception {
        io.wagateway.media.MediaStore mediaStore = camelContext.getRegistry()
                .lookupByNameAndType("mediaStore", io.wagateway.media.MediaStore.class);
        Path spool = Files.createTempFile("page-media", ".png");
        Files.write(spool, bytes);
        io.wagateway.media.StoredObject stored = mediaStore.put(spool, sha256, bytes.length, "image/png");
        io.wagateway.media.MediaDownloads downloads = camelContext.getRegistry()
                .lookupByNameAndType("mediaDownloads", io.wagateway.media.MediaDownloads.class);
        downloads.resetIndex();     // another test may have deleted the job index: made again, with its mapping
        downloads.start();
        ObjectNode job = JSON.createObjectNode().put("message_doc_id", messageDocId).put("provider", "waha")
                .put("n", 0).put("type", "image").put("mime", "image/png").put("state", "stored")
                .put("sha256", sha256).put("created_at", Instant.now().toString());
        job.putObject("stored").put("key", stored.key()).put("sha256", sha256).put("size_bytes", bytes.length)
                .put("mime", "image/png").put("stored_at", Instant.now().toString()).put("store", stored.store());
        HttpResponse<String> r = es("PUT", "/whatsapp-media/_doc/" + encode(messageDocId + ":media:0") + "?refresh=true",
                job.toString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    @Test
    void aStoredImageShowsInlineFromASignedUrlAndPendingOrFailedMediaSaySo() throws Exception {
        byte[] bytes = png(48, 32);
        String sha256 = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        Instant now = Instant.now();
        String stored = "waha:default:false_15550100009@c.us_3EB0IMG0001";
        storeBlob(stored, bytes, sha256);
        ObjectNode image = imageMessage("3EB0IMG0001", "the blue model", now.minusSeconds(30)).put("media_download", "stored");
        ((ObjectNode) image.get("media")).putObject("stored").put("key", sha256).put("sha256", sha256)
                .put("size_bytes", bytes.length).put("mime", "image/png").put("stored_at", now.toString())
                .put("store", "filesystem");
        ObjectNode pending = imageMessage("3EB0IMG0002", "on its way", now.minusSeconds(20)).put("media_download", "pending");
        ObjectNode failed = imageMessage("3EB0IMG0003", "too late", now.minusSeconds(10)).put("media_download", "failed");
        ((ObjectNode) failed.get("media")).putObject("download_error").put("reason", "not_found").put("status", 404)
                .put("message", "the provider no longer has it").put("final", true).put("at", now.toString())
                .put("attempts", 1);
        for (ObjectNode doc : List.of(image, pending, failed)) {
            String id = "waha:default:" + doc.get("message_id").asText();
            HttpResponse<String> r = es("PUT", "/" + store().getMessagesIndex() + "/_doc/" + encode(id) + "?refresh=true",
                    doc.toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }

        // the API signs the stored item, for that object only, and the URL needs no token
        com.fasterxml.jackson.databind.JsonNode conversation = JSON.readTree(
                api("/api/conversation?provider=waha&account=default&chat=15550100009@c.us", TOKEN).body());
        String url = conversation.at("/items/0/media/stored/url").asText();
        assertThat(url).startsWith("/api/media/" + sha256 + "?exp=").contains("&sig=").doesNotContain(TOKEN);
        assertThat(conversation.at("/items/1/media").has("stored")).isFalse();
        assertThat(JSON.readTree(api("/api/messages?q=blue+model", TOKEN).body()).at("/items/0/media/stored/url").asText())
                .startsWith("/api/media/" + sha256 + "?exp=");
        HttpResponse<byte[]> blob = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + url))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(blob.statusCode()).as(new String(blob.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(blob.body()).isEqualTo(bytes);
        assertThat(get("/api/media/" + sha256).statusCode()).isEqualTo(401);

        openPage();
        browser.findElement(By.id("tab-search")).click();
        browser.findElement(By.id("q")).clear();
        browser.findElement(By.id("q")).sendKeys("blue model");
        waitFor(Duration.ofSeconds(10), () -> {
            browser.findElement(By.id("search-btn")).click();
            return text("#results tbody").contains("blue model");
        });
        // the list may be re-rendered by a search still answering: click again until the conversation opens
        waitFor(Duration.ofSeconds(10), () -> {
            if (!browser.findElement(By.id("view-conversation")).isDisplayed()) {
                browser.findElement(By.xpath("//*[@id='results']//tr[contains(., 'blue model')]")).click();
            }
            return browser.findElements(By.cssSelector("#conversation .bubble")).size() == 3;
        });
        WebElement img = browser.findElement(By.cssSelector("#conversation .bubble[data-id='" + stored + "'] img.media"));
        assertThat(img.getAttribute("loading")).isEqualTo("lazy");
        assertThat(img.getAttribute("src")).startsWith(base() + "/api/media/" + sha256 + "?exp=").doesNotContain(TOKEN);
        // the browser really loaded the bytes through the signed URL (a refused or broken image has naturalWidth 0)
        waitFor(Duration.ofSeconds(10), () -> Boolean.TRUE.equals(((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return arguments[0].complete && arguments[0].naturalWidth === 48;", img)));
        assertThat(text("#conversation .bubble[data-id$='3EB0IMG0002']")).contains("downloading\u2026");
        assertThat(text("#conversation .bubble[data-id$='3EB0IMG0003']")).contains("not kept: not_found");
        screenshot("conversation-media");
    }

    @AfterEach
    void removeMediaJob() throws Exception {
        // the job index is not emptied between tests: the stored job of the image test goes
        es("DELETE", "/whatsapp-media/_doc/" + encode("waha:default:false_15550100009@c.us_3EB0IMG0001:media:0")
                + "?refresh=true", null);
    }

    @Test
    void theReadApiFiltersSearchesAndCountsPerMinuteAndProvider() throws Exception {
        assertThat(postMeta(Fixtures.bytes("webhooks/meta/inbound_text.json")).statusCode()).isEqualTo(200);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_any_outbound_fromme.json")).statusCode()).isEqualTo(200);
        es("POST", "/" + store().getMessagesIndex() + "/_refresh", null);

        assertThat(api("/api/messages", "wrong").statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(api("/api/messages", TOKEN).body()).path("total").asInt()).isEqualTo(3);
        assertThat(JSON.readTree(api("/api/messages?provider=meta", TOKEN).body()).path("items"))
                .singleElement().satisfies(m -> {
                    assertThat(m.path("provider").asText()).isEqualTo("meta");
                    assertThat(m.has("raw")).isFalse();
                    assertThat(m.path("id").asText()).startsWith("meta:");
                });
        assertThat(JSON.readTree(api("/api/messages?provider=waha&sender=15550100100@c.us", TOKEN).body())
                .path("total").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(api("/api/messages?q=blue+model", TOKEN).body()).path("total").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(api("/api/messages?from=2099-01-01T00:00:00Z", TOKEN).body()).path("total").asInt())
                .isZero();
        assertThat(JSON.readTree(api("/api/messages?from=2026-01-05T10:00:00Z&to=2026-01-05T11:00:30Z&provider=waha", TOKEN)
                .body()).path("total").asInt()).isEqualTo(1);
        com.fasterxml.jackson.databind.JsonNode conversation = JSON.readTree(
                api("/api/conversation?provider=waha&account=default&chat=15550100001@c.us", TOKEN).body());
        assertThat(conversation.path("items")).extracting(m -> m.path("from_me").asBoolean()).containsExactly(false, true);
        assertThat(api("/api/conversation", TOKEN).statusCode()).isEqualTo(400);

        com.fasterxml.jackson.databind.JsonNode perMinute = JSON.readTree(api("/api/stats/messages-per-minute?minutes=5", TOKEN).body());
        assertThat(perMinute.path("minutes")).hasSize(5);
        assertThat(perMinute.path("providers")).extracting(com.fasterxml.jackson.databind.JsonNode::asText)
                .containsExactly("meta", "waha");
        int meta = 0;
        int waha = 0;
        for (com.fasterxml.jackson.databind.JsonNode minute : perMinute.path("minutes")) {
            meta += minute.path("counts").path("meta").asInt();
            waha += minute.path("counts").path("waha").asInt();
        }
        assertThat(meta).isEqualTo(1);
        assertThat(waha).isEqualTo(2);
    }

    private HttpResponse<String> api(String path, String token) throws Exception {
        return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base() + path))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeadLetterIsListedWithItsErrorReplayedFromThePageAndTheMessageThenAppears() throws Exception {
        assertThat(postWaha("{\"event\":\"message\",".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        // as the dead-letter channel keeps a valid webhook it could not store (AdminReplayIT does the same)
        String marker = "replayed" + UUID.randomUUID().toString().substring(0, 8);
        byte[] raw = wahaMessage("3EB0DEAD0001", "Please call me back, " + marker);
        String id = UUID.randomUUID().toString();
        String doc = JSON.createObjectNode().put("id", id).put("provider", "waha").put("route_id", "waha-inbound")
                .put("reason", "retries-exhausted").put("error", "Elasticsearch did not confirm in time")
                .put("raw_body_base64", Base64.getEncoder().encodeToString(raw)).put("raw_body_bytes", raw.length)
                .put("attempts", 3).put("received_at", Instant.now().toString()).toString();
        assertThat(es("PUT", "/" + store().getDeadLettersIndex() + "/_doc/" + id + "?refresh=true", doc).statusCode())
                .isEqualTo(201);

        openPage();
        browser.findElement(By.id("tab-dead")).click();
        waitFor(Duration.ofSeconds(5), () -> browser.findElements(By.cssSelector("#dead-list tbody tr")).size() == 2);
        WebElement malformed = browser.findElement(By.xpath("//*[@id='dead-list']//tr[contains(., 'malformed-payload')]"));
        assertThat(malformed.findElement(By.cssSelector("td.error")).getText()).contains("not valid JSON");
        String malformedId = malformed.getAttribute("data-id");
        screenshot("dead-letters");

        browser.findElement(By.cssSelector("#dead-list tr[data-id='" + id + "'] button.replay")).click();
        waitFor(Duration.ofSeconds(10), () -> text("#dead-result").contains("\"stored\":1"));
        waitFor(Duration.ofSeconds(5), () -> text("#dead-list tr[data-id='" + id + "'] td.replays").startsWith("1"));
        assertThat(message("waha:default:false_15550100001@c.us_3EB0DEAD0001")).isNotNull();
        browser.findElement(By.id("tab-live")).click();
        waitFor(Duration.ofSeconds(2), () -> text("#live-list").contains(marker));

        // delete (two clicks) the malformed one
        browser.findElement(By.id("tab-dead")).click();
        waitFor(Duration.ofSeconds(5), () -> browser.findElements(By.cssSelector("#dead-list tbody tr")).size() == 2);
        waitFor(Duration.ofSeconds(10), () -> {
            try {   // the list may be re-rendered between the clicks (it reloads when the tab opens): click again
                WebElement delete = browser.findElement(By.cssSelector("#dead-list tr[data-id='" + malformedId + "'] button.delete"));
                delete.click();
                delete.click();
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                // re-rendered or already gone
            }
            return browser.findElements(By.cssSelector("#dead-list tbody tr")).size() == 1;
        });
        assertThat(es("GET", "/" + store().getDeadLettersIndex() + "/_doc/" + malformedId, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aLiveClientThatNeverReadsDoesNotSlowWebhookAcks() throws Exception {
        MessageEvents events = camelContext.getRegistry().lookupByNameAndType("messageEvents", MessageEvents.class);
        int before = events.subscriberCount();
        long droppedBefore = events.dropped();
        int messages = 120;
        // 120 events of ~64 KB: more than the kernel's socket buffers (tcp_wmem max 4 MB) and the small queue hold
        String padding = "x".repeat(64 * 1024);
        events.setSubscriberQueueSize(4);
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("localhost", port));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /events/messages HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> events.subscriberCount() == before + 1);

            List<Long> millis = Collections.synchronizedList(new ArrayList<>());
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Future<Integer>> acks = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                byte[] body = wahaMessage(String.format("3EB0SLOW%05d", i), "message " + i + " " + padding);
                acks.add(senders.submit(() -> {
                    long t = System.nanoTime();
                    int status = postWaha(body).statusCode();
                    millis.add((System.nanoTime() - t) / 1_000_000);
                    return status;
                }));
            }
            for (Future<Integer> f : acks) {
                assertThat(f.get()).isEqualTo(200);
            }
            long totalMs = (System.nanoTime() - start) / 1_000_000;
            senders.shutdown();
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            long p50 = sorted.get(sorted.size() / 2);
            long p95 = sorted.get((int) (sorted.size() * 0.95));
            long max = sorted.get(sorted.size() - 1);
            System.out.printf("stalled live client: %d webhooks in %d ms, ack p50 %d ms, p95 %d ms, max %d ms; "
                    + "events dropped for it: %d%n", messages, totalMs, p50, p95, max, events.dropped() - droppedBefore);

            assertThat(all(store().getMessagesIndex())).hasSize(messages);
            // the stalled client really was stalled: its queue filled and it lost events instead of holding anyone up
            assertThat(events.dropped() - droppedBefore).isPositive();
            // a blocking hand-over would stop acknowledgements once the stalled client's buffers are full; the
            // bound is loose because this machine may be busy (the ack latencies are printed above)
            assertThat(max).as("slowest ack, ms").isLessThan(5000);
        } finally {
            events.setSubscriberQueueSize(256);
        }
    }
}
