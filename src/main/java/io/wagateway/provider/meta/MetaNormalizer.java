package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.message.MessageDetails;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one Meta WhatsApp Cloud API webhook (providers.md §1.4–1.7) into webhook items: every
 * {@code entry[].changes[]} is visited; {@code field=messages} yields a {@link CanonicalMessage} per
 * {@code messages[]} item and a {@link LifecycleUpdate} per {@code statuses[]} item; reactions, {@code revoke} and
 * {@code edit} messages become lifecycle updates of their target; {@code field=smb_message_echoes} yields own
 * messages ({@code from_me=true}, {@code webhook_field: smb_message_echoes}); {@code standby}, {@code history},
 * {@code messaging_handovers} and {@code calls} are read by {@link MetaStandby}, {@link MetaHistory},
 * {@link MetaHandovers} and {@link MetaCalls}; any other field yields an {@link IgnoredEvent}.
 *
 * <p>Users are keyed on their business-scoped user id (BSUID) when the webhook carries one, else on their phone
 * ({@link MetaIdentity}); the identity fields are stored as {@code sender_*} details. The identity system messages
 * ({@code user_changed_number}, {@code user_changed_user_id}), {@code field=user_id_update} and
 * {@code field=smb_app_state_sync} yield {@link io.wagateway.message.ContactUpdate}s ({@link MetaContactEvents}).
 * Interactive answers and template button taps are stored as the {@code interactive} and {@code button} details.
 *
 * <p>Lenient envelope (issue 16 item 5): a body without {@code object} is read like
 * {@code whatsapp_business_account}, a change without {@code field} whose value has {@code messages} or
 * {@code statuses} is {@code field=messages}, and a value without {@code metadata.phone_number_id} belongs to the
 * configured number ({@link #setDefaultPhoneNumberId(String)}), else to the account {@code unknown}.
 *
 * <p>The wamid ({@code messages[].id}) is a message's only id in Meta's reference (§1.5): a message without one is
 * keyed on the content hash of its {@code messages[]} item ({@code id_source: content_hash}); an item that is not an
 * object is kept as {@code unsupported} the same way. A status without {@code id} is kept but applied to no message.
 */
public class MetaNormalizer {

    static final String PROVIDER = "meta";
    private static final Set<String> MEDIA_TYPES = Set.of("image", "video", "audio", "document", "sticker");
    /** Message types of the Cloud API reference (providers.md 1.5); any other is stored as {@code unsupported}. */
    private static final Set<String> KNOWN_TYPES = Set.of("text", "image", "video", "audio", "document", "sticker",
            "location", "contacts", "interactive", "button", "order", "system", "unsupported", "reaction", "revoke",
            "edit");

    /** The account of a webhook without {@code metadata.phone_number_id} when no number is configured. */
    static final String UNKNOWN_ACCOUNT = "unknown";

    private final Clock clock;
    private String defaultPhoneNumberId;

    /** Creates a normalizer using the system clock for {@code received_at}. */
    public MetaNormalizer() {
        this(Clock.systemUTC());
    }

    /** @param clock clock for {@code received_at} */
    public MetaNormalizer(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param payload the parsed webhook body
     * @return at least one item; order follows the payload
     */
    public List<WebhookItem> normalize(JsonNode payload) {
        Instant receivedAt = clock.instant();
        List<WebhookItem> items = new ArrayList<>();
        String object = Json.text(payload, "object");
        // lenient envelope: a body without object is Meta's when it has entries (Meta's test message)
        if (object == null ? !payload.path("entry").isArray() : !"whatsapp_business_account".equals(object)) {
            items.add(new IgnoredEvent(PROVIDER, null, object == null ? "(no object)" : object, "unknown-object",
                    payload));
            return items;
        }
        for (JsonNode entry : payload.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                normalizeChange(change, receivedAt, items);
            }
        }
        if (items.isEmpty()) {
            items.add(new IgnoredEvent(PROVIDER, null, "entry", "empty-batch", payload));
        }
        return items;
    }

    private void normalizeChange(JsonNode change, Instant receivedAt, List<WebhookItem> items) {
        JsonNode value = change.path("value");
        String field = Json.text(change, "field");
        if (field == null && (value.has("messages") || value.has("statuses"))) {
            field = "messages";     // lenient envelope: Meta's test message carries no field
        }
        String accountId = Json.first(Json.path(value, "metadata", "phone_number_id"), defaultPhoneNumberId,
                UNKNOWN_ACCOUNT);
        int before = items.size();
        if ("messages".equals(field)) {
            Map<String, String> names = contactNames(value);
            for (JsonNode m : value.path("messages")) {
                if ("system".equals(Json.text(m, "type")) && MetaContactEvents.isIdentityChange(m)) {
                    items.add(MetaContactEvents.systemChange(m, accountId));
                } else {
                    items.add(message(m, accountId, names, value.path("contacts"), false, receivedAt));
                }
            }
            for (JsonNode s : value.path("statuses")) {
                items.add(status(s, accountId, receivedAt));
            }
        } else if ("smb_message_echoes".equals(field)) {
            for (JsonNode m : value.path("message_echoes")) {
                items.add(MetaOrigin.flag(message(m, accountId, Map.of(), value.path("contacts"), true, receivedAt),
                        null, null, field));
            }
        } else if ("standby".equals(field)) {
            MetaStandby.normalize(this, value, accountId, receivedAt, items);
        } else if ("history".equals(field)) {
            MetaHistory.normalize(this, value, accountId, receivedAt, items);
        } else if ("messaging_handovers".equals(field)) {
            MetaHandovers.normalize(value, receivedAt, items);
        } else if ("calls".equals(field)) {
            MetaCalls.normalize(value, accountId, items);
        } else if ("user_id_update".equals(field)) {
            MetaContactEvents.userIdUpdates(value, accountId, items);
        } else if ("smb_app_state_sync".equals(field)) {
            MetaContactEvents.stateSync(value, accountId, items);
        } else {
            items.add(new IgnoredEvent(PROVIDER, accountId, field == null ? "(no field)" : field, "unhandled-field",
                    change));
            return;
        }
        if (items.size() == before) {
            String what = value.has("errors") ? "errors" : "no-messages-or-statuses";
            items.add(new IgnoredEvent(PROVIDER, accountId, field, what, change));
        }
    }

    /**
     * One message item of another field family (standby, history): what {@code field=messages} makes of it.
     *
     * @param m         the message object
     * @param accountId our phone_number_id
     * @param contacts  the node holding the {@code contacts[]} that name its sender (a change value, {@code standby})
     * @param echo      true for a message the business sent (chat = {@code to})
     * @param receivedAt receipt time
     * @return a {@link CanonicalMessage}, or a {@link LifecycleUpdate} for reactions, edits and revokes
     */
    WebhookItem messageItem(JsonNode m, String accountId, JsonNode contacts, boolean echo, Instant receivedAt) {
        return message(m, accountId, echo || contacts == null ? Map.of() : contactNames(contacts),
                contacts == null ? null : contacts.path("contacts"), echo, receivedAt);
    }

    /**
     * One status item of another field family (standby): applied like a {@code field=messages} status.
     *
     * @param s the status object
     * @param accountId our phone_number_id
     * @param receivedAt receipt time
     * @return the status update
     */
    LifecycleUpdate statusItem(JsonNode s, String accountId, Instant receivedAt) {
        return status(s, accountId, receivedAt);
    }

    /**
     * The raw item of an event kept from a change that holds several (one call of {@code calls}, one chunk of
     * {@code history}): a change of the same {@code field} whose {@code value} keeps everything but the event arrays,
     * with {@code array} holding only {@code item}. Stored in the events index, it is replayable through
     * {@code direct:meta-payload} (an envelope around a change) and yields exactly that one event again; its content
     * hash differs per item, so two events of one change stay two documents.
     *
     * @param field  the change's {@code field}
     * @param value  the change's {@code value}
     * @param array  the name of the array {@code item} came from
     * @param item   the event item
     * @param others the other event arrays of the value to leave out
     * @return a new change object {@code {field, value}}
     */
    static JsonNode changeOf(String field, JsonNode value, String array, JsonNode item, String... others) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = value.isObject()
                ? ((com.fasterxml.jackson.databind.node.ObjectNode) value).deepCopy()
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (String other : others) {
            copy.remove(other);
        }
        copy.putArray(array).add(item);
        com.fasterxml.jackson.databind.node.ObjectNode change =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        change.put("field", field);
        change.set("value", copy);
        return change;
    }

    private static Map<String, String> contactNames(JsonNode value) {
        Map<String, String> names = new HashMap<>();
        for (JsonNode c : value.path("contacts")) {
            String name = Json.path(c, "profile", "name");
            if (name == null) {
                continue;
            }
            for (String key : new String[] {Json.text(c, "wa_id"), Json.text(c, "user_id")}) {
                if (key != null) {
                    names.put(key, name);
                }
            }
        }
        return names;
    }

    private WebhookItem message(JsonNode m, String accountId, Map<String, String> names, JsonNode contacts,
            boolean echo, Instant receivedAt) {
        String type = Json.first(Json.text(m, "type"), "unsupported");
        if (!KNOWN_TYPES.contains(type)) {
            type = "unsupported";
        }
        String id = Json.text(m, "id");
        Instant timestamp = Json.instant(m.get("timestamp"));
        MetaIdentity sender = echo ? null : MetaIdentity.sender(m, contacts);
        String from = echo ? Json.first(Json.text(m, "from"), Json.text(m, "from_user_id")) : sender.key();
        String groupId = Json.text(m, "group_id");
        String chatId;
        if (groupId != null) {
            chatId = groupId;
        } else if (echo) {
            chatId = MetaIdentity.recipient(m, contacts).key();
        } else {
            chatId = from;
        }

        switch (type) {
            case "reaction" -> {
                JsonNode reaction = m.path("reaction");
                String emoji = Json.text(reaction, "emoji");
                return new LifecycleUpdate(PROVIDER, accountId, Json.text(reaction, "message_id"), chatId, "reaction",
                        null, emoji == null ? "" : emoji, from, id, null, timestamp, receivedAt, m);
            }
            case "revoke" -> {
                return new LifecycleUpdate(PROVIDER, accountId, Json.path(m, "revoke", "original_message_id"), chatId,
                        "delete", null, null, from, id, null, timestamp, receivedAt, m);
            }
            case "edit" -> {
                JsonNode edited = m.path("edit").path("message");
                String editedType = Json.text(edited, "type");
                String newText = editedType == null ? null : contentText(editedType, edited);
                return new LifecycleUpdate(PROVIDER, accountId, Json.path(m, "edit", "original_message_id"), chatId,
                        "edit", null, newText, from, id, null, timestamp, receivedAt, m);
            }
            default -> {
                // fall through to a stored message
            }
        }

        String senderName = echo ? null : Json.first(names.getOrDefault(Json.text(m, "from"),
                names.get(Json.text(m, "from_user_id"))), sender.name());
        Media media = null;
        if (MEDIA_TYPES.contains(type)) {
            JsonNode md = m.path(type);
            media = new Media(Json.text(md, "mime_type"), Json.text(md, "url"), Json.text(md, "id"),
                    Json.text(md, "caption"), Json.text(md, "filename"), null, Json.text(md, "sha256"), null);
        }
        String replyTo = Json.path(m, "context", "id");
        MessageDetails details = MessageDetails.NONE;
        if (sender != null) {
            details = sender.addTo(details);
        }
        if ("interactive".equals(type) || "button".equals(type)) {
            details = MetaAnswers.addTo(details, m);
        }
        return new CanonicalMessage(PROVIDER, accountId, id, chatId, groupId != null ? "group" : "direct",
                null, from, senderName, echo, type, contentText(type, m), media, replyTo, timestamp, receivedAt,
                echo ? "sent" : "received", m, null, details).identified(m);
    }

    /** Readable text for a message of the given type, or null. */
    private static String contentText(String type, JsonNode m) {
        JsonNode body = m.path(type);
        return switch (type) {
            case "text" -> Json.text(body, "body");
            case "image", "video", "document", "audio", "sticker" -> Json.text(body, "caption");
            case "location" -> Json.first(join(", ", Json.text(body, "name"), Json.text(body, "address")),
                    body.has("latitude") ? body.path("latitude").asText() + "," + body.path("longitude").asText() : null);
            case "contacts" -> {
                List<String> n = new ArrayList<>();
                for (JsonNode c : m.path("contacts")) {
                    String formatted = Json.path(c, "name", "formatted_name");
                    if (formatted != null) {
                        n.add(formatted);
                    }
                }
                yield n.isEmpty() ? null : String.join(", ", n);
            }
            case "interactive" -> Json.first(Json.path(body, "button_reply", "title"),
                    Json.path(body, "list_reply", "title"), Json.path(body, "nfm_reply", "body"));
            case "button" -> Json.first(Json.text(body, "text"), Json.text(body, "payload"));
            case "order" -> Json.text(body, "text");
            case "system" -> Json.text(body, "body");
            default -> null;
        };
    }

    private static String join(String sep, String... parts) {
        List<String> present = new ArrayList<>();
        for (String p : parts) {
            if (p != null) {
                present.add(p);
            }
        }
        return present.isEmpty() ? null : String.join(sep, present);
    }

    private LifecycleUpdate status(JsonNode s, String accountId, Instant receivedAt) {
        JsonNode errors = s.get("errors");
        // the chat key of the recipient: the BSUID when the status names one, else the phone (MetaIdentity); a group
        // status names the group in recipient_id and the member in recipient_participant_(user_)id
        // (business-scoped-user-ids page, status webhooks for groups)
        boolean group = "group".equals(Json.text(s, "recipient_type"));
        String chat = group ? Json.text(s, "recipient_id")
                : Json.first(Json.text(s, "recipient_user_id"), Json.text(s, "recipient_id"));
        String actor = Json.first(Json.text(s, "recipient_participant_user_id"),
                Json.text(s, "recipient_participant_id"));
        return new LifecycleUpdate(PROVIDER, accountId, Json.text(s, "id"), chat, "status",
                Json.first(Json.text(s, "status"), "unknown"), null,
                Json.first(actor, chat), null,
                errors != null && !errors.isNull() ? errors : null,
                Json.instant(s.get("timestamp")), receivedAt, s);
    }

    /**
     * @param defaultPhoneNumberId the account of a webhook without {@code metadata.phone_number_id} (the one
     *                             configured Meta number, {@code gateway.meta.phone-number-id}); blank = {@code unknown}
     */
    public void setDefaultPhoneNumberId(String defaultPhoneNumberId) {
        this.defaultPhoneNumberId = defaultPhoneNumberId == null || defaultPhoneNumberId.isBlank()
                ? null : defaultPhoneNumberId.strip();
    }
}
