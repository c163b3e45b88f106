package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.MessageDetails;
import io.wagateway.provider.Json;

/**
 * Who sent a Meta message, from the message and the {@code contacts[]} of its webhook (business-scoped-user-ids page,
 * providers.md 1.5 and 1.x): the phone ({@code from} / {@code wa_id}, absent for a user who shows only a username),
 * the business-scoped user id (BSUID: {@code from_user_id}, else {@code contacts[].user_id} of the contact with that
 * phone), the parent BSUID (only when parent BSUIDs are enabled for the business) and the username.
 *
 * <p>The key of a user is the BSUID whenever the webhook carries one, else the phone (payloads before 2026): Meta sends
 * a BSUID for every user from 2026 and it stays when the user hides or shows the phone, so a chat keyed on it never
 * splits (docs/data-rules.md "Meta chat key").
 *
 * @param phone        the user's phone number, or null
 * @param userId       the BSUID, or null
 * @param parentUserId the parent BSUID, or null
 * @param username     {@code contacts[].profile.username}, or null
 * @param name         {@code contacts[].profile.name}, or null
 */
record MetaIdentity(String phone, String userId, String parentUserId, String username, String name) {

    /**
     * The sender of an inbound message.
     *
     * @param message  a {@code messages[]} item
     * @param contacts the webhook value's {@code contacts[]} (may be missing)
     * @return the sender's identity (all fields null when the message names nobody)
     */
    static MetaIdentity sender(JsonNode message, JsonNode contacts) {
        return of(message, contacts, "from", true);
    }

    /**
     * The other party of an own message ({@code smb_message_echoes}: {@code to}, {@code to_user_id}).
     *
     * @param echo     a {@code message_echoes[]} item
     * @param contacts the webhook value's {@code contacts[]} (may be missing)
     * @return the recipient's identity
     */
    static MetaIdentity recipient(JsonNode echo, JsonNode contacts) {
        return of(echo, contacts, "to", false);
    }

    /**
     * The identity named by {@code <side>}, {@code <side>_user_id} and {@code <side>_parent_user_id} of an item,
     * completed from the contact with that phone or BSUID.
     *
     * @param item     a message or echo
     * @param contacts the webhook value's {@code contacts[]} (may be missing)
     * @param side     {@code from} or {@code to}
     * @param withName true to take the contact's profile name
     * @return the identity (all fields null when the item names nobody)
     */
    private static MetaIdentity of(JsonNode item, JsonNode contacts, String side, boolean withName) {
        String phone = Json.text(item, side);
        String userId = Json.text(item, side + "_user_id");
        JsonNode contact = contact(contacts, phone, userId);
        return new MetaIdentity(
                Json.first(phone, Json.text(contact, "wa_id")),
                Json.first(userId, Json.text(contact, "user_id")),
                Json.first(Json.text(item, side + "_parent_user_id"), Json.text(contact, "parent_user_id")),
                Json.path(contact, "profile", "username"),
                withName ? Json.path(contact, "profile", "name") : null);
    }

    /** @return the key of this user: the BSUID when known, else the phone; null when neither */
    String key() {
        return Json.first(userId, phone);
    }

    /** @return true when both a phone and a BSUID are known (they are then linked in the names index) */
    boolean linkable() {
        return phone != null && userId != null && !phone.equals(userId);
    }

    /**
     * @param details the message's details
     * @return the details with {@code sender_user_id}, {@code sender_parent_user_id}, {@code sender_username} and
     *         {@code sender_phone} (the phone only when the key is the BSUID) set
     */
    MessageDetails addTo(MessageDetails details) {
        if (userId == null && parentUserId == null && username == null) {
            return details;
        }
        return details.withIdentity(userId, parentUserId, username, userId != null ? phone : null);
    }

    /** The contact with this phone or BSUID; the only contact when it names neither (a username-only user). */
    private static JsonNode contact(JsonNode contacts, String phone, String userId) {
        if (contacts == null || !contacts.isArray()) {
            return null;
        }
        for (JsonNode c : contacts) {
            String waId = Json.text(c, "wa_id");
            String cUserId = Json.text(c, "user_id");
            if ((phone != null && phone.equals(waId)) || (userId != null && userId.equals(cUserId))) {
                return c;
            }
        }
        return contacts.size() == 1 && phone == null && userId == null ? contacts.get(0) : null;
    }
}
