package io.wagateway.routes;

import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.message.ContactUpdate;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.MessageDetails;
import java.time.Instant;
import java.util.List;

/** Pipeline items for route tests: one of each kind, with the fields the routes read. */
final class Items {

    static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");

    private Items() {
    }

    /** @return an inbound text message from the other party in a direct WAHA chat, dated {@link #NOW} */
    static CanonicalMessage text(String messageId, String text) {
        return new CanonicalMessage("waha", "default", messageId, "15550100001@c.us", "direct", null,
                "15550100001@c.us", "Alex Example", false, "text", text, null, null, NOW, NOW, "received", null);
    }

    static CanonicalMessage message(String messageId) {
        return text(messageId, "Hello");
    }

    static CanonicalMessage own(String messageId) {
        CanonicalMessage m = message(messageId);
        return new CanonicalMessage(m.provider(), m.accountId(), m.messageId(), m.chatId(), m.chatType(), null,
                "15550100100@c.us", null, true, m.type(), m.text(), null, null, m.timestamp(), m.receivedAt(),
                "sent", null);
    }

    static CanonicalMessage group(String messageId) {
        return new CanonicalMessage("waha", "default", messageId, "120363000000000001@g.us", "group", null,
                "15550100002@c.us", "Bea Sample", false, "text", "Hello all", null, null, NOW, NOW, "received", null);
    }

    static CanonicalMessage ofType(String messageId, String type) {
        CanonicalMessage m = message(messageId);
        return new CanonicalMessage(m.provider(), m.accountId(), m.messageId(), m.chatId(), m.chatType(), null,
                m.senderId(), m.senderName(), false, type, null, null, null, m.timestamp(), m.receivedAt(),
                "received", null);
    }

    static CanonicalMessage inChat(String messageId, String chatId) {
        CanonicalMessage m = message(messageId);
        return new CanonicalMessage(m.provider(), m.accountId(), m.messageId(), chatId, m.chatType(), null, chatId,
                m.senderName(), false, m.type(), m.text(), null, null, m.timestamp(), m.receivedAt(), "received", null);
    }

    static CanonicalMessage dated(String messageId, Instant timestamp) {
        CanonicalMessage m = message(messageId);
        return new CanonicalMessage(m.provider(), m.accountId(), m.messageId(), m.chatId(), m.chatType(), null,
                m.senderId(), m.senderName(), false, m.type(), m.text(), null, null, timestamp, m.receivedAt(),
                "received", null);
    }

    static CanonicalMessage withDetails(CanonicalMessage m, MessageDetails details) {
        return m.withDetails(details);
    }

    static LifecycleUpdate status(String targetMessageId) {
        return new LifecycleUpdate("waha", "default", targetMessageId, "15550100001@c.us", "status", "read", null,
                null, null, null, NOW, NOW, null);
    }

    static IgnoredEvent event(String name) {
        return new IgnoredEvent("waha", "default", name, "non-message-event", null);
    }

    static ChatOwnerChange ownerChange() {
        return new ChatOwnerChange("meta", "100000000000002", "15550100001", "page_inbox", ChatOwnerChange.APP,
                "messaging_handovers", null, NOW, NOW, false, null);
    }

    static ContactUpdate contactUpdate() {
        return new ContactUpdate("meta", "100000000000002", "user_changed_number", ContactUpdate.LINK,
                List.of("15550100001", "15550100009"), null, NOW, null);
    }
}
