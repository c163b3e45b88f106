package io.wagateway.reply;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Issue 19 item 5: with {@code gateway.auto-reply.read-receipt} on, the worker that takes a message first sends the
 * provider's read receipt with its typing indicator, then generates and sends the reply, then stops typing. WireMock
 * stands in for OpenRouter and the providers; the order is read from the requests it recorded. The same switch off
 * (the default) sends none of these: {@code AutoReplyIT#withoutTheReadReceiptPropertyNoReceiptNorTypingIsSent}.
 */
@TestPropertySource(properties = {
        "gateway.auto-reply.enabled=true",
        "gateway.auto-reply.read-receipt=true",
        "gateway.openrouter.api-key=test-openrouter-key",
        "gateway.openrouter.model=test/model",
        "gateway.auto-reply.llm.retries=0",
        "gateway.auto-reply.send-retry-delay-ms=100",
        "gateway.meta.access-token=test-meta-token"})
class ReadReceiptIT extends GatewayIntegrationTest {

    static final String WAHA_CHAT = "15550100001@c.us";
    static final String META_MESSAGES = "/v23.0/100000000000002/messages";
    static final Set<String> WAHA_PATHS = Set.of("/api/sendSeen", "/api/startTyping", "/api/sendText", "/api/stopTyping");

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void llmAndGraph(DynamicPropertyRegistry registry) {
        registry.add("gateway.openrouter.base-url", () -> PEERS.baseUrl() + "/api/v1");
        registry.add("gateway.meta.graph-base-url", PEERS::baseUrl);
    }

    @BeforeEach
    void peers() {
        AutoReplyIT.stubSendApis();
        // WAHA's answers to sendSeen / startTyping / stopTyping (providers.md 2.9)
        for (String path : List.of("/api/sendSeen", "/api/startTyping", "/api/stopTyping")) {
            PEERS.stubFor(WireMock.post(urlPathEqualTo(path)).willReturn(okJson("{\"result\":true}")));
        }
        // Meta's answer to a read receipt: {"success": true} (typing-indicators page); the reply's answer stays the
        // messages[0].id of AutoReplyIT's stub, for a body with "type"
        PEERS.stubFor(WireMock.post(urlPathEqualTo(META_MESSAGES)).atPriority(1)
                .withRequestBody(WireMock.matchingJsonPath("$.status", WireMock.equalTo("read")))
                .willReturn(okJson("{\"success\":true}")));
    }

    /** The requests WireMock recorded on the given paths, oldest first. */
    private static List<ServeEvent> recorded(Set<String> paths) {
        List<ServeEvent> events = new ArrayList<>(PEERS.getAllServeEvents()); // newest first
        Collections.reverse(events);
        return events.stream().filter(e -> paths.contains(e.getRequest().getUrl().replaceFirst("\\?.*", ""))).toList();
    }

    private static byte[] wahaInbound(String id, String text) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode payload = (ObjectNode) body.get("payload");
        payload.put("id", "false_" + WAHA_CHAT + "_" + id);
        payload.put("body", text);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** WAHA docs' anti-blocking order (providers.md 2.9 [W6]): sendSeen, startTyping, the message, stopTyping. */
    @Test
    void wahaGetsSendSeenStartTypingTheReplyThenStopTypingInThatOrder() throws Exception {
        assertThat(postWaha(wahaInbound("3EB0SEEN0000000001", "Is the blue one in stock?")).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> recorded(WAHA_PATHS).size() >= 4);
        List<ServeEvent> calls = recorded(WAHA_PATHS);
        assertThat(calls).extracting(e -> e.getRequest().getUrl())
                .containsExactly("/api/sendSeen", "/api/startTyping", "/api/sendText", "/api/stopTyping");
        JsonNode seen = JSON.readTree(calls.get(0).getRequest().getBodyAsString());
        assertThat(seen.path("session").asText()).isEqualTo("default");
        assertThat(seen.path("chatId").asText()).isEqualTo(WAHA_CHAT);
        assertThat(seen.path("messageIds").get(0).asText()).isEqualTo("false_" + WAHA_CHAT + "_3EB0SEEN0000000001");
        for (int i : new int[] {1, 3}) {
            JsonNode typing = JSON.readTree(calls.get(i).getRequest().getBodyAsString());
            assertThat(typing.path("session").asText()).isEqualTo("default");
            assertThat(typing.path("chatId").asText()).isEqualTo(WAHA_CHAT);
            assertThat(calls.get(i).getRequest().getHeader("X-Api-Key")).isEqualTo("test-waha-key");
        }
        assertThat(JSON.readTree(calls.get(2).getRequest().getBodyAsString()).path("text").asText())
                .isEqualTo(AutoReplyIT.ANSWER);
    }

    /** Meta: one call carries the read receipt and the typing indicator (typing-indicators page), then the reply. */
    @Test
    void metaGetsOneReadAndTypingCallThenTheReply() throws Exception {
        assertThat(postMeta(Fixtures.bytes("webhooks/meta/inbound_text.json")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> recorded(Set.of(META_MESSAGES)).size() >= 2);
        List<ServeEvent> calls = recorded(Set.of(META_MESSAGES));
        assertThat(calls).hasSize(2);
        JsonNode read = JSON.readTree(calls.get(0).getRequest().getBodyAsString());
        assertThat(read).isEqualTo(JSON.readTree("{\"messaging_product\":\"whatsapp\",\"status\":\"read\","
                + "\"message_id\":\"wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=\","
                + "\"typing_indicator\":{\"type\":\"text\"}}"));
        assertThat(calls.get(0).getRequest().getHeader("Authorization")).isEqualTo("Bearer test-meta-token");
        JsonNode reply = JSON.readTree(calls.get(1).getRequest().getBodyAsString());
        assertThat(reply.path("type").asText()).isEqualTo("text");
        assertThat(reply.path("text").path("body").asText()).isEqualTo(AutoReplyIT.ANSWER);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> recorded(Set.of(META_MESSAGES)).size() == 2);
    }

    /** A receipt the provider refuses (500) is logged and counted; the reply is still generated and sent once. */
    @Test
    void aFailingReceiptStillGetsTheReplySent() throws Exception {
        PEERS.stubFor(WireMock.post(urlPathEqualTo("/api/sendSeen")).atPriority(1)
                .willReturn(aResponse().withStatus(500).withBody("{\"error\":\"session not ready\"}")));
        double before = failures("mark-read");
        assertThat(postWaha(wahaInbound("3EB0SEEN0000000002", "Hello, still open?")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendText"))).size() == 1);
        String inboundId = "waha:default:false_" + WAHA_CHAT + "_3EB0SEEN0000000002";
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            es("POST", "/whatsapp-replies/_refresh", null);
            JsonNode entry = document("whatsapp-replies", inboundId);
            return entry != null && "sent".equals(entry.path("state").asText());
        });
        assertThat(PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/sendSeen")))).hasSize(1);
        // sendSeen failed, so no typing was started; the stop after the send is harmless
        assertThat(PEERS.findAll(postRequestedFor(urlPathEqualTo("/api/startTyping")))).isEmpty();
        assertThat(failures("mark-read")).isEqualTo(before + 1);
    }

    private double failures(String call) {
        Counter c = meters.find("gateway.auto_reply.receipt_failures").tags("provider", "waha", "call", call).counter();
        return c == null ? 0 : c.count();
    }
}
