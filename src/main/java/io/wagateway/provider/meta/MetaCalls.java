package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import java.util.List;

/**
 * Meta {@code field: calls} (providers.md 1.x; Meta's pages {@code calling/reference}, {@code calling/user-initiated-
 * calls}): call events, not messages. Every {@code value.calls[]} item ({@code event}: {@code connect},
 * {@code terminate}, ...) and every call {@code value.statuses[]} item ({@code RINGING}, {@code ACCEPTED}, ...) is
 * kept as an {@link IgnoredEvent} named {@code calls.<event>} ({@code calls.status} for a status), reason
 * {@code call-event}, whose raw item is a change holding that one call or status with the rest of the value
 * ({@code metadata}, {@code contacts}, the {@code errors} Meta sends beside the calls of a failed call), so it can be
 * replayed ({@link MetaNormalizer#changeOf}).
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
        for (JsonNode call : value.path("calls")) {
            String event = Json.first(Json.text(call, "event"), "unknown");
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + "." + event, "call-event",
                    MetaNormalizer.changeOf(FIELD, value, "calls", call, "statuses")));
        }
        for (JsonNode status : value.path("statuses")) {
            items.add(new IgnoredEvent(MetaNormalizer.PROVIDER, accountId, FIELD + ".status", "call-event",
                    MetaNormalizer.changeOf(FIELD, value, "statuses", status, "calls")));
        }
    }
}
