package io.wagateway.provider.unipile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

public class UnipileNormalizerTest {

    private static final Instant NOW = Instant.parse("2026-01-05T13:10:00Z");
    private static final String DIR = "webhooks/unipile/";
    private static final String ACCOUNT = "FAKEacctWA00000000001w";

    private final ObjectMapper mapper = new ObjectMapper();
    private final UnipileNormalizer normalizer = new UnipileNormalizer(Clock.fixed(NOW, ZoneOffset.UTC));

    private WebhookItem single(JsonNode body) {
        List<WebhookItem> items = normalizer.normalize(body);
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private ObjectNode fixtureTree(String name) throws Exception {
        return (ObjectNode) mapper.readTree(Fixtures.bytes(DIR + name));
    }

    private WebhookItem json(String body) throws Exception {
        return single(mapper.readTree(body));
    }

    /** Expectations per fixture file; the test fails when a fixture is added without one. */
    private final Map<String, Consumer<WebhookItem>> expectations = Map.of(
            "message_received_inbound_text.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.provider()).isEqualTo("unipile");
                assertThat(m.accountId()).isEqualTo(ACCOUNT);
                assertThat(m.messageId()).isEqualTo("FAKEmsg000000000000401");
                assertThat(m.documentId()).isEqualTo("unipile:FAKEacctWA00000000001w:FAKEmsg000000000000401");
                assertThat(m.chatId()).isEqualTo("FAKEchatA0000000000001");
                assertThat(m.chatType()).isEqualTo("direct");
                assertThat(m.senderId()).isEqualTo("15550100001@s.whatsapp.net");
                assertThat(m.senderName()).isEqualTo("Alex Example");
                assertThat(m.fromMe()).isFalse();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("Good morning, I'd like to book a demo.");
                assertThat(m.media()).isNull();
                assertThat(m.replyTo()).isNull();
                assertThat(m.timestamp()).hasToString("2026-01-05T13:00:00Z");
                assertThat(m.receivedAt()).isEqualTo(NOW);
                assertThat(m.status()).isEqualTo("received");
                assertThat(m.raw().path("provider_message_id").asText()).isEqualTo("3EB0FAKE00000000000401");
            },
            "message_received_outbound_is_sender.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.messageId()).isEqualTo("FAKEmsg000000000000402");
                assertThat(m.chatId()).isEqualTo("FAKEchatA0000000000001");
                assertThat(m.chatType()).isEqualTo("direct");
                assertThat(m.senderId()).isEqualTo("15550100100@s.whatsapp.net");
                assertThat(m.senderName()).isEqualTo("Acme Support");
                assertThat(m.fromMe()).isTrue();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("Sure! Does Thursday 14:00 work?");
                assertThat(m.timestamp()).hasToString("2026-01-05T13:02:00Z");
                assertThat(m.status()).isEqualTo("sent");
            },
            "message_received_group.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.messageId()).isEqualTo("FAKEmsg000000000000403");
                assertThat(m.chatId()).isEqualTo("FAKEchatG0000000000001");
                assertThat(m.chatType()).isEqualTo("group");
                assertThat(m.senderId()).isEqualTo("15550100002@s.whatsapp.net");
                assertThat(m.senderName()).isEqualTo("Bea Sample");
                assertThat(m.fromMe()).isFalse();
                assertThat(m.type()).isEqualTo("text");
                assertThat(m.text()).isEqualTo("Reminder: stock count tonight at 8.");
                assertThat(m.timestamp()).hasToString("2026-01-05T13:04:00Z");
                assertThat(m.status()).isEqualTo("received");
            },
            "message_received_with_attachments.json", item -> {
                CanonicalMessage m = (CanonicalMessage) item;
                assertThat(m.messageId()).isEqualTo("FAKEmsg000000000000404");
                assertThat(m.chatId()).isEqualTo("FAKEchatC0000000000001");
                assertThat(m.senderId()).isEqualTo("15550100003@s.whatsapp.net");
                assertThat(m.senderName()).isEqualTo("Chen Testperson");
                assertThat(m.type()).isEqualTo("image");
                assertThat(m.text()).isEqualTo("Two photos of the installation");
                Media media = m.media();
                assertThat(media).isNotNull();
                assertThat(media.id()).isEqualTo("FAKEatt0000000000000404a");
                assertThat(media.url()).isEqualTo("att://FAKEatt0000000000000404a");
                assertThat(media.mime()).isEqualTo("image/jpeg");
                assertThat(media.sizeBytes()).isEqualTo(183421L);
                assertThat(media.caption()).isEqualTo("Two photos of the installation");
                assertThat(media.filename()).isNull();
                assertThat(m.raw().path("attachments")).hasSize(2);
                assertThat(m.timestamp()).hasToString("2026-01-05T13:06:00Z");
                assertThat(m.status()).isEqualTo("received");
            },
            "message_read.json", item -> {
                LifecycleUpdate u = (LifecycleUpdate) item;
                assertThat(u.provider()).isEqualTo("unipile");
                assertThat(u.accountId()).isEqualTo(ACCOUNT);
                assertThat(u.update()).isEqualTo("status");
                assertThat(u.status()).isEqualTo("read");
                assertThat(u.targetMessageId()).isEqualTo("FAKEmsg000000000000402");
                assertThat(u.targetDocumentId()).isEqualTo("unipile:FAKEacctWA00000000001w:FAKEmsg000000000000402");
                assertThat(u.chatId()).isEqualTo("FAKEchatA0000000000001");
                assertThat(u.text()).isNull();
                assertThat(u.actorId()).isNull();
                assertThat(u.timestamp()).hasToString("2026-01-05T13:03:10Z");
                assertThat(u.documentId())
                        .isEqualTo("unipile:FAKEacctWA00000000001w:FAKEmsg000000000000402:status:read");
            });

    @Test
    void everyFixtureNormalisesToTheExpectedItem() throws Exception {
        List<Path> files = Fixtures.all("webhooks/unipile");
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).containsExactlyInAnyOrderElementsOf(expectations.keySet());
        for (Path file : files) {
            WebhookItem item = single(mapper.readTree(Fixtures.bytes(file)));
            expectations.get(file.getFileName().toString()).accept(item);
        }
    }

    @Test
    void attachmentsAsSingleObjectAreRead() throws Exception {
        ObjectNode body = fixtureTree("message_received_inbound_text.json");
        ObjectNode att = body.putObject("attachments");
        att.put("id", "FAKEattDOC");
        att.put("type", "file");
        att.put("file_name", "offer.pdf");
        att.put("mimetype", "application/pdf");
        att.put("file_size", 5120);
        att.put("url", "att://FAKEattDOC");
        CanonicalMessage m = (CanonicalMessage) single(body);
        assertThat(m.type()).isEqualTo("document");
        assertThat(m.media().id()).isEqualTo("FAKEattDOC");
        assertThat(m.media().filename()).isEqualTo("offer.pdf");
        assertThat(m.media().mime()).isEqualTo("application/pdf");
        assertThat(m.media().sizeBytes()).isEqualTo(5120L);
        assertThat(m.media().url()).isEqualTo("att://FAKEattDOC");
    }

    @Test
    void attachmentTypesMapToCanonicalTypes() throws Exception {
        String[][] cases = {
                {"{\"type\":\"img\",\"sticker\":true,\"mimetype\":\"image/webp\"}", "sticker"},
                {"{\"type\":\"img\",\"sticker\":false,\"mimetype\":\"image/webp\"}", "image"},
                {"{\"type\":\"video\",\"gif\":true}", "video"},
                {"{\"type\":\"audio\",\"voice_note\":true}", "audio"},
                {"{\"type\":\"file\",\"filename\":\"a.txt\"}", "document"},
                {"{\"mimetype\":\"audio/ogg\"}", "audio"},
                {"{\"type\":\"linkedin_post\"}", "document"}};
        for (String[] c : cases) {
            ObjectNode body = fixtureTree("message_received_inbound_text.json");
            ArrayNode atts = body.putArray("attachments");
            atts.add(mapper.readTree(c[0]));
            assertThat(((CanonicalMessage) single(body)).type()).as(c[0]).isEqualTo(c[1]);
        }
        ObjectNode noText = fixtureTree("message_received_inbound_text.json");
        noText.putNull("message");
        CanonicalMessage m = (CanonicalMessage) single(noText);
        assertThat(m.type()).isEqualTo("unsupported");
        assertThat(m.text()).isNull();
    }

    @Test
    void flagsAsNumbersAndGroupFromProviderChatIdAndQuote() throws Exception {
        ObjectNode body = fixtureTree("message_received_inbound_text.json");
        body.put("is_sender", 1);
        body.put("is_group", 0);
        body.put("provider_chat_id", "120363000000000009@g.us");
        body.putObject("quoted").put("id", "FAKEmsgQUOTED").put("provider_id", "3EB0QUOTED");
        ((ObjectNode) body.get("sender")).remove("attendee_provider_id");
        CanonicalMessage m = (CanonicalMessage) single(body);
        assertThat(m.fromMe()).isTrue();
        assertThat(m.status()).isEqualTo("sent");
        assertThat(m.chatType()).isEqualTo("group");
        assertThat(m.replyTo()).isEqualTo("FAKEmsgQUOTED");
        assertThat(m.senderId()).isEqualTo("FAKEattA000000000000001");
    }

    @Test
    void providerEventsAreIgnored() throws Exception {
        ObjectNode body = fixtureTree("message_received_group.json");
        body.put("is_event", 1);
        body.put("event_type", 5);
        IgnoredEvent e = (IgnoredEvent) single(body);
        assertThat(e.event()).isEqualTo("message_received");
        assertThat(e.reason()).isEqualTo("provider-event");
        assertThat(e.accountId()).isEqualTo(ACCOUNT);
    }

    @Test
    void reactionEditDeleteAndDelivered() throws Exception {
        ObjectNode reaction = fixtureTree("message_read.json");
        reaction.put("event", "message_reaction");
        reaction.put("reaction", "\uD83D\uDC4D");
        reaction.putObject("reaction_sender").put("attendee_id", "FAKEattA000000000000001")
                .put("attendee_provider_id", "15550100001@s.whatsapp.net").put("attendee_name", "Alex Example");
        LifecycleUpdate r = (LifecycleUpdate) single(reaction);
        assertThat(r.update()).isEqualTo("reaction");
        assertThat(r.targetMessageId()).isEqualTo("FAKEmsg000000000000402");
        assertThat(r.text()).isEqualTo("\uD83D\uDC4D");
        assertThat(r.actorId()).isEqualTo("15550100001@s.whatsapp.net");
        assertThat(r.chatId()).isEqualTo("FAKEchatA0000000000001");
        assertThat(r.status()).isNull();

        reaction.putNull("reaction");
        assertThat(((LifecycleUpdate) single(reaction)).text()).isEmpty();

        ObjectNode edit = fixtureTree("message_received_outbound_is_sender.json");
        edit.put("event", "message_edited");
        edit.put("message", "Sure! Does Friday 14:00 work?");
        LifecycleUpdate u = (LifecycleUpdate) single(edit);
        assertThat(u.update()).isEqualTo("edit");
        assertThat(u.targetMessageId()).isEqualTo("FAKEmsg000000000000402");
        assertThat(u.text()).isEqualTo("Sure! Does Friday 14:00 work?");
        assertThat(u.actorId()).isEqualTo("15550100100@s.whatsapp.net");
        assertThat(u.timestamp()).hasToString("2026-01-05T13:02:00Z");

        ObjectNode delete = fixtureTree("message_received_group.json");
        delete.put("event", "message_deleted");
        LifecycleUpdate d = (LifecycleUpdate) single(delete);
        assertThat(d.update()).isEqualTo("delete");
        assertThat(d.targetMessageId()).isEqualTo("FAKEmsg000000000000403");
        assertThat(d.text()).isNull();

        ObjectNode delivered = fixtureTree("message_read.json");
        delivered.put("event", "message_delivered");
        LifecycleUpdate del = (LifecycleUpdate) single(delivered);
        assertThat(del.update()).isEqualTo("status");
        assertThat(del.status()).isEqualTo("delivered");
    }

    /**
     * The flat body the replaced webhook manager documents (issue 16, "Unipile without event"): no {@code event},
     * {@code sender{id, provider_id, name, picture_url}} instead of {@code attendee_*}; field names as in
     * providers.md §4.5 (live WhatsApp captures: {@code provider_chat_id}, {@code provider_message_id},
     * {@code is_event}).
     */
    public static final String FLAT = """
            {"account_id":"FAKEacctWA00000000001w","account_type":"WHATSAPP","chat_id":"FAKEchatF0000000000001",
             "message_id":"FAKEmsg000000000000501","message":"Hello, is the shop open today?",
             "timestamp":"2026-01-05T13:08:00.000Z","provider_chat_id":"15550100005@s.whatsapp.net",
             "provider_message_id":"3EB0FAKE00000000000501","is_event":0,"attachments":[],
             "sender":{"id":"FAKEattF000000000000005","provider_id":"15550100005@s.whatsapp.net",
                       "name":"Flat Sender","picture_url":"https://example.invalid/p.jpg"}}
            """;

    /**
     * Sets {@code attachments} to three of the kinds of providers.md §4.5 Message object (img, video, file; id,
     * file_size, mimetype, url, file_name): ids {@code <prefix>a}, {@code b}, {@code c}; 1000, 2000, 3000 bytes.
     *
     * @param body   a Unipile body
     * @param prefix the attachment ids' prefix
     */
    public static void putThreeAttachments(ObjectNode body, String prefix) {
        ArrayNode attachments = body.putArray("attachments");
        attachments.addObject().put("id", prefix + "a").put("type", "img").put("mimetype", "image/jpeg")
                .put("file_size", 1000).put("url", "att://" + prefix + "a");
        attachments.addObject().put("id", prefix + "b").put("type", "video").put("mimetype", "video/mp4")
                .put("file_size", 2000).put("url", "att://" + prefix + "b");
        attachments.addObject().put("id", prefix + "c").put("type", "file").put("mimetype", "application/pdf")
                .put("file_name", "offer.pdf").put("file_size", 3000).put("url", "att://" + prefix + "c");
    }

    @Test
    void aBodyWithoutEventThatCarriesAMessageIsAMessageReceived() throws Exception {
        CanonicalMessage m = (CanonicalMessage) json(FLAT);
        assertThat(m.messageId()).isEqualTo("FAKEmsg000000000000501");
        assertThat(m.idSource()).isNull();
        assertThat(m.accountId()).isEqualTo(ACCOUNT);
        assertThat(m.chatId()).isEqualTo("FAKEchatF0000000000001");
        assertThat(m.chatType()).isEqualTo("direct");
        assertThat(m.senderId()).isEqualTo("15550100005@s.whatsapp.net");
        assertThat(m.senderName()).isEqualTo("Flat Sender");
        assertThat(m.fromMe()).isFalse();
        assertThat(m.type()).isEqualTo("text");
        assertThat(m.text()).isEqualTo("Hello, is the shop open today?");
        assertThat(m.media()).isNull();
        assertThat(m.details().attachments()).isNull();
        assertThat(m.details().channel()).isEqualTo("WHATSAPP");
        assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-01-05T13:08:00Z"));
        assertThat(m.status()).isEqualTo("received");

        // without a provider id, the sender is Unipile's own id; a provider event stays ignored
        ObjectNode noProviderId = (ObjectNode) mapper.readTree(FLAT);
        ((ObjectNode) noProviderId.get("sender")).remove("provider_id");
        assertThat(((CanonicalMessage) single(noProviderId)).senderId()).isEqualTo("FAKEattF000000000000005");
        ObjectNode providerEvent = (ObjectNode) mapper.readTree(FLAT);
        providerEvent.put("is_event", 1);
        assertThat(single(providerEvent)).isInstanceOf(IgnoredEvent.class);
    }

    @Test
    void everyAttachmentIsKeptTheFirstAlsoAsMedia() throws Exception {
        // attachment shapes: providers.md §4.5 Message object (img, video, file; id, file_size, mimetype, url)
        ObjectNode body = (ObjectNode) mapper.readTree(FLAT);
        body.remove("message");
        putThreeAttachments(body, "FAKEatt501");
        CanonicalMessage m = (CanonicalMessage) single(body);
        assertThat(m.type()).isEqualTo("image");
        assertThat(m.text()).isNull();
        assertThat(m.details().attachments()).containsExactly(
                new Media("image/jpeg", "att://FAKEatt501a", "FAKEatt501a", null, null, 1000L),
                new Media("video/mp4", "att://FAKEatt501b", "FAKEatt501b", null, null, 2000L),
                new Media("application/pdf", "att://FAKEatt501c", "FAKEatt501c", null, "offer.pdf", 3000L));
        assertThat(m.media()).isEqualTo(m.details().attachments().get(0));

        // the developer fixture's two images: both kept
        CanonicalMessage fixture = (CanonicalMessage) single(fixtureTree("message_received_with_attachments.json"));
        assertThat(fixture.details().attachments()).extracting(Media::id)
                .containsExactly("FAKEatt0000000000000404a", "FAKEatt0000000000000404b");
    }

    @Test
    void aLinkedInMessageIsAMessageWithItsChannel() throws Exception {
        // providers.md §4.5: account_type LINKEDIN | INSTAGRAM | WHATSAPP | TELEGRAM | ...
        ObjectNode body = (ObjectNode) mapper.readTree(FLAT);
        body.put("account_type", "LINKEDIN").remove("provider_chat_id");
        CanonicalMessage m = (CanonicalMessage) single(body);
        assertThat(m.details().channel()).isEqualTo("LINKEDIN");
        assertThat(m.text()).isEqualTo("Hello, is the shop open today?");
    }

    @Test
    void accountStatusBodyAndUnknownEventsAreIgnored() throws Exception {
        String accountStatus = "{\"AccountStatus\":{\"account_id\":\"FAKEacctWA00000000001w\","
                + "\"account_type\":\"WHATSAPP\",\"message\":\"OK\"}}";
        IgnoredEvent status = (IgnoredEvent) json(accountStatus);
        assertThat(status.provider()).isEqualTo("unipile");
        assertThat(status.event()).isEqualTo("account_status");
        assertThat(status.reason()).isEqualTo("non-message-event");
        assertThat(status.accountId()).isEqualTo(ACCOUNT);
        assertThat(status.raw()).isEqualTo(mapper.readTree(accountStatus));

        IgnoredEvent unknown = (IgnoredEvent) json("{\"event\":\"something_new\",\"account_id\":\"A1\"}");
        assertThat(unknown.event()).isEqualTo("something_new");
        assertThat(unknown.reason()).isEqualTo("unknown-event");
        assertThat(unknown.accountId()).isEqualTo("A1");
        assertThat(unknown.raw().path("event").asText()).isEqualTo("something_new");

        IgnoredEvent none = (IgnoredEvent) json("{}");
        assertThat(none.event()).isEqualTo("(no event)");
        assertThat(none.reason()).isEqualTo("unknown-event");
        assertThat(none.raw()).isEqualTo(mapper.createObjectNode());

        // a message id alone (no text, no attachment) is not a message
        IgnoredEvent idOnly = (IgnoredEvent) json("{\"message_id\":\"M1\",\"attachments\":[],\"account_id\":\"A1\"}");
        assertThat(idOnly.event()).isEqualTo("(no event)");
        assertThat(idOnly.raw().path("message_id").asText()).isEqualTo("M1");
    }
}
