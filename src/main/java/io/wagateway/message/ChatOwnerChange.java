package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * Who owns a conversation now, as a provider reported it (Meta {@code messaging_handovers}, providers.md 1.x) or as
 * the gateway inferred it (a Meta {@code standby} copy: another responder holds the thread). Applied to the chat's
 * {@code whatsapp-chats} document ({@code owner}), only when it is not older than what that document holds.
 *
 * @param provider      provider id ({@code meta})
 * @param accountId     our number (Meta {@code recipient.phone_number_id} / {@code metadata.phone_number_id})
 * @param chatId        the conversation (the user's id as the gateway keys the chat)
 * @param owner         the owner now: {@code app} (this gateway), {@code human}, {@code meta_agent} or
 *                      {@code other_app}
 * @param previousOwner the owner before, in the same words, when the provider says it; may be null
 * @param event         what said so: {@code control_passed}, {@code control_taken} or {@code standby}
 * @param newOwnerRole  the provider's role of the new owner (Meta {@code new_owner_role}); may be null
 * @param timestamp     when the provider says ownership changed (orders out-of-order deliveries); may be null
 * @param receivedAt    when the gateway received it
 * @param inferred      true when the gateway deduced the owner ({@code standby}): it then replaces only an unknown
 *                      owner or {@code app}, never an owner a handover named
 * @param raw           the provider's item as received (null for an inferred change)
 */
public record ChatOwnerChange(
        String provider,
        String accountId,
        String chatId,
        String owner,
        String previousOwner,
        String event,
        String newOwnerRole,
        Instant timestamp,
        Instant receivedAt,
        boolean inferred,
        JsonNode raw) implements WebhookItem {

    /** This gateway (auto-reply and flows) owns the conversation. */
    public static final String APP = "app";

    /**
     * The {@code _id} of the chat's settings document: {@code {provider}:{account_id}:{chat_id}} (the key
     * {@code AutoReplyPolicy} reads).
     *
     * @return the settings document id
     */
    @JsonIgnore
    public String settingsId() {
        return provider + ":" + accountId + ":" + chatId;
    }

    /** @return the effective time of the change: the provider's timestamp, else the receipt time */
    @JsonIgnore
    public Instant at() {
        return timestamp != null ? timestamp : receivedAt;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return "owner";
    }

    @Override
    public ChatOwnerChange withAccountId(String newAccountId) {
        return java.util.Objects.equals(accountId, newAccountId) ? this
                : new ChatOwnerChange(provider, newAccountId, chatId, owner, previousOwner, event, newOwnerRole,
                        timestamp, receivedAt, inferred, raw);
    }
}
