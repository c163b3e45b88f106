package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Instant;
import java.util.List;

/**
 * Meta {@code field: messaging_handovers} (providers.md 1.x; Meta's pages {@code webhooks/reference/messaging-handovers}
 * and {@code conversation-routing/thread-control}): under Conversation Routing one responder owns a thread at a time,
 * and this webhook tells our app that it gained ({@code control_passed}) or lost ({@code control_taken}) one. The
 * value carries {@code sender.phone_number} (the user; optional), {@code recipient.phone_number_id} (our number),
 * {@code type}, {@code timestamp} and an object named after the type with {@code previous_owner_app_role},
 * {@code previous_owner_role}, {@code new_owner_role}, {@code metadata}, {@code conversation_context}.
 *
 * <p>Each becomes a {@link ChatOwnerChange}. The owner, in the gateway's words:
 * <ul>
 *   <li>{@code control_passed}: {@code app} (this gateway owns it; auto-reply answers again); the previous owner
 *       from {@code previous_owner_app_role} / {@code previous_owner_role} as below;</li>
 *   <li>{@code control_taken}: from {@code new_owner_role}; the previous owner is {@code app}.</li>
 * </ul>
 * Roles: {@code meta_business_agent} (app role) and {@code ai_agent} are {@code meta_agent}; {@code escalation} (the
 * designated escalation partner, a human agents' desk) is {@code human}; any other role ({@code customer_service},
 * {@code marketing}, {@code utility}, {@code ctwa}, or none) is {@code other_app}. A handover without a user or of
 * another type is kept as an {@link IgnoredEvent} ({@code messaging_handovers}).
 */
final class MetaHandovers {

    static final String FIELD = "messaging_handovers";

    private MetaHandovers() {
    }

    /**
     * @param value      the change's {@code value}
     * @param receivedAt receipt time
     * @param items      where the item goes
     */
    static void normalize(JsonNode value, Instant receivedAt, List<WebhookItem> items) {
        String accountId = Json.first(Json.path(value, "recipient", "phone_number_id"),
                Json.path(value, "metadata", "phone_number_id"));
        String type = Json.text(value, "type");
        String chat = Json.first(Json.path(value, "sender", "user_id"), Json.path(value, "sender", "phone_number"));
        boolean passed = "control_passed".equals(type);
        if (!passed && !"control_taken".equals(type)) {
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + (type == null ? "" : "." + type),
                    "unknown-handover-type", change(value)));
            return;
        }
        if (chat == null) {
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + "." + type, "no-sender", change(value)));
            return;
        }
        JsonNode h = value.path(type);
        String newRole = Json.text(h, "new_owner_role");
        String owner = passed ? ChatOwnerChange.APP : owner(null, newRole);
        String previous = passed ? owner(Json.text(h, "previous_owner_app_role"), Json.text(h, "previous_owner_role"))
                : ChatOwnerChange.APP;
        items.add(new ChatOwnerChange(MetaNormalizer.PROVIDER, accountId, chat, owner, previous, type, newRole,
                Json.instant(value.get("timestamp")), receivedAt, false, value));
    }

    /** Meta's app role / thread role in the gateway's owner words (see the class comment). */
    static String owner(String appRole, String role) {
        if ("meta_business_agent".equals(appRole) || "ai_agent".equals(role)) {
            return MetaStandby.META_AGENT;
        }
        if ("escalation".equals(role)) {
            return "human";
        }
        return "other_app";
    }

    /** The raw item of a handover kept as an event: its change {@code {field, value}}, replayable. */
    private static JsonNode change(JsonNode value) {
        com.fasterxml.jackson.databind.node.ObjectNode change =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        change.put("field", FIELD);
        change.set("value", value);
        return change;
    }
}
