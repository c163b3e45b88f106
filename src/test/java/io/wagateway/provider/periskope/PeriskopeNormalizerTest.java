package io.wagateway.provider.periskope;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.message.WebhookItem;
import io.wagateway.support.Fixtures;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PeriskopeNormalizerTest {

    private static final Instant NOW = Instant.parse("2026-01-05T12:10:00Z");
    private static final String DIR = "webhooks/periskope/";
    private static final String ORG_PHONE = "15550100100@c.us";

    private final ObjectMapper mapper = new ObjectMapper();
    private final PeriskopeNormalizer normalizer = new PeriskopeNormalizer(Clock.fixed(NOW, ZoneOffset.UTC));

    private WebhookItem single(JsonNode body) {
        List<WebhookItem> items = normalizer.normalize(body);
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private WebhookItem fixture(String name) throws Exception {
        return single(mapper.readTree(Fixtures.bytes(DIR + name)));
    }

    private ObjectNode fixtureTree(String name) throws Exception {
        return (ObjectNode) mapper.readTree(Fixtures.bytes(DIR + name));
    }

    private WebhookItem json(String body) throws Exception {
        return single(mapper.readTree(body));
    }

    /** Expectations per fixture file; the test fails when a fixture is added without one. */
    private final Map<String, Consumer<WebhookItem>> expectations = Map.of(
            "message_created_inbound_text.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.provider()).isEqualTo("periskope");
                assertThat(m.accountId()).isEqualTo(ORG_PHONE);
                assertThat(m.messageId()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000301");
                assertThat(m.documentId())
                        .isEqualTo("periskope:15550100100@c.us:false_15550100001@c.us_3EB0FAKE00000000000301");
                assertThat(m.chatId()).isEqualTo("15550100001@c.us");
                assertThat(m.chatType()).isEqualTo("direct");
                assertThat(m.senderId()).isEqualTo("15550100001@c.us");
                assertThat(m.senderName()).isNull();
                assertThat(m.fromMe()).isFalse();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("Hi, what are your opening hours on Sunday?");
                assertThat(m.media()).isNull();
                assertThat(m.replyTo()).isNull();
                assertThat(m.timestamp()).hasToString("2026-01-05T12:00:00Z");
                assertThat(m.receivedAt()).isEqualTo(NOW);
                assertThat(m.status()).isEqualTo("received");
                assertThat(m.raw().path("unique_id").asText()).isEqualTo("3EB0FAKE00000000000301");
            },
            "message_created_outbound_from_me.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.accountId()).isEqualTo(ORG_PHONE);
                assertThat(m.messageId()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000302");
                assertThat(m.chatId()).isEqualTo("15550100001@c.us");
                assertThat(m.chatType()).isEqualTo("direct");
                assertThat(m.senderId()).isEqualTo(ORG_PHONE);
                assertThat(m.fromMe()).isTrue();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("We open 10:00-16:00 on Sundays.");
                assertThat(m.timestamp()).hasToString("2026-01-05T12:01:30Z");
                assertThat(m.status()).isEqualTo("pending"); // ack "0"
            },
            "message_created_group.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.messageId())
                        .isEqualTo("false_120363000000000002@g.us_3EB0FAKE00000000000303_15550100002@c.us");
                assertThat(m.chatId()).isEqualTo("120363000000000002@g.us");
                assertThat(m.chatType()).isEqualTo("group");
                assertThat(m.senderId()).isEqualTo("15550100002@c.us");
                assertThat(m.fromMe()).isFalse();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("Invoice for December attached in the portal.");
                assertThat(m.timestamp()).hasToString("2026-01-05T12:03:00Z");
                assertThat(m.status()).isEqualTo("received");
            },
            "message_created_media_image.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.messageId()).isEqualTo("false_15550100003@c.us_3EB0FAKE00000000000304");
                assertThat(m.chatId()).isEqualTo("15550100003@c.us");
                assertThat(m.senderId()).isEqualTo("15550100003@c.us");
                assertThat(m.type()).isEqualTo("image");
                assertThat(m.text()).isEqualTo("Here is the receipt");
                Media media = m.media();
                assertThat(media).isNotNull();
                assertThat(media.mime()).isEqualTo("image/jpeg");
                assertThat(media.url()).isEqualTo("/storage/v1/object/public/message-media/"
                        + "00000000-0000-4000-8000-00000000a001/15550100003@c.us/"
                        + "false_15550100003@c.us_3EB0FAKE00000000000304/00000000-0000-4000-8000-00000000c304");
                assertThat(media.filename()).isEqualTo("00000000-0000-4000-8000-00000000c304");
                assertThat(media.sizeBytes()).isEqualTo(48213L);
                assertThat(media.caption()).isEqualTo("Here is the receipt");
                assertThat(media.id()).isNull();
                assertThat(m.timestamp()).hasToString("2026-01-05T12:05:00Z");
            },
            "message_ack_updated_delivered.json", item -> {
                LifecycleUpdate u = (LifecycleUpdate) item;
                assertThat(u.provider()).isEqualTo("periskope");
                assertThat(u.accountId()).isEqualTo(ORG_PHONE);
                assertThat(u.update()).isEqualTo("status");
                assertThat(u.status()).isEqualTo("delivered");
                assertThat(u.targetMessageId()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000302");
                assertThat(u.targetDocumentId())
                        .isEqualTo("periskope:15550100100@c.us:true_15550100001@c.us_3EB0FAKE00000000000302");
                assertThat(u.chatId()).isEqualTo("15550100001@c.us");
                assertThat(u.text()).isNull();
                // the ack time (updated_at), not the message's send time
                assertThat(u.timestamp()).hasToString("2026-01-05T12:01:34.020Z");
                assertThat(u.receivedAt()).isEqualTo(NOW);
                assertThat(u.documentId()).isEqualTo(
                        "periskope:15550100100@c.us:true_15550100001@c.us_3EB0FAKE00000000000302:status:delivered");
            });

    @Test
    void everyFixtureNormalisesToTheExpectedItem() throws Exception {
        List<Path> files = Fixtures.all("webhooks/periskope");
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).containsExactlyInAnyOrderElementsOf(expectations.keySet());
        for (Path file : files) {
            WebhookItem item = single(mapper.readTree(Fixtures.bytes(file)));
            expectations.get(file.getFileName().toString()).accept(item);
        }
    }

    @Test
    void eventTypeIsAcceptedInsteadOfEventAndMissingOrgIdAndTimestampAreTolerated() throws Exception {
        ObjectNode body = fixtureTree("message_created_inbound_text.json");
        body.remove("event");
        body.remove("org_id");
        body.remove("timestamp");
        body.put("event_type", "message.created");
        body.putNull("previous_attributes");
        CanonicalMessage m = (CanonicalMessage) single(body);
        assertThat(m.messageId()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000301");
        assertThat(m.accountId()).isEqualTo(ORG_PHONE);
        assertThat(m.timestamp()).hasToString("2026-01-05T12:00:00Z");

        ObjectNode ack = fixtureTree("message_ack_updated_delivered.json");
        ack.remove("event");
        ack.put("event_type", "message.ack.updated");
        assertThat(((LifecycleUpdate) single(ack)).status()).isEqualTo("delivered");
    }

    @Test
    void accountFallsBackToOrgIdWithoutOrgPhone() throws Exception {
        IgnoredEvent e = (IgnoredEvent) json("{\"event\":\"ticket.created\",\"org_id\":\"org-1\",\"data\":{}}");
        assertThat(e.accountId()).isEqualTo("org-1");
        assertThat(e.reason()).isEqualTo("non-message-event");
    }

    @Test
    void ackIsReadAsStringOrNumber() throws Exception {
        String[][] cases = {{"-1", "failed"}, {"0", "pending"}, {"1", "sent"}, {"2", "delivered"},
                {"3", "delivered"}, {"4", "read"}, {"5", "read"}, {"9", "unknown"}};
        for (String[] c : cases) {
            for (String ack : List.of(c[0], "\"" + c[0] + "\"")) {
                LifecycleUpdate u = (LifecycleUpdate) json("{\"event\":\"message.ack.updated\",\"data\":{"
                        + "\"message_id\":\"true_1@c.us_X\",\"chat_id\":\"1@c.us\",\"ack\":" + ack + "}}");
                assertThat(u.status()).as("ack %s", ack).isEqualTo(c[1]);
                assertThat(u.targetMessageId()).isEqualTo("true_1@c.us_X");
            }
        }
        ObjectNode outbound = fixtureTree("message_created_outbound_from_me.json");
        ((ObjectNode) outbound.get("data")).put("ack", 4);
        assertThat(((CanonicalMessage) single(outbound)).status()).isEqualTo("read");
    }

    @Test
    void privateNoteIsIgnored() throws Exception {
        ObjectNode body = fixtureTree("message_created_inbound_text.json");
        ((ObjectNode) body.get("data")).put("is_private_note", true);
        IgnoredEvent e = (IgnoredEvent) single(body);
        assertThat(e.event()).isEqualTo("message.created");
        assertThat(e.reason()).isEqualTo("private-note");
        assertThat(e.accountId()).isEqualTo(ORG_PHONE);
    }

    @Test
    void nonMessageAndUnknownEventsAreIgnored() throws Exception {
        for (String event : List.of("note.created", "chat.created", "chat.notification.created", "ticket.created",
                "ticket.updated", "ticket.deleted", "phone.connected", "phone.disconnected", "message.flagged")) {
            IgnoredEvent e = (IgnoredEvent) json("{\"event\":\"" + event + "\",\"data\":{\"org_phone\":\"9@c.us\"}}");
            assertThat(e.event()).isEqualTo(event);
            assertThat(e.reason()).as(event).isEqualTo("non-message-event");
            assertThat(e.accountId()).isEqualTo("9@c.us");
        }
        IgnoredEvent unknown = (IgnoredEvent) json("{\"event\":\"something.new\"}");
        assertThat(unknown.reason()).isEqualTo("unknown-event");
        assertThat(unknown.accountId()).isNull();
        IgnoredEvent none = (IgnoredEvent) json("{\"data\":{}}");
        assertThat(none.event()).isEqualTo("(no event)");
        assertThat(none.reason()).isEqualTo("unknown-event");
    }

    @Test
    void editAndDeleteTargetTheMessage() throws Exception {
        ObjectNode edit = fixtureTree("message_created_inbound_text.json");
        edit.put("event", "message.updated");
        ObjectNode data = (ObjectNode) edit.get("data");
        data.put("prev_body", "Hi, what are your opening hours on Sunday?");
        data.put("body", "Hi, what are your opening hours on Saturday?");
        data.put("updated_at", "2026-01-05T12:02:00.000+00:00");
        LifecycleUpdate u = (LifecycleUpdate) single(edit);
        assertThat(u.update()).isEqualTo("edit");
        assertThat(u.targetMessageId()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000301");
        assertThat(u.text()).isEqualTo("Hi, what are your opening hours on Saturday?");
        assertThat(u.raw().path("prev_body").asText()).isEqualTo("Hi, what are your opening hours on Sunday?");
        assertThat(u.actorId()).isEqualTo("15550100001@c.us");
        assertThat(u.timestamp()).hasToString("2026-01-05T12:02:00Z");
        assertThat(u.status()).isNull();

        ObjectNode delete = fixtureTree("message_created_group.json");
        delete.put("event", "message.deleted");
        LifecycleUpdate d = (LifecycleUpdate) single(delete);
        assertThat(d.update()).isEqualTo("delete");
        assertThat(d.targetMessageId())
                .isEqualTo("false_120363000000000002@g.us_3EB0FAKE00000000000303_15550100002@c.us");
        assertThat(d.chatId()).isEqualTo("120363000000000002@g.us");
        assertThat(d.text()).isNull();
    }

    @Test
    void reactionObjectTargetsTheReactedMessage() throws Exception {
        String reaction = "{\"org_id\":\"org-1\",\"message_id\":\"false_1203@g.us_3EB0T_15550100002@c.us\","
                + "\"ack\":\"0\",\"id\":{\"_serialized\":\"true_1203@g.us_3EB0R_15550100100@c.us\"},"
                + "\"reaction\":\"\uD83D\uDE00\",\"reaction_id\":\"true_1203@g.us_3EB0R_15550100100@c.us\","
                + "\"timestamp\":\"2026-01-05 12:20:00+00\","
                + "\"msg_id\":{\"_serialized\":\"false_1203@g.us_3EB0T_15550100002@c.us\"},"
                + "\"sender_id\":\"15550100100@c.us\",\"org_phone\":\"15550100100@c.us\",\"chat_id\":\"1203@g.us\"}";
        for (String event : List.of("message.reaction.updated", "reaction.created", "reaction.updated")) {
            LifecycleUpdate u = (LifecycleUpdate) json("{\"event\":\"" + event + "\",\"data\":" + reaction + "}");
            assertThat(u.update()).isEqualTo("reaction");
            assertThat(u.accountId()).isEqualTo(ORG_PHONE);
            assertThat(u.targetMessageId()).isEqualTo("false_1203@g.us_3EB0T_15550100002@c.us");
            assertThat(u.chatId()).isEqualTo("1203@g.us");
            assertThat(u.text()).isEqualTo("\uD83D\uDE00");
            assertThat(u.actorId()).isEqualTo("15550100100@c.us");
            assertThat(u.eventId()).isEqualTo("true_1203@g.us_3EB0R_15550100100@c.us");
            assertThat(u.timestamp()).hasToString("2026-01-05T12:20:00Z");
        }
        LifecycleUpdate removed = (LifecycleUpdate) json("{\"event\":\"message.reaction.updated\",\"data\":"
                + "{\"message_id\":\"m1\",\"reaction\":null}}");
        assertThat(removed.text()).isEmpty();
        assertThat(removed.targetMessageId()).isEqualTo("m1");
        LifecycleUpdate bare = (LifecycleUpdate) json("{\"event\":\"message.reaction.updated\"}");
        assertThat(bare.update()).isEqualTo("reaction");
        assertThat(bare.targetMessageId()).isNull();
    }

    @Test
    void messageTypesQuotesAndIdFallbacks() throws Exception {
        String[][] types = {{"ptt", "audio"}, {"audio", "audio"}, {"video", "video"}, {"document", "document"},
                {"sticker", "sticker"}, {"location", "location"}, {"vcard", "contacts"}, {"multi_vcard", "contacts"},
                {"poll_creation", "unsupported"}};
        for (String[] t : types) {
            ObjectNode body = fixtureTree("message_created_inbound_text.json");
            ((ObjectNode) body.get("data")).put("message_type", t[0]);
            assertThat(((CanonicalMessage) single(body)).type()).as(t[0]).isEqualTo(t[1]);
        }
        ObjectNode quoted = fixtureTree("message_created_inbound_text.json");
        ObjectNode data = (ObjectNode) quoted.get("data");
        data.put("has_quoted_msg", true);
        data.put("quoted_message_id", "true_15550100001@c.us_3EB0FAKE00000000000302");
        data.remove("message_id");
        data.putNull("sender_phone");
        CanonicalMessage m = (CanonicalMessage) single(quoted);
        assertThat(m.replyTo()).isEqualTo("true_15550100001@c.us_3EB0FAKE00000000000302");
        assertThat(m.messageId()).isEqualTo("false_15550100001@c.us_3EB0FAKE00000000000301"); // id._serialized
        assertThat(m.senderId()).isEqualTo("15550100001@c.us"); // from
    }
}
