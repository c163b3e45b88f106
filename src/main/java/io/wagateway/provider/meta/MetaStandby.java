package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.message.WebhookItem;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Meta {@code field: standby} (providers.md 1.x, Meta's page {@code webhooks/reference/standby}): copies sent while
 * another responder (Meta's Business Agent, under Conversation Routing) owns the conversation, one level deeper than
 * {@code field: messages}:
 * <ul>
 *   <li>{@code value.standby.messages[]}: the customer's messages, stored like messages with {@code standby: true},
 *       {@code webhook_field: standby} (never auto-replied: a standby partner must not answer);</li>
 *   <li>{@code value.standby.message_echoes[]}: the owner's own sends {@code {id, timestamp, message:{to|recipient,
 *       type, ...}}} (the Send API request body), stored as own messages ({@code from_me: true}), standby flagged;</li>
 *   <li>{@code value.standby.statuses[]}: applied like any status.</li>
 * </ul>
 * Each chat seen on standby also yields an inferred {@link ChatOwnerChange} to {@code meta_agent} (the owner is
 * another responder), which replaces only an unknown owner or {@code app}.
 */
final class MetaStandby {

    static final String FIELD = "standby";
    static final String META_AGENT = "meta_agent";

    private MetaStandby() {
    }

    /**
     * @param normalizer the Meta normalizer (message and status mapping)
     * @param value      the change's {@code value}
     * @param accountId  our phone_number_id
     * @param receivedAt receipt time
     * @param items      where the items go, in payload order
     */
    static void normalize(MetaNormalizer normalizer, JsonNode value, String accountId, Instant receivedAt,
            List<WebhookItem> items) {
        JsonNode standby = value.path("standby");
        Map<String, Instant> chats = new LinkedHashMap<>();
        for (JsonNode m : standby.path("messages")) {
            add(normalizer.messageItem(m, accountId, standby, false, receivedAt), items, chats);
        }
        for (JsonNode e : standby.path("message_echoes")) {
            add(echo(normalizer, e, accountId, receivedAt), items, chats);
        }
        for (JsonNode s : standby.path("statuses")) {
            items.add(normalizer.statusItem(s, accountId, receivedAt));
        }
        chats.forEach((chat, at) -> items.add(new ChatOwnerChange(MetaNormalizer.PROVIDER, accountId, chat,
                META_AGENT, null, FIELD, null, at, receivedAt, true, null)));
    }

    private static void add(WebhookItem item, List<WebhookItem> items, Map<String, Instant> chats) {
        WebhookItem flagged = MetaOrigin.flag(item, null, true, FIELD);
        items.add(flagged);
        if (flagged instanceof CanonicalMessage c && c.chatId() != null && "direct".equals(c.chatType())) {
            Instant at = c.timestamp() != null ? c.timestamp() : c.receivedAt();
            chats.merge(c.chatId(), at, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    /**
     * A standby echo is the owner's Send API request plus the id and time Meta gave it: read as an own message of
     * {@code message.type} to {@code message.to} (or the BSUID {@code message.recipient}), keeping the echo as raw.
     */
    private static WebhookItem echo(MetaNormalizer normalizer, JsonNode e, String accountId, Instant receivedAt) {
        ObjectNode m = e.path("message").isObject() ? ((ObjectNode) e.get("message")).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        m.set("id", e.get("id"));
        m.set("timestamp", e.get("timestamp"));
        if (!m.hasNonNull("to") && m.hasNonNull("recipient")) {
            m.set("to_user_id", m.get("recipient"));
        }
        // the Send API quotes with context.message_id; a webhook message with context.id
        if (m.path("context").hasNonNull("message_id") && !m.path("context").has("id")) {
            ((ObjectNode) m.get("context")).set("id", m.get("context").get("message_id"));
        }
        WebhookItem item = normalizer.messageItem(m, accountId, null, true, receivedAt);
        return item instanceof CanonicalMessage c ? MetaOrigin.with(c, null, null, null, e) : item;
    }
}
