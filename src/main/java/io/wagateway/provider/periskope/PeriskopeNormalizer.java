package io.wagateway.provider.periskope;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Turns one Periskope webhook envelope ({@code {event|event_type, org_id, timestamp, data}}, providers.md §3.3–3.6)
 * into one webhook item: {@code message.created} → {@link CanonicalMessage} (own messages flagged {@code from_me},
 * private notes ignored); {@code message.ack.updated} → status update; {@code message.updated},
 * {@code message.deleted} and reactions ({@code message.reaction.updated}, {@code reaction.created},
 * {@code reaction.updated}) → lifecycle updates; every other event → {@link IgnoredEvent}.
 *
 * <p>The message id is {@code message_id}, else the same id in {@code id._serialized}, else the message object's
 * {@code unique_id} (§3.5 lists all three). A message with none of them is keyed on the content hash of its
 * {@code data} object ({@code id_source: content_hash}); so is a {@code data} that is not an object.
 */
public class PeriskopeNormalizer {

    static final String PROVIDER = "periskope";
    private static final Set<String> NON_MESSAGE_EVENTS = Set.of("note.created", "chat.created",
            "chat.notification.created", "message.flagged", "ticket.created", "ticket.updated", "ticket.deleted",
            "phone.connected", "phone.disconnected");
    private static final Set<String> REACTION_EVENTS = Set.of("message.reaction.updated", "reaction.created",
            "reaction.updated");

    private final Clock clock;

    /** Creates a normalizer using the system clock for {@code received_at}. */
    public PeriskopeNormalizer() {
        this(Clock.systemUTC());
    }

    /** @param clock clock for {@code received_at} */
    public PeriskopeNormalizer(Clock clock) {
        this.clock = clock;
    }

    /**
     * Normalises one envelope. The event name is read from {@code event}, else {@code event_type}, else
     * {@code integration_name} (§3.3); {@code org_id} and {@code timestamp} may be missing.
     *
     * @param envelope the parsed webhook body
     * @return exactly one item
     */
    public List<WebhookItem> normalize(JsonNode envelope) {
        Instant receivedAt = clock.instant();
        String event = Json.first(Json.text(envelope, "event"), Json.text(envelope, "event_type"),
                Json.text(envelope, "integration_name"), "(no event)");
        JsonNode data = envelope.path("data");
        String accountId = Json.first(Json.text(data, "org_phone"), Json.text(envelope, "org_id"),
                Json.text(data, "org_id"));
        WebhookItem item;
        if ("message.created".equals(event)) {
            item = data.path("is_private_note").asBoolean(false)
                    ? new IgnoredEvent(PROVIDER, accountId, event, "private-note", envelope)
                    : message(envelope, data, accountId, receivedAt);
        } else if ("message.ack.updated".equals(event)) {
            item = new LifecycleUpdate(PROVIDER, accountId, messageId(data), Json.text(data, "chat_id"), "status",
                    ackStatus(data.get("ack")), null, null, null, null, eventTime(envelope, data), receivedAt, data);
        } else if ("message.updated".equals(event)) {
            item = new LifecycleUpdate(PROVIDER, accountId, messageId(data), Json.text(data, "chat_id"), "edit", null,
                    Json.text(data, "body"), senderOf(data), null, null, eventTime(envelope, data), receivedAt, data);
        } else if ("message.deleted".equals(event)) {
            item = new LifecycleUpdate(PROVIDER, accountId, messageId(data), Json.text(data, "chat_id"), "delete",
                    null, null, null, null, null, eventTime(envelope, data), receivedAt, data);
        } else if (REACTION_EVENTS.contains(event)) {
            item = reaction(envelope, data, accountId, receivedAt);
        } else {
            boolean known = NON_MESSAGE_EVENTS.contains(event) || event.startsWith("ticket.")
                    || event.startsWith("phone.");
            item = new IgnoredEvent(PROVIDER, accountId, event, known ? "non-message-event" : "unknown-event",
                    envelope);
        }
        return List.of(item);
    }

    private CanonicalMessage message(JsonNode envelope, JsonNode d, String accountId, Instant receivedAt) {
        boolean fromMe = d.path("from_me").asBoolean(false);
        String chatId = Json.first(Json.text(d, "chat_id"), Json.path(d, "id", "remote"),
                fromMe ? Json.text(d, "to") : Json.text(d, "from"));
        JsonNode mediaNode = d.get("media");
        String mime = Json.text(mediaNode, "mimetype");
        Media media = mediaNode != null && mediaNode.isObject()
                ? new Media(mime, Json.first(Json.text(mediaNode, "path"), Json.text(mediaNode, "url")), null, Json.text(d, "body"),
                        Json.text(mediaNode, "filename"), Json.wholeNumber(mediaNode.get("size")))
                : null;
        String replyTo = d.path("has_quoted_msg").asBoolean(true) ? Json.text(d, "quoted_message_id") : null;
        Instant timestamp = Json.instant(d.get("timestamp"));
        return new CanonicalMessage(PROVIDER, accountId, messageId(d), chatId, Json.chatType(chatId), null,
                senderOf(d), null, fromMe, messageType(Json.text(d, "message_type"), media, Json.text(d, "body")),
                Json.text(d, "body"), media, replyTo,
                timestamp != null ? timestamp : Json.instant(envelope.get("timestamp")), receivedAt,
                fromMe ? ackStatus(d.get("ack")) : "received", d).identified(d);
    }

    /**
     * A reaction: the documented reaction object ({@code message_id} = target, {@code reaction}, {@code reaction_id},
     * {@code sender_id}, §3.4 / vendor reaction object); if a message object with {@code reactions[]} arrives
     * instead, the last entry of {@code reactions[]} is taken.
     */
    private LifecycleUpdate reaction(JsonNode envelope, JsonNode d, String accountId, Instant receivedAt) {
        JsonNode r = d;
        Instant timestamp = Json.instant(d.get("timestamp"));
        if (!d.has("reaction")) {
            JsonNode reactions = d.path("reactions");
            r = reactions.isArray() && !reactions.isEmpty() ? reactions.get(reactions.size() - 1) : null;
            Instant own = r == null ? null : Json.instant(r.get("timestamp"));
            timestamp = own != null ? own : eventTime(envelope, d);
        }
        String target = Json.first(Json.text(d, "message_id"), Json.path(d, "msg_id", "_serialized"),
                Json.path(r, "msg_id", "_serialized"), Json.text(r, "message_id"));
        String emoji = Json.text(r, "reaction");
        return new LifecycleUpdate(PROVIDER, accountId, target, Json.text(d, "chat_id"), "reaction", null,
                emoji == null ? "" : emoji, Json.first(Json.text(r, "sender_id"), r == d ? senderOf(d) : null),
                Json.text(r, "reaction_id"), null, timestamp != null ? timestamp : eventTime(envelope, d),
                receivedAt, d);
    }

    /** {@code message_id}, else {@code id._serialized} (same format), else the bare {@code unique_id}. */
    private static String messageId(JsonNode d) {
        return Json.first(Json.text(d, "message_id"), Json.path(d, "id", "_serialized"), Json.text(d, "unique_id"));
    }

    private static String senderOf(JsonNode d) {
        return Json.first(Json.text(d, "sender_phone"), Json.text(d, "author"), Json.text(d, "from"));
    }

    /**
     * When an update happened: the message's {@code updated_at}, else the envelope {@code timestamp}, else the
     * message's own {@code timestamp} (which is the send time, not the update time).
     */
    private static Instant eventTime(JsonNode envelope, JsonNode d) {
        Instant t = Json.instant(d.get("updated_at"));
        if (t == null) {
            t = Json.instant(envelope.get("timestamp"));
        }
        return t != null ? t : Json.instant(d.get("timestamp"));
    }

    /** Periskope {@code message_type} (§3.5) to the canonical type; unknown types become {@code unsupported}. */
    static String messageType(String messageType, Media media, String body) {
        if (messageType == null) {
            if (media != null) {
                return Json.mediaType(media.mime());
            }
            return body != null ? "text" : "unsupported";
        }
        return switch (messageType) {
            case "chat", "text" -> "text";
            case "ptt", "audio" -> "audio";
            case "vcard", "multi_vcard" -> "contacts";
            case "image", "video", "document", "sticker", "location" -> messageType;
            default -> "unsupported";
        };
    }

    /**
     * Periskope ack (§3.6), given as a string ({@code "2"}) or a number ({@code 2}), to the canonical status:
     * -1 failed, 0 pending, 1 sent, 2–3 delivered, 4–5 read.
     *
     * @param ack the {@code ack} value, may be null
     * @return the status, or {@code unknown}
     */
    static String ackStatus(JsonNode ack) {
        Long parsed = Json.wholeNumber(ack);          // length-checked before parsing
        if (parsed == null || parsed < -1 || parsed > 5) {
            return "unknown";
        }
        int value = parsed.intValue();
        return switch (value) {
            case -1 -> "failed";
            case 0 -> "pending";
            case 1 -> "sent";
            case 2, 3 -> "delivered";
            case 4, 5 -> "read";
            default -> "unknown";
        };
    }
}
