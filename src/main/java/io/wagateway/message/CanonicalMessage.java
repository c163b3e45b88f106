package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * The one message shape every provider is normalised to; it is also the document stored in the
 * {@code whatsapp-messages} index (field names in snake_case), so it is the product's public data interface
 * (documented in README "Stored document").
 *
 * @param provider    {@code meta}, {@code waha}, {@code periskope}, {@code unipile}
 * @param accountId   our side of the conversation: Meta phone_number_id, WAHA session, Periskope org_phone, Unipile account_id
 * @param messageId   the provider's message id (Meta wamid, WAHA payload.id, ...); unique within provider + account
 * @param chatId      the conversation: the other party for direct chats, the group/channel id otherwise
 * @param chatType    {@code direct}, {@code group}, {@code channel} or {@code broadcast}
 * @param chatName    display name of the chat (filled by enrichment); may be null
 * @param senderId    who wrote the message (our account for own messages)
 * @param senderName  display name of the sender; may be null
 * @param fromMe      true for messages sent by our account (stored too, flagged)
 * @param type        {@code text}, {@code image}, {@code audio}, {@code video}, {@code document}, {@code sticker},
 *                    {@code location}, {@code contacts}, {@code interactive}, {@code button}, {@code order},
 *                    {@code system}, {@code unsupported}, ...
 * @param text        text body, caption, or a readable rendering of the content (location name, button title)
 * @param media       media description or null
 * @param replyTo     message id this one quotes/answers, or null
 * @param timestamp   when the provider says the message was sent
 * @param receivedAt  when the gateway received the webhook
 * @param status      delivery status: {@code received} for inbound, else the provider's ack (pending, sent, delivered, read, played, failed)
 * @param raw         the provider's original item (stored, not indexed)
 * @param idSource    null when {@code messageId} is the provider's message id; otherwise where the id came from:
 *                    {@code content_hash} (no usable id: {@link ContentHash}) or the provider field it was derived
 *                    from (e.g. {@code provider_message_id}). Stored as {@code id_source} only when set.
 * @param details     what only some providers or events carry (identity, interactive answers, attachments, channel,
 *                    coexistence flags); its fields are stored at the top level of the document, each only when set
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CanonicalMessage(
        String provider,
        String accountId,
        String messageId,
        String chatId,
        String chatType,
        String chatName,
        String senderId,
        String senderName,
        boolean fromMe,
        String type,
        String text,
        Media media,
        String replyTo,
        Instant timestamp,
        Instant receivedAt,
        String status,
        JsonNode raw,
        @JsonInclude(JsonInclude.Include.NON_NULL) String idSource,
        @JsonUnwrapped MessageDetails details) implements WebhookItem {

    /** Normalises a null {@code details} to {@link MessageDetails#NONE}. */
    public CanonicalMessage {
        details = details == null ? MessageDetails.NONE : details;
    }

    /** A message without details (see the canonical constructor for the parameters). */
    public CanonicalMessage(String provider, String accountId, String messageId, String chatId, String chatType,
            String chatName, String senderId, String senderName, boolean fromMe, String type, String text, Media media,
            String replyTo, Instant timestamp, Instant receivedAt, String status, JsonNode raw, String idSource) {
        this(provider, accountId, messageId, chatId, chatType, chatName, senderId, senderName, fromMe, type, text,
                media, replyTo, timestamp, receivedAt, status, raw, idSource, MessageDetails.NONE);
    }

    /** A message keyed on the provider's own message id (no {@code id_source}). */
    public CanonicalMessage(String provider, String accountId, String messageId, String chatId, String chatType,
            String chatName, String senderId, String senderName, boolean fromMe, String type, String text, Media media,
            String replyTo, Instant timestamp, Instant receivedAt, String status, JsonNode raw) {
        this(provider, accountId, messageId, chatId, chatType, chatName, senderId, senderName, fromMe, type, text,
                media, replyTo, timestamp, receivedAt, status, raw, null, MessageDetails.NONE);
    }

    /**
     * This message when it has a usable id; otherwise a copy keyed on the content hash of {@code item}, flagged
     * {@code id_source: content_hash}. A message is never keyed on {@code null} (issue 15 item 10: every later id-less
     * message was answered "duplicate" and lost).
     *
     * @param item what to hash: the provider's message item as received
     * @return a message with a non-blank {@code messageId}
     */
    public CanonicalMessage identified(JsonNode item) {
        return messageId != null && !messageId.isBlank() ? this : withId(ContentHash.of(item), ContentHash.ID_SOURCE);
    }

    /**
     * Copy with another id and the source of that id.
     *
     * @param newMessageId the id
     * @param newIdSource  where it came from, or null for the provider's message id
     * @return a new message
     */
    public CanonicalMessage withId(String newMessageId, String newIdSource) {
        return new CanonicalMessage(provider, accountId, newMessageId, chatId, chatType, chatName, senderId,
                senderName, fromMe, type, text, media, replyTo, timestamp, receivedAt, status, raw, newIdSource, details);
    }

    /**
     * The Elasticsearch {@code _id}: {@code {provider}:{account_id}:{message_id}}. Written create-if-absent, so a
     * redelivered message never makes a second document.
     *
     * @return the document id
     */
    @JsonIgnore
    public String documentId() {
        return provider + ":" + accountId + ":" + messageId;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return "message";
    }

    /**
     * Hashes the identity only ({@code provider, accountId, messageId}): consistent with the record's equals, and
     * cheap. Camel keys its bean-introspection cache by instance, so the generated hash over every field (the whole
     * raw payload included) was computed several times per message by {@code ${body.x}} expressions.
     */
    @Override
    public int hashCode() {
        return java.util.Objects.hash(provider, accountId, messageId);
    }

    /**
     * Copy with names filled in (used by enrichment).
     *
     * @param newChatName   chat name or null to keep the current one
     * @param newSenderName sender name or null to keep the current one
     * @return a new message
     */
    public CanonicalMessage withNames(String newChatName, String newSenderName) {
        return new CanonicalMessage(provider, accountId, messageId, chatId, chatType,
                newChatName != null ? newChatName : chatName, senderId,
                newSenderName != null ? newSenderName : senderName, fromMe, type, text, media, replyTo,
                timestamp, receivedAt, status, raw, idSource, details);
    }

    /**
     * Copy with other details.
     *
     * @param newDetails the details (null = none)
     * @return a new message
     */
    public CanonicalMessage withDetails(MessageDetails newDetails) {
        return new CanonicalMessage(provider, accountId, messageId, chatId, chatType, chatName, senderId, senderName,
                fromMe, type, text, media, replyTo, timestamp, receivedAt, status, raw, idSource, newDetails);
    }

    @Override
    public CanonicalMessage withAccountId(String newAccountId) {
        return java.util.Objects.equals(accountId, newAccountId) ? this
                : new CanonicalMessage(provider, newAccountId, messageId, chatId, chatType, chatName, senderId,
                        senderName, fromMe, type, text, media, replyTo, timestamp, receivedAt, status, raw, idSource,
                        details);
    }
}
