package io.wagateway.provider.waha;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * WAHA numbered menus, the inbound side (issue 19 item 2; docs/sending.md): outbound menu documents (contract C2: an
 * own message of type {@code buttons} or {@code list} whose {@code raw.request} holds the choices) are in the messages
 * index; a signed WAHA webhook whose text is only a number is stored with the {@code interactive} answer Meta would
 * carry for that choice of the chat's newest menu, its type and text unchanged. Other texts, other chats and numbers
 * the menu does not have get no answer.
 */
class WahaNumberedMenuIT extends GatewayIntegrationTest {

    private static final String CHAT = "15550100001@c.us";

    private void menu(String chat, String key, Instant at, String request) throws Exception {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("provider", "waha");
        doc.put("account_id", "default");
        doc.put("message_id", "out:" + key);
        doc.put("chat_id", chat);
        doc.put("chat_type", "direct");
        doc.put("from_me", true);
        JsonNode r = JSON.readTree(request);
        doc.put("type", r.path("type").asText());
        doc.put("text", r.path("text").asText());
        doc.put("status", "sent");
        doc.put("timestamp", at.toString());
        ObjectNode raw = doc.putObject("raw");
        raw.put("gateway_send", true);
        raw.set("request", r);
        HttpResponse<String> put = es("PUT", "/" + store().getMessagesIndex() + "/_doc/"
                + encode("waha:default:out:" + key) + "?refresh=true", doc.toString());
        assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
    }

    /** Posts a signed inbound WAHA text message and answers the stored document. */
    private JsonNode answer(String id, String chat, String text) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/waha/message_inbound_text.json"));
        ObjectNode p = (ObjectNode) body.get("payload");
        p.put("id", "false_" + chat + "_" + id);
        p.put("from", chat);
        p.put("body", text);
        p.put("timestamp", Instant.now().getEpochSecond());
        HttpResponse<String> r = postWaha(body.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode stored = message("waha:default:false_" + chat + "_" + id);
        assertThat(stored).isNotNull();
        assertThat(stored.path("text").asText()).isEqualTo(text);      // text and type stay as they were
        assertThat(stored.path("type").asText()).isEqualTo("text");
        return stored;
    }

    @Test
    void aNumberAnswersTheChatsNewestMenu() throws Exception {
        Instant now = Instant.now();
        menu(CHAT, "old", now.minusSeconds(600), "{\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"" + CHAT
                + "\",\"type\":\"buttons\",\"text\":\"Old\",\"buttons\":[{\"id\":\"old-1\",\"title\":\"A\"},"
                + "{\"id\":\"old-2\",\"title\":\"B\"}]}");
        menu(CHAT, "new", now.minusSeconds(30), "{\"provider\":\"waha\",\"account_id\":\"default\",\"chat_id\":\"" + CHAT
                + "\",\"type\":\"buttons\",\"text\":\"Pick one\",\"buttons\":[{\"id\":\"yes\",\"title\":\"Yes\"},"
                + "{\"id\":\"no\",\"title\":\"No\"}]}");
        menu("15550100009@c.us", "other", now.minusSeconds(5), "{\"provider\":\"waha\",\"account_id\":\"default\","
                + "\"chat_id\":\"15550100009@c.us\",\"type\":\"buttons\",\"text\":\"Other\",\"buttons\":["
                + "{\"id\":\"x-1\",\"title\":\"X\"},{\"id\":\"x-2\",\"title\":\"Y\"}]}");

        JsonNode two = answer("A1", CHAT, "2");
        assertThat(two.path("interactive")).isEqualTo(JSON.readTree(
                "{\"type\":\"button_reply\",\"button_reply\":{\"id\":\"no\",\"title\":\"No\"}}"));
        assertThat(answer("A2", CHAT, " 1. ").path("interactive").path("button_reply").path("id").asText())
                .isEqualTo("yes");

        assertThat(answer("A3", CHAT, "3").has("interactive")).as("no third button").isFalse();
        assertThat(answer("A4", CHAT, "2 please").has("interactive")).as("not only a number").isFalse();
        assertThat(answer("A5", "15550100077@c.us", "2").has("interactive")).as("a chat without a menu").isFalse();
    }

    @Test
    void aNumberAnswersAListRowAcrossSections() throws Exception {
        menu(CHAT, "list", Instant.now().minusSeconds(20), "{\"provider\":\"waha\",\"account_id\":\"default\","
                + "\"chat_id\":\"" + CHAT + "\",\"type\":\"list\",\"text\":\"Our shop\",\"button\":\"See\",\"sections\":["
                + "{\"title\":\"Fruit\",\"rows\":[{\"id\":\"a\",\"title\":\"Apple\"},{\"id\":\"b\",\"title\":\"Banana\"}]},"
                + "{\"title\":\"Veg\",\"rows\":[{\"id\":\"c\",\"title\":\"Carrot\",\"description\":\"orange\"}]}]}");
        assertThat(answer("L1", CHAT, "3").path("interactive")).isEqualTo(JSON.readTree(
                "{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"c\",\"title\":\"Carrot\",\"description\":\"orange\"}}"));
    }
}
