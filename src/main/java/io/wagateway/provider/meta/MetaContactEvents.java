package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.ContactUpdate;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Meta's identity and address-book events as {@link ContactUpdate}s (never stored as messages):
 * <ul>
 *   <li>system messages {@code user_changed_number} ({@code from} the old phone, {@code system.wa_id} the new one) and
 *       {@code user_changed_user_id} ({@code system.user_id} new, {@code previous_user_id} old; the page's example also
 *       carries {@code from} and {@code system.wa_id}): webhooks reference messages/system, updated 2026-08-11;</li>
 *   <li>field {@code user_id_update}: {@code user_id_update[].{wa_id, user_id{previous,current}}}
 *       (business-scoped-user-ids page);</li>
 *   <li>field {@code smb_app_state_sync}: {@code state_sync[].{type:contact, action:add|update|remove,
 *       contact{full_name, first_name, phone_number, user_id, username}}} (business-scoped-user-ids page, the
 *       WhatsApp Business app's contacts of a coexistence number).</li>
 * </ul>
 * Parent BSUIDs are not chat keys (docs/data-rules.md), so they are not linked.
 */
final class MetaContactEvents {

    /** System message types that change who a user is. */
    static final Set<String> IDENTITY_SYSTEM_TYPES = Set.of("user_changed_number", "user_changed_user_id");

    private MetaContactEvents() {
    }

    /**
     * @param m a {@code messages[]} item of {@code type: system}
     * @return true when it is one of {@link #IDENTITY_SYSTEM_TYPES}
     */
    static boolean isIdentityChange(JsonNode m) {
        return IDENTITY_SYSTEM_TYPES.contains(Json.path(m, "system", "type"));
    }

    /**
     * @param m         a system message that {@link #isIdentityChange(JsonNode) changes an identity}
     * @param accountId our phone_number_id
     * @return the link of the user's old and new ids
     */
    static ContactUpdate systemChange(JsonNode m, String accountId) {
        JsonNode system = m.path("system");
        Set<String> ids = new LinkedHashSet<>();
        add(ids, Json.text(m, "from"), Json.text(m, "from_user_id"), Json.text(system, "previous_user_id"),
                Json.text(system, "wa_id"), Json.text(system, "user_id"));
        return new ContactUpdate(MetaNormalizer.PROVIDER, accountId, Json.text(system, "type"), ContactUpdate.LINK,
                new ArrayList<>(ids), null, Json.instant(m.get("timestamp")), m);
    }

    /**
     * @param value     the change's value of {@code field: user_id_update}
     * @param accountId our phone_number_id
     * @param items     where each {@code user_id_update[]} item's link is added
     */
    static void userIdUpdates(JsonNode value, String accountId, List<WebhookItem> items) {
        for (JsonNode u : value.path("user_id_update")) {
            Set<String> ids = new LinkedHashSet<>();
            add(ids, Json.text(u, "wa_id"), Json.path(u, "user_id", "previous"), Json.path(u, "user_id", "current"));
            items.add(new ContactUpdate(MetaNormalizer.PROVIDER, accountId, "user_id_update", ContactUpdate.LINK,
                    new ArrayList<>(ids), null, Json.instant(u.get("timestamp")), u));
        }
    }

    /**
     * @param value     the change's value of {@code field: smb_app_state_sync}
     * @param accountId our phone_number_id
     * @param items     where each {@code state_sync[]} item's update is added: add/update name the contact, remove
     *                  forgets it; an item that is not a contact, or names no id, is an ignored event
     */
    static void stateSync(JsonNode value, String accountId, List<WebhookItem> items) {
        for (JsonNode s : value.path("state_sync")) {
            String type = Json.text(s, "type");
            String action = Json.text(s, "action");
            JsonNode contact = s.path("contact");
            Set<String> ids = new LinkedHashSet<>();
            add(ids, Json.text(contact, "user_id"), Json.text(contact, "phone_number"));
            Instant at = Json.instant(s.path("metadata").get("timestamp"));
            String name = Json.first(Json.text(contact, "full_name"), Json.text(contact, "first_name"));
            if (!"contact".equals(type) || ids.isEmpty() || action == null) {
                items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, "smb_app_state_sync",
                        "unhandled-state-sync", s));
            } else if ("remove".equals(action)) {
                items.add(new ContactUpdate(MetaNormalizer.PROVIDER, accountId, "smb_app_state_sync",
                        ContactUpdate.FORGET, new ArrayList<>(ids), null, at, s));
            } else {
                items.add(new ContactUpdate(MetaNormalizer.PROVIDER, accountId, "smb_app_state_sync",
                        name == null ? ContactUpdate.LINK : ContactUpdate.NAME, new ArrayList<>(ids), name, at, s));
            }
        }
    }

    private static void add(Set<String> ids, String... candidates) {
        for (String c : candidates) {
            if (c != null && !c.isBlank()) {
                ids.add(c);
            }
        }
    }
}
