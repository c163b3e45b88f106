package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A webhook event the gateway acknowledges (200) without storing, e.g. WAHA {@code session.status} or a Meta
 * {@code field} it does not handle. It is logged and counted, never silently dropped.
 *
 * @param provider  provider id
 * @param accountId account when known; may be null
 * @param event     provider event name (WAHA {@code event}, Meta {@code field}, ...)
 * @param reason    why it is not stored, e.g. {@code non-message-event}, {@code unknown-event}
 */
public record IgnoredEvent(String provider, String accountId, String event, String reason) implements WebhookItem {

    @Override
    @JsonIgnore
    public String kind() {
        return "ignored";
    }
}
