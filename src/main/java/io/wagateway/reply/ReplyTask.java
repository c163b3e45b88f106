package io.wagateway.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One claimed outbox entry, with the Elasticsearch version it was read at ({@code _seq_no}, {@code _primary_term}):
 * every state change is written only if nobody changed the entry since (optimistic concurrency).
 *
 * @param id          outbox {@code _id} = the inbound message's document id
 * @param seqNo       {@code _seq_no} the entry was read or last written at
 * @param primaryTerm {@code _primary_term} likewise
 * @param doc         the entry's fields (snake_case, see {@code elasticsearch/replies-mapping.json})
 */
public record ReplyTask(String id, long seqNo, long primaryTerm, ObjectNode doc) {

    /** @return provider of the inbound message */
    public String provider() {
        return doc.path("provider").asText();
    }

    /** @return our account (Meta phone_number_id, WAHA session, ...) */
    public String accountId() {
        return doc.path("account_id").asText();
    }

    /** @return the chat to answer in */
    public String chatId() {
        return doc.path("chat_id").asText();
    }

    /** @return {@code direct}, {@code group}, ... */
    public String chatType() {
        return doc.path("chat_type").asText("direct");
    }

    /** @return true for group chats */
    public boolean group() {
        return "group".equals(chatType());
    }

    /** @return provider message id of the inbound message (the reply quotes it) */
    public String inboundMessageId() {
        return doc.path("inbound_message_id").asText();
    }

    /** @return the inbound message's text, or null */
    public String inboundText() {
        return doc.hasNonNull("inbound_text") ? doc.get("inbound_text").asText() : null;
    }

    /** @return the fixed answer of a keyword rule, or null when the LLM answers */
    public String fixedText() {
        return doc.hasNonNull("fixed_text") ? doc.get("fixed_text").asText() : null;
    }

    /** @return the text being sent (set when the entry moves to {@code sending}), or null */
    public String replyText() {
        return doc.hasNonNull("reply_text") ? doc.get("reply_text").asText() : null;
    }

    /**
     * The flat send request (contract C1) this entry sends, which every {@code send-message-<provider>} route builds
     * its provider's body from: the entry's {@code request} for a send-API entry ({@code kind: send}); for an AI
     * reply, a {@code text} request of {@link #replyText()} quoting the inbound message ({@code reply_to}).
     *
     * @return the request (the entry's own object for a send-API entry; a new object for a reply)
     */
    public ObjectNode request() {
        if (doc.get("request") instanceof ObjectNode request) {
            return request;
        }
        ObjectNode request = doc.objectNode();
        request.put("provider", provider());
        request.put("account_id", accountId());
        request.put("chat_id", chatId());
        request.put("type", "text");
        request.put("text", replyText());
        JsonNode inbound = doc.path("inbound_message_id");
        if (inbound.isTextual() && !inbound.asText().isEmpty()) {
            request.put("reply_to", inbound.asText());
        }
        return request;
    }

    /** @return {@code send} for a send API entry (issue 19), {@code reply} for an AI reply */
    public String kind() {
        return doc.path("kind").asText("reply");
    }

    /** @return true for a send API entry */
    public boolean send() {
        return "send".equals(kind());
    }

    /** @return a send API entry's text or caption, or null */
    public String requestText() {
        ObjectNode r = request();
        if (r == null) {
            return null;
        }
        return r.hasNonNull("text") ? r.get("text").asText() : r.hasNonNull("caption") ? r.get("caption").asText() : null;
    }
}
