package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A change to a message that is (or will be) stored: a delivery status/ack, an edit, a delete/revoke or a reaction.
 * It is never stored as a new conversation message; it is kept in the {@code whatsapp-message-updates} index
 * (create-if-absent on {@link #documentId()}) so no update is lost, whatever order it arrives in.
 *
 * @param provider        provider id
 * @param accountId       account the target message belongs to
 * @param targetMessageId provider message id of the message this update applies to
 * @param chatId          chat of the target message when the provider says it; may be null
 * @param update          {@code status}, {@code edit}, {@code delete}, {@code reaction} or {@code content} (the
 *                        contents of a message first stored without them, e.g. a Meta history media placeholder)
 * @param status          for {@code status}: pending, sent, delivered, read, played, failed; else null
 * @param text            new text (edit), emoji (reaction; empty = removed); else null
 * @param actorId         who performed it (reactor, recipient) when known; may be null
 * @param eventId         provider id of the update itself when it has one (reaction message id, edit id); may be null
 * @param errors          provider error objects for {@code failed}; may be null
 * @param timestamp       when the provider says it happened
 * @param receivedAt      when the gateway received it
 * @param raw             the provider's original item
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LifecycleUpdate(
        String provider,
        String accountId,
        String targetMessageId,
        String chatId,
        String update,
        String status,
        String text,
        String actorId,
        String eventId,
        JsonNode errors,
        Instant timestamp,
        Instant receivedAt,
        JsonNode raw) implements WebhookItem {

    /**
     * The Elasticsearch {@code _id} of the update:
     * {@code {provider}:{account_id}:{target}:{update}:{status|event id|timestamp}}; a redelivery maps to the same id.
     *
     * @return the document id
     */
    @JsonIgnore
    public String documentId() {
        if (!hasTarget()) {
            // no target to key on: keyed on the update's content, so different updates stay apart and a
            // redelivery is still recorded once (never "...:null:status:read", shared by every such update)
            return provider + ":" + accountId + ":" + UNTARGETED + ":" + update + ":" + ContentHash.of(raw);
        }
        String discriminator = status != null ? status
                : eventId != null ? eventId
                : timestamp != null ? Long.toString(timestamp.toEpochMilli()) : "0";
        return provider + ":" + accountId + ":" + targetMessageId + ":" + update + ":" + discriminator;
    }

    /** Stands where the target id would be in the {@link #documentId()} of an update without one. */
    public static final String UNTARGETED = "(no-target)";

    /**
     * @return true when the update names the message it applies to; one without a target is kept (audit trail) but
     *         cannot be applied to any message
     */
    @JsonIgnore
    public boolean hasTarget() {
        return targetMessageId != null && !targetMessageId.isBlank();
    }

    /**
     * The document id of the message this update targets (see {@link CanonicalMessage#documentId()}).
     *
     * @return the target document id, or null when the update has no target ({@link #hasTarget()})
     */
    @JsonIgnore
    public String targetDocumentId() {
        return hasTarget() ? provider + ":" + accountId + ":" + targetMessageId : null;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return "lifecycle";
    }

    @Override
    public LifecycleUpdate withAccountId(String newAccountId) {
        return java.util.Objects.equals(accountId, newAccountId) ? this
                : new LifecycleUpdate(provider, newAccountId, targetMessageId, chatId, update, status, text, actorId,
                        eventId, errors, timestamp, receivedAt, raw);
    }
}
