package io.wagateway.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The merge of messages into a chat document: commutative, idempotent, deterministic on ties. */
class ChatsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");

    private static CanonicalMessage message(String id, Instant at, boolean fromMe, String text) {
        return new CanonicalMessage("waha", "default", id, "15550100001@c.us", "direct", null, "15550100001@c.us",
                fromMe ? null : "Alex", fromMe, "text", text, null, null, at, at.plusSeconds(1), "received", null);
    }

    @Test
    void anyOrderAndAnyRepetitionGiveTheSameChat() {
        List<CanonicalMessage> messages = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // ties on purpose: 10 distinct times for 40 messages
            messages.add(message("m" + (char) ('a' + i % 26) + i, T.plusSeconds(i % 10), i % 3 == 0, "text " + i));
        }
        ObjectNode expected = JSON.createObjectNode();
        messages.forEach(m -> Chats.merge(expected, m));
        Random random = new Random(3);
        for (int round = 0; round < 20; round++) {
            List<CanonicalMessage> shuffled = new ArrayList<>(messages);
            shuffled.addAll(messages.subList(0, random.nextInt(messages.size())));   // redeliveries
            Collections.shuffle(shuffled, random);
            ObjectNode doc = JSON.createObjectNode();
            shuffled.forEach(m -> Chats.merge(doc, m));
            assertThat(doc).isEqualTo(expected);
        }
        // the newest time is 9 s (mj9, mt19, md29, mn39); the largest id wins, deterministically
        assertThat(expected.path("last_message_at").asText()).isEqualTo(T.plusSeconds(9).toString());
        assertThat(expected.path("last_message_id").asText()).isEqualTo("mt19");
        assertThat(expected.path("last_message_preview").asText()).isEqualTo("text 19");
        assertThat(expected.path("chat_key").asText()).isEqualTo("waha:default:15550100001@c.us");
        assertThat(expected.path("has_unread").asBoolean()).isTrue();
    }

    @Test
    void lastInboundAtCountsOnlyCustomerMessagesNotOwnNorHistory() {
        ObjectNode doc = JSON.createObjectNode();
        Chats.merge(doc, message("in", T, false, "hello"));
        Chats.merge(doc, message("own", T.plusSeconds(60), true, "answer"));
        CanonicalMessage history = message("old", T.plusSeconds(120), false, "imported");
        history = history.withDetails(new io.wagateway.message.MessageDetails(null, null, null, null, null, null,
                null, null, Boolean.TRUE, null, "history"));
        Chats.merge(doc, history);
        assertThat(doc.path("last_inbound_at").asText()).isEqualTo(T.toString());
        assertThat(doc.path("last_inbound_message_id").asText()).isEqualTo("in");
        assertThat(doc.path("last_message_id").asText()).isEqualTo("old");
        assertThat(doc.path("chat_name").asText()).as("the customer's name of a direct chat").isEqualTo("Alex");
    }

    @Test
    void readingKeepsOtherFieldsAndTheMergeKeepsTheReadTime() {
        ObjectNode doc = JSON.createObjectNode().put("owner", "human").put("auto_reply", false)
                .put("last_read_at", T.plusSeconds(30).toString());
        Chats.merge(doc, message("in", T, false, "hello"));
        assertThat(doc.path("owner").asText()).isEqualTo("human");
        assertThat(doc.path("auto_reply").asBoolean(true)).isFalse();
        assertThat(doc.path("has_unread").asBoolean()).as("read after it").isFalse();
        Chats.merge(doc, message("in2", T.plusSeconds(31), false, "again"));
        assertThat(doc.path("has_unread").asBoolean()).isTrue();
    }

    @Test
    void migrationNeverReplacesANewerOwnerNorAnExistingSwitch() {
        ObjectNode settings = JSON.createObjectNode().put("provider", "meta").put("account_id", "1")
                .put("chat_id", "2").put("owner", "human").put("owner_since", "2026-01-01T00:00:00Z")
                .put("owner_event", "control_passed").put("auto_reply", true);
        ObjectNode empty = JSON.createObjectNode();
        ObjectNode migrated = Chats.migrated(empty, settings);
        assertThat(migrated.path("owner").asText()).isEqualTo("human");
        assertThat(migrated.path("auto_reply").asBoolean()).isTrue();
        assertThat(migrated.path("chat_key").asText()).isEqualTo("meta:1:2");
        assertThat(Chats.migrated(migrated, settings)).as("idempotent").isEqualTo(migrated);

        ObjectNode newer = JSON.createObjectNode().put("owner", "app").put("owner_since", "2026-02-01T00:00:00Z")
                .put("auto_reply", false);
        ObjectNode kept = Chats.migrated(newer, settings);
        assertThat(kept.path("owner").asText()).isEqualTo("app");
        assertThat(kept.path("owner_since").asText()).isEqualTo("2026-02-01T00:00:00Z");
        assertThat(kept.path("auto_reply").asBoolean(true)).isFalse();
    }
}
