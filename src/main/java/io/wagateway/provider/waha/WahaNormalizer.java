package io.wagateway.provider.waha;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ContentHash;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns one WAHA webhook envelope ({@code {event, session, me, payload, ...}}, providers.md §2.5–2.6) into one
 * webhook item: {@code message}/{@code message.any} → {@link CanonicalMessage} (own messages flagged
 * {@code from_me}); {@code message.ack} → status update; {@code message.reaction}, {@code message.edited},
 * {@code message.revoked} → lifecycle updates; every other event → {@link IgnoredEvent}.
 *
 * <p>WAHA's only message id is {@code payload.id} (§2.7; the envelope {@code id} names the event, and
 * {@code message} and {@code message.any} carry different ones for the same message). A message without it is keyed
 * on the content hash of its payload ({@code id_source: content_hash}); a {@code payload} that is not an object is
 * kept as an {@code unsupported} message (see {@link CanonicalMessage#identified}).
 */
public class WahaNormalizer {

    static final String PROVIDER = "waha";
    private static final Set<String> NON_MESSAGE_EVENTS = Set.of("session.status", "message.waiting", "chat.archive",
            "group.v2.join", "group.v2.leave", "group.v2.participants", "group.v2.update", "group.join", "group.leave",
            "presence.update", "poll.vote", "poll.vote.failed", "event.response", "event.response.failed",
            "label.upsert", "label.deleted", "label.chat.added", "label.chat.deleted", "call.received",
            "call.accepted", "call.rejected", "engine.event", "state.change");

    private final Clock clock;

    /** Creates a normalizer using the system clock for {@code received_at}. */
    public WahaNormalizer() {
        this(Clock.systemUTC());
    }

    /** @param clock clock for {@code received_at} */
    public WahaNormalizer(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param envelope the parsed webhook body
     * @return exactly one item
     */
    public List<WebhookItem> normalize(JsonNode envelope) {
        Instant receivedAt = clock.instant();
        String event = Json.first(Json.text(envelope, "event"), "(no event)");
        String session = Json.text(envelope, "session");
        JsonNode payload = envelope.path("payload");
        WebhookItem item = switch (event) {
            case "message", "message.any" -> payload.isObject()
                    ? message(envelope, payload, session, receivedAt).identified(payload)
                    : wrongShape(envelope, payload, session, receivedAt);
            case "message.ack" -> new LifecycleUpdate(PROVIDER, session, Json.text(payload, "id"),
                    chatOf(payload), "status", ackStatus(payload), null, Json.text(payload, "participant"), null,
                    null, Json.instant(payload.get("timestamp")), receivedAt, payload);
            case "message.reaction" -> {
                JsonNode reaction = payload.path("reaction");
                String text = Json.text(reaction, "text");
                yield new LifecycleUpdate(PROVIDER, session, Json.text(reaction, "messageId"), chatOf(payload),
                        "reaction", null, text == null ? "" : text, senderOf(envelope, payload), Json.text(payload, "id"),
                        null, Json.instant(payload.get("timestamp")), receivedAt, payload);
            }
            case "message.edited" -> new LifecycleUpdate(PROVIDER, session,
                    fullId(Json.text(payload, "id"), Json.text(payload, "editedMessageId")),
                    chatOf(payload), "edit", null, Json.text(payload, "body"), senderOf(envelope, payload),
                    Json.text(payload, "id"), null, Json.instant(payload.get("timestamp")), receivedAt, payload);
            case "message.revoked" -> new LifecycleUpdate(PROVIDER, session,
                    Json.first(fullId(Json.path(payload, "after", "id"), Json.text(payload, "revokedMessageId")),
                            Json.path(payload, "before", "id")),
                    chatOf(payload.path("after")), "delete", null, null, null,
                    Json.path(payload, "after", "id"), null, Json.instant(payload.path("after").get("timestamp")),
                    receivedAt, payload);
            default -> new IgnoredEvent(PROVIDER, session, event,
                    NON_MESSAGE_EVENTS.contains(event) ? "non-message-event" : "unknown-event", envelope);
        };
        return List.of(item);
    }

    /**
     * A message event whose {@code payload} is not an object (a string, an array, missing): kept as an
     * {@code unsupported} message keyed on the payload's content hash (the envelope's when there is no payload), dated
     * by the envelope's {@code timestamp}, with the whole envelope as {@code raw}.
     */
    private static CanonicalMessage wrongShape(JsonNode envelope, JsonNode payload, String session,
            Instant receivedAt) {
        JsonNode item = payload.isMissingNode() || payload.isNull() ? envelope : payload;
        return new CanonicalMessage(PROVIDER, session, ContentHash.of(item), null, "direct", null, null, null, false,
                "unsupported", null, null, null, Json.instant(envelope.get("timestamp")), receivedAt, "received",
                envelope, ContentHash.ID_SOURCE);
    }

    private CanonicalMessage message(JsonNode envelope, JsonNode p, String session, Instant receivedAt) {
        boolean fromMe = p.path("fromMe").asBoolean(false);
        String chatId = chatOf(p);
        JsonNode mediaNode = p.get("media");
        String mime = Json.text(mediaNode, "mimetype");
        boolean hasMedia = p.path("hasMedia").asBoolean(false) || mime != null;
        Media media = hasMedia && mediaNode != null && !mediaNode.isNull()
                ? new Media(mime, Json.text(mediaNode, "url"), null, hasMedia ? Json.text(p, "body") : null,
                        Json.text(mediaNode, "filename"), null, null, mediaError(mediaNode.get("error")))
                : null;
        String replyTo = Json.first(Json.path(p, "replyTo", "id"), Json.path(p, "_data", "quotedStanzaID"));
        String senderName = fromMe ? Json.path(envelope, "me", "pushName")
                : Json.first(Json.path(p, "_data", "notifyName"), Json.path(p, "_data", "Info", "PushName"),
                        Json.path(p, "_data", "pushName"));
        return new CanonicalMessage(PROVIDER, session, Json.text(p, "id"), chatId, Json.chatType(chatId), null,
                senderOf(envelope, p), senderName, fromMe, messageType(p, mime, hasMedia), Json.text(p, "body"), media,
                replyTo, Json.instant(p.get("timestamp")), receivedAt, fromMe ? ackStatus(p) : "received", p);
    }

    /**
     * WAHA's {@code media.error}: set when WAHA could not download the file ("Receive messages", Media Files).
     *
     * @param error the field, any JSON or null
     * @return its text (an object as JSON text), or null when absent, null or empty
     */
    private static String mediaError(JsonNode error) {
        if (error == null || error.isNull() || error.isMissingNode()) {
            return null;
        }
        String text = error.isValueNode() ? error.asText() : error.toString();
        return text.isBlank() || "{}".equals(text) ? null : text;
    }

    /**
     * WAHA names the edited/revoked message by its bare id ({@code editedMessageId}, {@code revokedMessageId}) while
     * messages are stored under the full {@code <fromMe>_<chat>_<id>[_<participant>]}: the action's own full id has
     * the same prefix, so the target is that id with its id part replaced.
     *
     * @param actionId full id of the edit/revoke action, may be null
     * @param bareId   bare id of the target, may be null
     * @return the target's full id, or the bare id when it cannot be rebuilt
     */
    static String fullId(String actionId, String bareId) {
        if (bareId == null || actionId == null || bareId.contains("_")) {
            return bareId;
        }
        String[] parts = actionId.split("_", 4);
        if (parts.length < 3 || !("true".equals(parts[0]) || "false".equals(parts[0]))) {
            return bareId;
        }
        parts[2] = bareId;
        return String.join("_", parts);
    }

    /** The conversation: the other side for direct chats, the group/channel for groups. */
    private static String chatOf(JsonNode p) {
        boolean fromMe = p.path("fromMe").asBoolean(false);
        return fromMe ? Json.first(Json.text(p, "to"), Json.text(p, "from")) : Json.first(Json.text(p, "from"),
                Json.text(p, "to"));
    }

    private static String senderOf(JsonNode envelope, JsonNode p) {
        if (p.path("fromMe").asBoolean(false)) {
            return Json.first(Json.path(envelope, "me", "id"), Json.text(p, "from"));
        }
        return Json.first(Json.text(p, "participant"), Json.text(p, "from"));
    }

    private static String messageType(JsonNode p, String mime, boolean hasMedia) {
        String engineType = Json.path(p, "_data", "type");
        if (engineType != null) {
            switch (engineType) {
                case "chat" -> {
                    return "text";
                }
                case "ptt", "audio" -> {
                    return "audio";
                }
                case "image", "video", "document", "sticker", "location" -> {
                    return engineType;
                }
                case "vcard", "multi_vcard" -> {
                    return "contacts";
                }
                case "revoked" -> {
                    return "revoked";
                }
                default -> {
                    // engine-specific; decide below
                }
            }
        }
        if (hasMedia) {
            return Json.mediaType(mime);
        }
        if (p.hasNonNull("location")) {
            return "location";
        }
        JsonNode vcards = p.get("vCards");
        if (vcards != null && vcards.isArray() && !vcards.isEmpty()) {
            return "contacts";
        }
        if (Json.text(p, "body") != null) {
            return "text";
        }
        return "unsupported";
    }

    /** WAHA ack (-1..4 / ERROR..PLAYED, §2.6) to the canonical status. */
    static String ackStatus(JsonNode p) {
        String name = Json.text(p, "ackName");
        if (name != null) {
            return switch (name.toUpperCase(Locale.ROOT)) {
                case "ERROR" -> "failed";
                case "PENDING" -> "pending";
                case "SERVER" -> "sent";
                case "DEVICE" -> "delivered";
                case "READ" -> "read";
                case "PLAYED" -> "played";
                default -> name.toLowerCase(Locale.ROOT);
            };
        }
        JsonNode ack = p.get("ack");
        if (ack == null || !ack.canConvertToInt()) {
            return "unknown";
        }
        return switch (ack.asInt()) {
            case -1 -> "failed";
            case 0 -> "pending";
            case 1 -> "sent";
            case 2 -> "delivered";
            case 3 -> "read";
            case 4 -> "played";
            default -> "unknown";
        };
    }
}
