package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * No id, no dedup (issue 15 item 10): a message without a usable id is never stored under {@code null} and never
 * answered "duplicate" because of it. It is stored under a content hash of its item, flagged
 * {@code id_source: content_hash}; the same item twice is stored once. A payload of the wrong shape is kept, and a
 * lifecycle update without a target id is never keyed on null.
 */
class MissingIdIT extends GatewayIntegrationTest {

    private static byte[] edit(String fixture, Consumer<ObjectNode> change) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes(fixture));
        change.accept(body);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode metaMessage(ObjectNode body) {
        return (ObjectNode) body.path("entry").get(0).path("changes").get(0).path("value").path("messages").get(0);
    }

    private HttpResponse<String> postEvolution(byte[] body) throws Exception {
        return post("/webhooks/evolution", body, Map.of("Content-Type", "application/json",
                "X-Evolution-Secret", Fixtures.SECRET));
    }

    /** Three different id-less messages, then the first again: 3 stored, 1 duplicate, none under "null". */
    private void threeStoredAndTheRepeatOnce(List<byte[]> bodies, Poster poster) throws Exception {
        for (byte[] body : bodies) {
            HttpResponse<String> r = poster.post(body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("stored").asInt()).as(r.body()).isEqualTo(1);
        }
        HttpResponse<String> again = poster.post(bodies.get(0));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asInt()).as(again.body()).isEqualTo(1);

        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(3);
        for (JsonNode doc : docs) {
            assertThat(doc.path("_id").asText()).doesNotEndWith(":null").doesNotContain(":null:");
            assertThat(doc.path("message_id").asText()).startsWith("sha256-");
            assertThat(doc.path("id_source").asText()).isEqualTo("content_hash");
        }
    }

    @FunctionalInterface
    interface Poster {
        HttpResponse<String> post(byte[] body) throws Exception;
    }

    @Test
    void wahaMessagesWithoutPayloadIdAreStoredOnceEach() throws Exception {
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (String text : List.of("first", "second", "third")) {
            bodies.add(edit("webhooks/waha/message_inbound_text.json", b -> {
                ObjectNode p = (ObjectNode) b.get("payload");
                p.remove("id");
                p.put("body", text);
            }));
        }
        threeStoredAndTheRepeatOnce(bodies, this::postWaha);
    }

    @Test
    void metaMessagesWithoutIdAreStoredOnceEach() throws Exception {
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (String text : List.of("first", "second", "third")) {
            bodies.add(edit("webhooks/meta/inbound_text.json", b -> {
                ObjectNode m = metaMessage(b);
                m.remove("id");
                ((ObjectNode) m.get("text")).put("body", text);
            }));
        }
        threeStoredAndTheRepeatOnce(bodies, this::postMeta);
    }

    @Test
    void periskopeMessagesWithoutAnyIdAreStoredOnceEach() throws Exception {
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (String text : List.of("first", "second", "third")) {
            bodies.add(edit("webhooks/periskope/message_created_inbound_text.json", b -> {
                ObjectNode d = (ObjectNode) b.get("data");
                d.remove(List.of("message_id", "id", "unique_id"));
                d.put("body", text);
            }));
        }
        threeStoredAndTheRepeatOnce(bodies, this::postPeriskope);
    }

    @Test
    void unipileMessagesWithoutAnyIdAreStoredOnceEach() throws Exception {
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (String text : List.of("first", "second", "third")) {
            bodies.add(edit("webhooks/unipile/message_received_inbound_text.json", b -> {
                b.remove(List.of("message_id", "provider_message_id"));
                b.put("message", text);
            }));
        }
        threeStoredAndTheRepeatOnce(bodies, this::postUnipile);
    }

    @Test
    void evolutionMessagesWithoutKeyIdAreStoredOnceEach() throws Exception {
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (String text : List.of("first", "second", "third")) {
            bodies.add(edit("webhooks/evolution/messages_upsert_inbound_text.json", b -> {
                ObjectNode d = (ObjectNode) b.get("data");
                ((ObjectNode) d.get("key")).remove("id");
                d.set("message", JSON.createObjectNode().put("conversation", text));
            }));
        }
        threeStoredAndTheRepeatOnce(bodies, this::postEvolution);
    }

    @Test
    void unipileMessageWithoutMessageIdIsKeyedOnItsProviderMessageId() throws Exception {
        byte[] body = edit("webhooks/unipile/message_received_inbound_text.json", b -> {
            b.remove("message_id");
            b.put("provider_message_id", "3EB0PROVIDERID000001");
        });
        HttpResponse<String> r = postUnipile(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(1);
        assertThat(docs.get(0).path("message_id").asText()).isEqualTo("3EB0PROVIDERID000001");
        assertThat(docs.get(0).path("id_source").asText()).isEqualTo("provider_message_id");
    }

    @Test
    void messagesWithTheirIdCarryNoIdSourceFlag() throws Exception {
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(1);
        assertThat(docs.get(0).has("id_source")).isFalse();
    }

    @Test
    void wahaPayloadOfTheWrongShapeIsKeptAsUnsupportedNotLost() throws Exception {
        byte[] asString = edit("webhooks/waha/message_inbound_text.json", b -> b.put("payload", "not an object"));
        byte[] asArray = edit("webhooks/waha/message_inbound_text.json",
                b -> b.set("payload", JSON.createArrayNode().add(1).add("two")));
        byte[] missing = edit("webhooks/waha/message_inbound_text.json", b -> b.remove("payload"));
        for (byte[] body : List.of(asString, asArray, missing)) {
            HttpResponse<String> r = postWaha(body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("stored").asInt()).as(r.body()).isEqualTo(1);
        }
        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(3);
        for (JsonNode doc : docs) {
            assertThat(doc.path("type").asText()).isEqualTo("unsupported");
            assertThat(doc.path("id_source").asText()).isEqualTo("content_hash");
            assertThat(doc.path("_id").asText()).doesNotContain("null");
        }
    }

    @Test
    void metaMessageThatIsNotAnObjectIsKept() throws Exception {
        byte[] body = edit("webhooks/meta/inbound_text.json", b -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                b.path("entry").get(0).path("changes").get(0).path("value").path("messages")).set(0,
                JSON.getNodeFactory().textNode("just a string")));
        HttpResponse<String> r = postMeta(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> docs = all(store().getMessagesIndex());
        assertThat(docs).hasSize(1);
        assertThat(docs.get(0).path("type").asText()).isEqualTo("unsupported");
        assertThat(docs.get(0).path("id_source").asText()).isEqualTo("content_hash");
    }

    @Test
    void statusUpdatesWithoutATargetIdAreKeptSeparatelyNeverKeyedOnNull() throws Exception {
        List<byte[]> acks = new java.util.ArrayList<>();
        for (long ts : List.of(1767607300L, 1767607301L)) {
            acks.add(edit("webhooks/waha/message_ack_read.json", b -> {
                ObjectNode p = (ObjectNode) b.get("payload");
                p.remove("id");
                p.put("timestamp", ts);
            }));
        }
        acks.add(edit("webhooks/waha/message_ack_read.json", b -> b.put("payload", "garbage")));
        for (byte[] ack : acks) {
            HttpResponse<String> r = postWaha(ack);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(postWaha(acks.get(0)).statusCode()).isEqualTo(200);   // a redelivery: recorded once
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).hasSize(3);
        for (JsonNode u : updates) {
            assertThat(u.path("_id").asText()).doesNotContain(":null:");
            assertThat(u.has("target_message_id")).isFalse();
        }
    }
}
