package io.wagateway.provider.unipile;

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
import java.util.Locale;

/**
 * Turns one Unipile v1 messaging webhook (flat body, providers.md §4.5) into one webhook item:
 * {@code message_received} → {@link CanonicalMessage} (own messages, {@code is_sender}, flagged {@code from_me};
 * provider events with {@code is_event=1} ignored); {@code message_read} and {@code message_delivered} → status
 * updates; {@code message_reaction}, {@code message_edited}, {@code message_deleted} → lifecycle updates; an
 * {@code AccountStatus} body (no {@code event}, §4.5) and every other event → {@link IgnoredEvent}.
 *
 * <p>The message id is {@code message_id} (§4.5, "can be used to prevent duplicate entries" §4.5/[U3]). Without it,
 * the WhatsApp id {@code provider_message_id} (seen in live WhatsApp payloads, §4.5) keys the message, flagged
 * {@code id_source: provider_message_id}; without both, the content hash of the body
 * ({@code id_source: content_hash}).
 */
public class UnipileNormalizer {

    static final String PROVIDER = "unipile";

    private final Clock clock;

    /** Creates a normalizer using the system clock for {@code received_at}. */
    public UnipileNormalizer() {
        this(Clock.systemUTC());
    }

    /** @param clock clock for {@code received_at} */
    public UnipileNormalizer(Clock clock) {
        this.clock = clock;
    }

    /**
     * Normalises one flat messaging body (§4.5); a body without {@code event} is routed by shape (§4.5
     * {@code AccountStatus}).
     *
     * @param body the parsed webhook body
     * @return exactly one item
     */
    public List<WebhookItem> normalize(JsonNode body) {
        Instant receivedAt = clock.instant();
        String event = Json.text(body, "event");
        String accountId = Json.text(body, "account_id");
        if (event == null) {
            JsonNode status = body.get("AccountStatus");
            if (status != null && status.isObject()) {
                return List.of(new IgnoredEvent(PROVIDER, Json.first(Json.text(status, "account_id"), accountId),
                        "account_status", "non-message-event", body));
            }
            return List.of(new IgnoredEvent(PROVIDER, accountId, "(no event)", "unknown-event", body));
        }
        String messageId = Json.text(body, "message_id");
        String chatId = Json.text(body, "chat_id");
        Instant timestamp = Json.instant(body.get("timestamp"));
        WebhookItem item = switch (event) {
            case "message_received" -> flag(body.get("is_event"))
                    ? new IgnoredEvent(PROVIDER, accountId, event, "provider-event", body)
                    : message(body, accountId, timestamp, receivedAt);
            case "message_read" -> new LifecycleUpdate(PROVIDER, accountId, messageId, chatId, "status", "read", null,
                    null, null, null, timestamp, receivedAt, body);
            case "message_delivered" -> new LifecycleUpdate(PROVIDER, accountId, messageId, chatId, "status",
                    "delivered", null, null, null, null, timestamp, receivedAt, body);
            case "message_reaction" -> {
                String reaction = Json.text(body, "reaction");
                yield new LifecycleUpdate(PROVIDER, accountId, messageId, chatId, "reaction", null,
                        reaction == null ? "" : reaction, attendee(body.get("reaction_sender")), null, null,
                        timestamp, receivedAt, body);
            }
            case "message_edited" -> new LifecycleUpdate(PROVIDER, accountId, messageId, chatId, "edit", null,
                    Json.text(body, "message"), attendee(body.get("sender")), null, null, timestamp, receivedAt,
                    body);
            case "message_deleted" -> new LifecycleUpdate(PROVIDER, accountId, messageId, chatId, "delete", null,
                    null, null, null, null, timestamp, receivedAt, body);
            default -> new IgnoredEvent(PROVIDER, accountId, event, "unknown-event", body);
        };
        return List.of(item);
    }

    private CanonicalMessage message(JsonNode b, String accountId, Instant timestamp, Instant receivedAt) {
        boolean fromMe = flag(b.get("is_sender"));
        String providerChatId = Json.text(b, "provider_chat_id");
        String chatType = flag(b.get("is_group")) ? "group" : Json.chatType(providerChatId);
        JsonNode sender = b.get("sender");
        String text = Json.text(b, "message");
        JsonNode attachment = firstAttachment(b.get("attachments"));
        Media media = null;
        String type = "text";
        if (attachment != null) {
            String mime = Json.text(attachment, "mimetype");
            media = new Media(mime, Json.text(attachment, "url"), Json.text(attachment, "id"), text,
                    Json.first(Json.text(attachment, "file_name"), Json.text(attachment, "filename")),
                    Json.wholeNumber(attachment.get("file_size")));
            type = attachmentType(attachment, mime);
        } else if (text == null) {
            type = "unsupported";
        }
        JsonNode quoted = b.get("quoted");
        String replyTo = Json.first(Json.text(quoted, "id"), Json.text(quoted, "provider_id"),
                Json.text(b, "quoted"));
        CanonicalMessage message = new CanonicalMessage(PROVIDER, accountId, Json.text(b, "message_id"),
                Json.text(b, "chat_id"), chatType, null, attendee(sender), Json.text(sender, "attendee_name"), fromMe,
                type, text, media, replyTo, timestamp, receivedAt, fromMe ? "sent" : "received", b);
        if (message.messageId() == null) {
            String providerMessageId = Json.text(b, "provider_message_id");
            if (providerMessageId != null) {
                return message.withId(providerMessageId, "provider_message_id");
            }
        }
        return message.identified(b);
    }

    /** {@code attachments} is an array in live payloads and a single object in the vendor example (§4.5). */
    private static JsonNode firstAttachment(JsonNode attachments) {
        if (attachments == null) {
            return null;
        }
        if (attachments.isArray()) {
            return attachments.isEmpty() || !attachments.get(0).isObject() ? null : attachments.get(0);
        }
        return attachments.isObject() && !attachments.isEmpty() ? attachments : null;
    }

    /** Attachment {@code type} (img, video, audio, file; §4.5) to the canonical type, else by MIME type. */
    static String attachmentType(JsonNode attachment, String mime) {
        String type = Json.text(attachment, "type");
        if (type != null) {
            switch (type.toLowerCase(Locale.ROOT)) {
                case "img", "image" -> {
                    return flag(attachment.get("sticker")) ? "sticker" : "image";
                }
                case "video" -> {
                    return "video";
                }
                case "audio" -> {
                    return "audio";
                }
                case "file" -> {
                    return "document";
                }
                default -> {
                    // e.g. linkedin_post; decide by MIME type
                }
            }
        }
        return Json.mediaType(mime);
    }

    /** An attendee's WhatsApp id ({@code attendee_provider_id}), else Unipile's {@code attendee_id}. */
    private static String attendee(JsonNode attendee) {
        return Json.first(Json.text(attendee, "attendee_provider_id"), Json.text(attendee, "attendee_id"));
    }

    /** Reads a flag given as a boolean, 0/1 or a string ({@code "true"}, {@code "1"}); missing → false. */
    static boolean flag(JsonNode n) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNumber()) {
            return n.asInt() != 0;
        }
        String s = n.asText();
        if (s.length() > 16) {
            return false;                                 // not a flag; never trimmed or compared at length
        }
        s = s.trim();
        return s.equalsIgnoreCase("true") || s.equals("1");
    }
}
