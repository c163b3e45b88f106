package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.WebhookItem;

/** Small helpers shared by the Meta field families: flag where a message came from, or re-key its chat/status. */
final class MetaOrigin {

    private MetaOrigin() {
    }

    /**
     * @param item    a normalised item
     * @param history {@code history} flag to set, or null
     * @param standby {@code standby} flag to set, or null
     * @param field   the Meta {@code field} the item came in ({@code webhook_field})
     * @return the message with its origin fields set; any other item unchanged
     */
    static WebhookItem flag(WebhookItem item, Boolean history, Boolean standby, String field) {
        if (item instanceof CanonicalMessage c) {
            return c.withDetails(c.details().withOrigin(history, standby, field));
        }
        return item;
    }

    /**
     * @return a copy of {@code c} with another chat, direction, status and raw item (null keeps the current value)
     */
    static CanonicalMessage with(CanonicalMessage c, String chatId, Boolean fromMe, String status, JsonNode raw) {
        return new CanonicalMessage(c.provider(), c.accountId(), c.messageId(), chatId != null ? chatId : c.chatId(),
                c.chatType(), c.chatName(), c.senderId(), c.senderName(), fromMe != null ? fromMe : c.fromMe(),
                c.type(), c.text(), c.media(), c.replyTo(), c.timestamp(), c.receivedAt(),
                status != null ? status : c.status(), raw != null ? raw : c.raw(), c.idSource(), c.details());
    }
}
