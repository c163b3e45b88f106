package io.wagateway.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the output of a <b>declarative payload mapping</b> (a {@code jq} expression in a provider's route file) into
 * the webhook items the pipeline expects. Provider-agnostic: it knows the canonical shape, never a provider's.
 *
 * <p>Input: one JSON object or an array of them (an array maps a batch), each with a {@code kind}:
 * <ul>
 *   <li>{@code message} → {@link CanonicalMessage}; fields in the stored document's snake_case names:
 *       {@code provider, account_id, message_id, chat_id, chat_type, chat_name, sender_id, sender_name, from_me,
 *       type, text, media{mime,url,id,caption,filename,size_bytes}, reply_to, timestamp, status, raw}.
 *       Defaults: {@code chat_type} from the chat id (@g.us group, @newsletter channel, @broadcast broadcast),
 *       {@code type} {@code text} when there is text else {@code unsupported}, {@code status} {@code received}
 *       (inbound) or {@code sent} (own), {@code raw} the whole mapped object's {@code raw} or nothing;</li>
 *   <li>{@code lifecycle} → {@link LifecycleUpdate}: {@code provider, account_id, target_message_id, chat_id,
 *       update (status|edit|delete|reaction), status, text, actor_id, event_id, errors, timestamp, raw};</li>
 *   <li>anything else (or no kind) → {@link IgnoredEvent}: {@code provider, account_id, event, reason}.</li>
 * </ul>
 * Timestamps may be unix seconds or milliseconds (number or string) or ISO-8601; {@code received_at} is now.
 * A message without {@code provider} or {@code account_id} fails the webhook as malformed (400); a message without
 * {@code message_id} is keyed on the content hash of its {@code raw} (else of the mapped object), flagged
 * {@code id_source: content_hash} (a mapping that derives an id from other fields says so in {@code id_source}).
 */
public class MappedWebhookItems {

    private final Clock clock;

    /** Uses the system clock for {@code received_at}. */
    public MappedWebhookItems() {
        this(Clock.systemUTC());
    }

    /** @param clock clock for {@code received_at} */
    public MappedWebhookItems(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param mapped the mapping's result: an object or an array of objects
     * @return the items, in order
     * @throws MalformedPayloadException when the mapping produced no object or a message lacks its keys (→ 400)
     */
    public List<WebhookItem> items(JsonNode mapped) {
        Instant receivedAt = clock.instant();
        List<WebhookItem> items = new ArrayList<>();
        if (mapped != null && mapped.isArray()) {
            mapped.forEach(node -> items.add(item(node, receivedAt)));
        } else {
            items.add(item(mapped, receivedAt));
        }
        return items;
    }

    /** Sizes arrive as numbers or numeric strings (Baileys' fileLength is a string). */
    private static Long size(JsonNode value) {
        return Json.wholeNumber(value);     // length-checked before parsing
    }

    private static WebhookItem item(JsonNode n, Instant receivedAt) {
        if (n == null || !n.isObject()) {
            throw new MalformedPayloadException("the payload mapping produced no object", null);
        }
        String provider = Json.text(n, "provider");
        String accountId = Json.text(n, "account_id");
        String kind = Json.first(Json.text(n, "kind"), "ignored");
        JsonNode raw = n.hasNonNull("raw") ? n.get("raw") : null;
        switch (kind) {
            case "message" -> {
                String messageId = Json.text(n, "message_id");
                if (provider == null || accountId == null) {
                    throw new MalformedPayloadException("mapped message without provider or account_id", null);
                }
                boolean fromMe = n.path("from_me").asBoolean(false);
                String chatId = Json.text(n, "chat_id");
                String text = Json.text(n, "text");
                JsonNode m = n.get("media");
                Media media = m != null && m.isObject()
                        ? new Media(Json.text(m, "mime"), Json.text(m, "url"), Json.text(m, "id"),
                                Json.text(m, "caption"), Json.text(m, "filename"), size(m.get("size_bytes")))
                        : null;
                return new CanonicalMessage(provider, accountId, messageId, chatId,
                        Json.first(Json.text(n, "chat_type"), Json.chatType(chatId)), Json.text(n, "chat_name"),
                        Json.text(n, "sender_id"), Json.text(n, "sender_name"), fromMe,
                        Json.first(Json.text(n, "type"), text != null ? "text" : "unsupported"), text, media,
                        Json.text(n, "reply_to"), Json.instant(n.get("timestamp")), receivedAt,
                        Json.first(Json.text(n, "status"), fromMe ? "sent" : "received"), raw,
                        messageId == null ? null : Json.text(n, "id_source"))
                        .identified(raw != null ? raw : n);
            }
            case "lifecycle" -> {
                return new LifecycleUpdate(provider, accountId, Json.text(n, "target_message_id"),
                        Json.text(n, "chat_id"), Json.text(n, "update"), Json.text(n, "status"),
                        n.hasNonNull("text") ? n.get("text").asText() : null, Json.text(n, "actor_id"),
                        Json.text(n, "event_id"), n.hasNonNull("errors") ? n.get("errors") : null,
                        Json.instant(n.get("timestamp")), receivedAt, raw);
            }
            default -> {
                return new IgnoredEvent(Json.first(provider, "unknown"), accountId,
                        Json.first(Json.text(n, "event"), "(no event)"), Json.first(Json.text(n, "reason"), "unknown-event"),
                        raw);
            }
        }
    }
}
