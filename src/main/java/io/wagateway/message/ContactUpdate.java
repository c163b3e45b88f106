package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A change to who a chat's other party is, never stored as a message: ids that name the same person (a phone number
 * and a Meta business-scoped user id, an old and a new id), or a contact's name from the business's address book.
 * The {@code contact-update} route ({@code routes/identity.camel.yaml}) writes it to the {@code whatsapp-names} index
 * and acknowledges the webhook once it is durable.
 *
 * <p>Sources (providers.md 1.x): Meta system messages {@code user_changed_number} and {@code user_changed_user_id}
 * (webhooks reference, messages/system), the {@code user_id_update} field and the {@code smb_app_state_sync} field's
 * {@code state_sync[]} contacts (business-scoped-user-ids page).
 *
 * @param provider  provider id
 * @param accountId our account (Meta phone_number_id)
 * @param event     what the provider sent: {@code user_changed_number}, {@code user_changed_user_id},
 *                  {@code user_id_update}, {@code smb_app_state_sync}
 * @param action    {@link #LINK} (the ids are one person), {@link #NAME} (the ids are one person, named {@code name}) or
 *                  {@link #FORGET} (the contact was removed: forget its name)
 * @param ids       the person's ids (phone numbers, BSUIDs), old and new, without duplicates; never null
 * @param name      the contact's name for {@link #NAME}; else null
 * @param timestamp when the provider says it happened; may be null
 * @param raw       the provider's item as received
 */
public record ContactUpdate(String provider, String accountId, String event, String action, List<String> ids,
        String name, Instant timestamp, JsonNode raw) implements WebhookItem {

    /** The ids name one person: linked in the names index. */
    public static final String LINK = "link";
    /** Linked, and the contact's name is {@code name}. */
    public static final String NAME = "name";
    /** The contact was removed from the business's address book: its name is forgotten (links stay). */
    public static final String FORGET = "forget";

    /** Normalises a null {@code ids} to an empty list. */
    public ContactUpdate {
        ids = ids == null ? List.of() : List.copyOf(ids);
    }

    @Override
    @JsonIgnore
    public String kind() {
        return "contact";
    }

    @Override
    public ContactUpdate withAccountId(String newAccountId) {
        return java.util.Objects.equals(accountId, newAccountId) ? this
                : new ContactUpdate(provider, newAccountId, event, action, ids, name, timestamp, raw);
    }
}
