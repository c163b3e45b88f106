package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A webhook event the gateway acknowledges (200) without storing, e.g. WAHA {@code session.status} or a Meta
 * {@code field} it does not handle. It is logged and counted, never silently dropped.
 *
 * @param provider  provider id
 * @param accountId account when known; may be null
 * @param event     provider event name (WAHA {@code event}, Meta {@code field}, ...)
 * @param reason    why it is not stored, e.g. {@code non-message-event}, {@code unknown-event}
 * @param raw       the provider's item as received (the whole body when the item is the body); may be null
 */
public record IgnoredEvent(String provider, String accountId, String event, String reason, JsonNode raw)
        implements WebhookItem {

    /** An event without its raw item (see the canonical constructor for the parameters). */
    public IgnoredEvent(String provider, String accountId, String event, String reason) {
        this(provider, accountId, event, reason, null);
    }

    @Override
    @JsonIgnore
    public String kind() {
        return "ignored";
    }

    @Override
    public IgnoredEvent withAccountId(String newAccountId) {
        return java.util.Objects.equals(accountId, newAccountId) ? this
                : new IgnoredEvent(provider, newAccountId, event, reason, raw);
    }
}
