package io.wagateway.reply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.provider.Json;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * Builds the request bodies of the four providers' "send a text message" APIs and reads their answers. Pure and
 * thread-safe (no I/O, no configuration): the reply routes call it by name as a bean, set the URL and auth headers
 * themselves and hand the HTTP answer back to {@link #messageId(String, int, String)}.
 * <ul>
 *   <li>Meta Cloud API {@code POST /{version}/{phone_number_id}/messages}, JSON (providers.md §1.8);</li>
 *   <li>WAHA {@code POST /api/sendText}, JSON (§2.9);</li>
 *   <li>Periskope {@code POST /v1/message/send}, JSON, answered with a queue ticket (§3.7);</li>
 *   <li>Unipile {@code POST /api/v1/chats/{chat_id}/messages}, {@code multipart/form-data} (§4.6).</li>
 * </ul>
 * JSON is always written with Jackson, so texts with quotes, newlines and emoji are escaped correctly.
 */
public class ProviderSendApi {

    /** Meta {@code error.code}s meaning "throttled, retry later" (providers.md §1.8 table). */
    static final Set<Integer> META_RATE_LIMIT_CODES = Set.of(4, 80007, 130429, 131056);

    /** Longest response excerpt carried by the exceptions. */
    static final int MAX_DETAIL = 300;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * WAHA {@code POST /api/sendText} body (providers.md §2.9).
     *
     * @param session WAHA session name, e.g. {@code default}
     * @param chatId  chat id, e.g. {@code 15550100001@c.us} or {@code …@g.us}
     * @param text    message text
     * @param replyTo id of the message to quote (e.g. {@code false_…}), or null
     * @return JSON {@code {"session","chatId","text"}} plus {@code "reply_to"} when {@code replyTo} is not null
     * @throws NullPointerException when session, chatId or text is null
     */
    public String wahaSendText(String session, String chatId, String text, String replyTo) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("session", Objects.requireNonNull(session, "session"));
        body.put("chatId", Objects.requireNonNull(chatId, "chatId"));
        body.put("text", Objects.requireNonNull(text, "text"));
        if (replyTo != null) {
            body.put("reply_to", replyTo);
        }
        return write(body);
    }

    /**
     * Meta Cloud API {@code POST /{version}/{phone_number_id}/messages} text body (providers.md §1.8).
     *
     * <p>A chat keyed on a business-scoped user id (BSUID, {@link #isBsuid(String)}) is addressed with
     * {@code "recipient":"<BSUID>"} and no {@code to}: Meta's business-scoped-user-ids page (Messages API section) adds
     * {@code recipient}, which takes a BSUID or a parent BSUID, while {@code to} stays the phone number (and wins when
     * both are sent); the Calling API reference documents the same pair ("{@code to} Required (unless
     * {@code recipient} is provided)"). A user who shows only a username has no phone to send to.
     *
     * @param to      the chat id: the recipient's phone number, BSUID, or the group id when {@code group} is true
     * @param group   true to send to a group ({@code "recipient_type":"group"})
     * @param text    message text
     * @param replyTo wamid of the message to reply to, or null
     * @return JSON {@code {"messaging_product":"whatsapp","recipient_type":"individual"|"group","to"|"recipient",
     *         "type":"text","text":{"preview_url":false,"body"}}} plus {@code "context":{"message_id":replyTo}} when
     *         {@code replyTo} is not null
     * @throws NullPointerException when to or text is null
     */
    public String metaSendText(String to, boolean group, String text, String replyTo) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("messaging_product", "whatsapp");
        body.put("recipient_type", group ? "group" : "individual");
        body.put(!group && isBsuid(Objects.requireNonNull(to, "to")) ? "recipient" : "to", to);
        body.put("type", "text");
        ObjectNode textNode = body.putObject("text");
        textNode.put("preview_url", false);
        textNode.put("body", Objects.requireNonNull(text, "text"));
        if (replyTo != null) {
            body.putObject("context").put("message_id", replyTo);
        }
        return write(body);
    }

    /**
     * A Meta business-scoped user id: an ISO 3166 alpha-2 country code, a period, then letters and digits (e.g.
     * {@code US.13491208655302741918}; a parent BSUID: {@code US.ENT.11815799212886844830}), per Meta's
     * business-scoped-user-ids page. Phone numbers are digits (with an optional {@code +}); group ids have no period.
     *
     * @param id a chat id, or null
     * @return true when {@code id} has the shape of a BSUID
     */
    public static boolean isBsuid(String id) {
        return id != null && BSUID.matcher(id).matches();
    }

    private static final java.util.regex.Pattern BSUID =
            java.util.regex.Pattern.compile("[A-Z]{2}\\.(ENT\\.)?[A-Za-z0-9]{1,128}");

    /**
     * Periskope {@code POST /v1/message/send} body (providers.md §3.7).
     *
     * @param chatId  chat id, e.g. {@code 15550100001@c.us} or {@code …@g.us}
     * @param text    message text
     * @param replyTo message id to quote, or null
     * @return JSON {@code {"chat_id","message"}} plus {@code "reply_to"} when {@code replyTo} is not null
     * @throws NullPointerException when chatId or text is null
     */
    public String periskopeSendText(String chatId, String text, String replyTo) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("chat_id", Objects.requireNonNull(chatId, "chatId"));
        body.put("message", Objects.requireNonNull(text, "text"));
        if (replyTo != null) {
            body.put("reply_to", replyTo);
        }
        return write(body);
    }

    /**
     * Unipile {@code POST /api/v1/chats/{chat_id}/messages} entity (providers.md §4.6). The entity carries its own
     * {@code Content-Type: multipart/form-data; boundary=…}; send that header with it.
     *
     * @param text    message text (part {@code text}, {@code text/plain; charset=UTF-8})
     * @param quoteId Unipile id of the message to quote (part {@code quote_id}), or null
     * @return the multipart/form-data entity
     * @throws NullPointerException when text is null
     */
    public HttpEntity unipileSendText(String text, String quoteId) {
        ContentType plainUtf8 = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);
        MultipartEntityBuilder builder = MultipartEntityBuilder.create()
                .setCharset(StandardCharsets.UTF_8)
                .addTextBody("text", Objects.requireNonNull(text, "text"), plainUtf8);
        if (quoteId != null) {
            builder.addTextBody("quote_id", quoteId, plainUtf8);
        }
        return builder.build();
    }

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

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
