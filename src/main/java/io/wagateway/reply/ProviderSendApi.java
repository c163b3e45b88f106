package io.wagateway.reply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.provider.Json;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the answers of the providers' "send a text message" APIs. Pure and thread-safe (no I/O, no configuration).
 * Each provider's {@code send-reply-<provider>} route (in the provider's file) builds the request itself - JSON with
 * jq, Unipile's multipart form with {@code UnipileMessageForm} - sends it and hands the HTTP answer to
 * {@link #messageId(String, int, String)} (the four providers with a normaliser) or
 * {@link #messageIdAt(String, int, String, String)} (a provider declared in YAML only).
 */
public class ProviderSendApi {

    /** Meta {@code error.code}s meaning "throttled, retry later" (providers.md §1.8 table). */
    static final Set<Integer> META_RATE_LIMIT_CODES = Set.of(4, 80007, 130429, 131056);

    /** Longest response excerpt carried by the exceptions. */
    static final int MAX_DETAIL = 300;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The outcome of a send to a provider declared in YAML only (no provider-specific Java): HTTP 429 → rate limited
     * (retried with back-off by {@code reply-send-errors}), any other non-2xx → rejected, else the sent message's id
     * read at a JSON pointer the route gives (e.g. {@code /key/id}).
     *
     * @param provider    provider id (errors and metrics)
     * @param status      HTTP status of the send
     * @param body        response body, may be null
     * @param idPointer   JSON pointer (RFC 6901) of the message id in the answer
     * @return the provider's message id, or null when the answer has none
     * @throws RateLimitedException  on HTTP 429
     * @throws SendRejectedException on any other status outside 2xx
     */
    public String messageIdAt(String provider, int status, String body, String idPointer) {
        if (status == 429) {
            throw new RateLimitedException(provider, status, truncate(body));
        }
        if (status < 200 || status > 299) {
            throw new SendRejectedException(provider, status, truncate(body));
        }
        JsonNode json = parse(body);
        if (json == null) {
            return null;
        }
        JsonNode id = json.at(idPointer);
        return id.isValueNode() && !id.asText().isEmpty() ? id.asText() : null;
    }

    /**
     * Reads a send API answer.
     *
     * @param provider {@code meta} | {@code waha} | {@code periskope} | {@code unipile}
     * @param status   HTTP status code
     * @param body     response body (may be null or empty)
     * @return the provider's id of the sent message (Meta {@code messages[0].id} (§1.8); WAHA {@code id}, which may
     *         be a string or an object with {@code _serialized}, or {@code key.id} (§2.9); Periskope
     *         {@code unique_id}, or {@code message.message_id} from send-sync (§3.7); Unipile {@code message_id}
     *         (§4.6)) — null when a 2xx answer carries none or is not JSON
     * @throws RateLimitedException     for HTTP 429, and for Meta {@code error.code} 4, 80007, 130429, 131056
     *                                  whatever the HTTP status — "not accepted, retry later"
     * @throws SendRejectedException    for every other non-2xx answer (carries status and a short, truncated body)
     * @throws IllegalArgumentException for an unknown provider
     */
    public String messageId(String provider, int status, String body) {
        String p = provider == null ? "" : provider.trim().toLowerCase(Locale.ROOT);
        if (!Set.of("meta", "waha", "periskope", "unipile").contains(p)) {
            throw new IllegalArgumentException("unknown provider: " + provider);
        }
        JsonNode json = parse(body);
        if ("meta".equals(p)) {
            JsonNode error = json == null ? null : json.get("error");
            if (error != null && error.isObject()) {
                JsonNode code = error.get("code");
                if (code != null && (code.isNumber() || code.isTextual())) {
                    int c = code.asInt(-1);
                    if (META_RATE_LIMIT_CODES.contains(c)) {
                        String details = Json.first(Json.path(error, "error_data", "details"), Json.text(error, "message"));
                        throw new RateLimitedException(p, status,
                                truncate("error.code " + c + (details == null ? "" : ": " + details)));
                    }
                }
            }
        }
        if (status == 429) {
            throw new RateLimitedException(p, status, truncate(body));
        }
        if (status < 200 || status > 299) {
            throw new SendRejectedException(p, status, truncate(body));
        }
        if (json == null) {
            return null;
        }
        return switch (p) {
            case "meta" -> {
                JsonNode messages = json.get("messages");
                yield messages != null && messages.isArray() && !messages.isEmpty() ? Json.text(messages.get(0), "id") : null;
            }
            case "waha" -> wahaId(json);
            case "periskope" -> Json.first(Json.text(json, "unique_id"), Json.path(json, "message", "message_id"));
            default -> Json.text(json, "message_id");
        };
    }

    private static String wahaId(JsonNode json) {
        JsonNode id = json.get("id");
        if (id != null && id.isValueNode()) {
            String s = Json.text(json, "id");
            if (s != null) {
                return s;
            }
        }
        if (id != null && id.isObject()) {
            String serialized = Json.text(id, "_serialized");
            if (serialized != null) {
                return serialized;
            }
        }
        return Json.path(json, "key", "id");
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String truncate(String body) {
        if (body == null) {
            return "";
        }
        String s = body.strip().replaceAll("\\s+", " ");
        if (s.length() <= MAX_DETAIL) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(MAX_DETAIL - 1)) ? MAX_DETAIL - 1 : MAX_DETAIL;
        return s.substring(0, end) + "…";
    }
}
