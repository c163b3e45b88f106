package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.util.List;

/**
 * Meta {@code field: calls} (providers.md 1.x; Meta's pages {@code calling/reference}, {@code calling/user-initiated-
 * calls}): call events, not messages. Every {@code value.calls[]} item ({@code event}: {@code connect},
 * {@code terminate}, ...) and every call {@code value.statuses[]} item ({@code RINGING}, {@code ACCEPTED}, ...) is
 * kept as an {@link IgnoredEvent} named {@code calls.<event>} ({@code calls.status} for a status), reason
 * {@code call-event}, with the item as raw (plus the change's {@code errors}, which Meta sends beside the calls of a
 * failed call, when the item has none of its own).
 */
final class MetaCalls {

    static final String FIELD = "calls";

    private MetaCalls() {
    }

    /**
     * @param value     the change's {@code value}
     * @param accountId our phone_number_id
     * @param items     where the events go
     */
    static void normalize(JsonNode value, String accountId, List<WebhookItem> items) {
        JsonNode errors = value.get("errors");
        for (JsonNode call : value.path("calls")) {
            JsonNode raw = call;
            if (errors != null && call.isObject() && !call.has("errors")) {
                raw = ((ObjectNode) call).deepCopy().set("errors", errors);
            }
            String event = Json.first(Json.text(call, "event"), "unknown");
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + "." + event, "call-event", raw));
        }
        for (JsonNode status : value.path("statuses")) {
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + ".status", "call-event", status));
        }
    }
}
