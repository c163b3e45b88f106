package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.ops.LogMask;
import io.wagateway.provider.Json;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta {@code field: history} (providers.md 1.x, Meta's page {@code webhooks/reference/history}): the WhatsApp
 * Business app's past messages of a coexistence number, in phases (0: day 0-1, 1: day 1-90, 2: day 90-180) and
 * chunks. {@code value.history[]} holds {@code metadata{phase, chunk_order, progress}} and {@code threads[]}, each
 * {@code {id, messages[]}}; every message is stored once ({@code _id} on its wamid) in the thread's chat with
 * {@code history: true}, {@code webhook_field: history}, {@code from_me} when {@code from} is the business number
 * ({@code metadata.display_phone_number}; the page: "If the value is the business's phone number, the message object
 * describes a message sent by the business") or it carries {@code to} (an SMB echo), and its status from
 * {@code history_context.status} (lower-cased; {@code ERROR} becomes {@code failed}). History is never auto-replied.
 * Each chunk's phase and progress is logged. A chunk with {@code errors} (history sharing declined) is kept as an
 * {@link IgnoredEvent} ({@code history}, reason {@code history-errors}) with the chunk as raw.
 *
 * <p>A {@code media_placeholder} message (a media message whose contents Meta sends separately) is stored with type
 * {@code unsupported}. Its contents arrive later on {@code field: history} as a {@code value.messages[]} /
 * {@code value.message_echoes[]} list with the placeholder's wamid: each is read the same way (history flagged,
 * stored when no placeholder was) and also yields a {@code content} {@link LifecycleUpdate} of that wamid, which sets
 * the stored placeholder's {@code type}, {@code media} and caption.
 */
final class MetaHistory {

    private static final Logger LOG = LoggerFactory.getLogger(MetaHistory.class);
    static final String FIELD = "history";

    private MetaHistory() {
    }

    /**
     * @param normalizer the Meta normalizer (message mapping)
     * @param value      the change's {@code value}
     * @param accountId  our phone_number_id
     * @param receivedAt receipt time
     * @param items      where the items go, in payload order
     */
    static void normalize(MetaNormalizer normalizer, JsonNode value, String accountId, Instant receivedAt,
            List<WebhookItem> items) {
        String business = Json.path(value, "metadata", "display_phone_number");
        for (JsonNode chunk : value.path("history")) {
            JsonNode meta = chunk.path("metadata");
            int threads = chunk.path("threads").size();
            int messages = 0;
            for (JsonNode thread : chunk.path("threads")) {
                messages += thread.path("messages").size();
            }
            LOG.info("Meta history sync of account {}: phase {}, chunk {}, progress {}% ({} threads, {} messages)",
                    LogMask.id(accountId), meta.path("phase").asText("?"), meta.path("chunk_order").asText("?"),
                    meta.path("progress").asText("?"), threads, messages);
            if (chunk.has("errors")) {
                LOG.warn("Meta history sync of account {} reports errors: {}", LogMask.id(accountId),
                        chunk.path("errors").path(0).path("message").asText(chunk.path("errors").toString()));
                items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD, "history-errors",
                        MetaNormalizer.changeOf(FIELD, value, "history", chunk)));
            }
            for (JsonNode thread : chunk.path("threads")) {
                String chat = Json.text(thread, "id");
                for (JsonNode m : thread.path("messages")) {
                    items.add(history(normalizer, m, accountId, value, business, chat, receivedAt));
                }
            }
        }
        // the media contents of earlier placeholders (and their echoes) come as a flat list on the same field:
        // stored as a message when no placeholder was, and applied to the placeholder as its contents
        for (String list : new String[] {"messages", "message_echoes"}) {
            for (JsonNode m : value.path(list)) {
                WebhookItem item = history(normalizer, m, accountId, value, business, null, receivedAt);
                items.add(item);
                if (item instanceof CanonicalMessage c && c.media() != null && c.idSource() == null) {
                    items.add(new LifecycleUpdate(MetaNormalizer.PROVIDER, accountId, c.messageId(), c.chatId(),
                            "content", null, c.text(), c.senderId(), null, null, c.timestamp(), receivedAt, m));
                }
            }
        }
    }

    private static WebhookItem history(MetaNormalizer normalizer, JsonNode m, String accountId, JsonNode value,
            String business, String thread, Instant receivedAt) {
        String from = Json.text(m, "from");
        boolean fromMe = m.hasNonNull("to") || (from != null && from.equals(business));
        WebhookItem item = normalizer.messageItem(m, accountId, value, fromMe, receivedAt);
        if (item instanceof CanonicalMessage c) {
            item = MetaOrigin.with(c, thread, fromMe, status(m, c.status()), null);
        }
        return MetaOrigin.flag(item, true, null, FIELD);
    }

    /** {@code history_context.status} in the gateway's words (providers.md 1.6 vocabulary). */
    private static String status(JsonNode m, String otherwise) {
        String s = Json.path(m, "history_context", "status");
        if (s == null) {
            return otherwise;
        }
        s = s.toLowerCase(Locale.ROOT);
        return "error".equals(s) ? "failed" : s;
    }
}
