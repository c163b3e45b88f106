package io.wagateway.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of the flat send request (issue 19, contract C1): the same shape for every provider. A rule broken is
 * a {@link SendRefusedException} 400 {@code {"error":..,"field":..}} naming the field ({@code buttons[1].title} for
 * an item).
 */
public final class SendRequestRules {

    /** Every kind of contract C1, in its order. */
    public static final List<String> TYPES = List.of("text", "image", "video", "audio", "document", "sticker",
            "buttons", "list", "template", "reaction", "location");
    private static final List<String> MEDIA = List.of("image", "video", "audio", "document", "sticker");

    private SendRequestRules() {
    }

    /**
     * @param request the parsed request body
     * @return the request (unchanged) when it keeps every rule
     * @throws SendRefusedException 400 naming the first field that breaks a rule
     */
    public static ObjectNode check(JsonNode request) {
        if (request == null || !request.isObject()) {
            throw badRequest("body", "the body must be a JSON object");
        }
        ObjectNode r = (ObjectNode) request;
        required(r, "provider");     // which providers exist is the registry's to say (SendApi: <provider>SendKinds)
        required(r, "account_id");
        required(r, "chat_id");
        String type = required(r, "type");
        if (!TYPES.contains(type)) {
            throw badRequest("type", "type must be one of " + String.join(", ", TYPES));
        }
        optionalString(r, "reply_to");
        switch (type) {
            case "text" -> {
                required(r, "text");
                if (r.has("preview_url") && !r.get("preview_url").isBoolean()) {
                    throw badRequest("preview_url", "preview_url must be true or false");
                }
            }
            case "buttons" -> buttons(r);
            case "list" -> list(r);
            case "template" -> {
                required(r, "name");
                required(r, "language");
                if (r.has("components") && !r.get("components").isArray()) {
                    throw badRequest("components", "components must be an array (Meta's template components)");
                }
            }
            case "reaction" -> {
                required(r, "message_id");
                JsonNode emoji = r.get("emoji");
                if (emoji == null || !emoji.isTextual()) {
                    throw badRequest("emoji", "emoji is required (\"\" removes the reaction)");
                }
            }
            case "location" -> {
                coordinate(r, "latitude", 90);
                coordinate(r, "longitude", 180);
                optionalString(r, "name");
                optionalString(r, "address");
            }
            default -> media(r, type);
        }
        return r;
    }

    /** The ways to give media, exactly one per request: a URL, the provider's media id, or a stored item's hash. */
    private static final List<String> MEDIA_SOURCES = List.of("url", "media_id", "media_sha256");

    /**
     * @param type a request's {@code type}
     * @return true for the media kinds (image, video, audio, document, sticker)
     */
    public static boolean isMedia(String type) {
        return MEDIA.contains(type);
    }

    private static void media(ObjectNode r, String type) {
        List<String> given = MEDIA_SOURCES.stream().filter(f -> present(r, f)).toList();
        if (given.size() != 1) {
            // none: the first way is named; several: the second one given
            throw badRequest(given.isEmpty() ? "url" : given.get(1),
                    "exactly one of url, media_id or media_sha256 is required");
        }
        String source = given.get(0);
        required(r, source);
        if ("url".equals(source) && !r.get("url").asText().matches("(?i)https?://\\S+")) {
            throw badRequest("url", "url must be an http or https URL");
        }
        if ("media_sha256".equals(source) && !io.wagateway.media.MediaStore.isSha256(r.get("media_sha256").asText())) {
            throw badRequest("media_sha256",
                    "media_sha256 must be the 64 lowercase hex digits of a stored item's sha256");
        }
        if (present(r, "caption") && ("audio".equals(type) || "sticker".equals(type))) {
            throw badRequest("caption", "a " + type + " has no caption");
        }
        if (present(r, "filename") && !"document".equals(type)) {
            throw badRequest("filename", "filename is for a document only");
        }
        optionalString(r, "caption");
        optionalString(r, "filename");
        optionalString(r, "mime_type");
    }

    private static void buttons(ObjectNode r) {
        required(r, "text");
        optionalString(r, "header");
        optionalString(r, "footer");
        JsonNode buttons = r.get("buttons");
        if (buttons == null || !buttons.isArray() || buttons.isEmpty() || buttons.size() > 3) {
            throw badRequest("buttons", "buttons must be an array of 1 to 3 {id,title}");
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < buttons.size(); i++) {
            String field = "buttons[" + i + "]";
            JsonNode b = buttons.get(i);
            if (!b.isObject()) {
                throw badRequest(field, "a button is an object {id,title}");
            }
            String id = required((ObjectNode) b, "id", field + ".id", 256);
            required((ObjectNode) b, "title", field + ".title", 20);
            if (!ids.add(id)) {
                throw badRequest(field + ".id", "button ids must be unique");
            }
        }
    }

    private static void list(ObjectNode r) {
        required(r, "text");
        required(r, "button", "button", 20);
        optionalString(r, "header");
        optionalString(r, "footer");
        JsonNode sections = r.get("sections");
        if (sections == null || !sections.isArray() || sections.isEmpty() || sections.size() > 10) {
            throw badRequest("sections", "sections must be an array of 1 to 10 {title,rows}");
        }
        int rows = 0;
        Set<String> ids = new HashSet<>();
        for (int s = 0; s < sections.size(); s++) {
            String field = "sections[" + s + "]";
            JsonNode section = sections.get(s);
            if (!section.isObject()) {
                throw badRequest(field, "a section is an object {title,rows}");
            }
            optionalString((ObjectNode) section, "title", field + ".title");
            JsonNode list = section.get("rows");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw badRequest(field + ".rows", "a section needs at least one row {id,title}");
            }
            for (int i = 0; i < list.size(); i++) {
                String rowField = field + ".rows[" + i + "]";
                JsonNode row = list.get(i);
                if (!row.isObject()) {
                    throw badRequest(rowField, "a row is an object {id,title,description?}");
                }
                String id = required((ObjectNode) row, "id", rowField + ".id", 200);
                required((ObjectNode) row, "title", rowField + ".title", 24);
                optionalString((ObjectNode) row, "description", rowField + ".description");
                if (!ids.add(id)) {
                    throw badRequest(rowField + ".id", "row ids must be unique");
                }
                if (++rows > 10) {
                    throw badRequest("sections", "a list has at most 10 rows in total");
                }
            }
        }
    }

    private static void coordinate(ObjectNode r, String field, int max) {
        JsonNode v = r.get(field);
        if (v == null || !v.isNumber() || Math.abs(v.asDouble()) > max) {
            throw badRequest(field, field + " must be a number from -" + max + " to " + max);
        }
    }

    private static boolean present(ObjectNode r, String field) {
        return r.hasNonNull(field);
    }

    private static String required(ObjectNode r, String field) {
        return required(r, field, field, Integer.MAX_VALUE);
    }

    private static String required(ObjectNode r, String field, String name, int maxChars) {
        JsonNode v = r.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw badRequest(name, name + " is required (a non-empty string)");
        }
        if (v.asText().codePointCount(0, v.asText().length()) > maxChars) {
            throw badRequest(name, name + " has more than " + maxChars + " characters");
        }
        return v.asText();
    }

    private static void optionalString(ObjectNode r, String field) {
        optionalString(r, field, field);
    }

    private static void optionalString(ObjectNode r, String field, String name) {
        JsonNode v = r.get(field);
        if (v != null && !v.isNull() && !v.isTextual()) {
            throw badRequest(name, name + " must be a string");
        }
    }

    private static ObjectNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }

    private static SendRefusedException badRequest(String field, String message) {
        return new SendRefusedException(400, error(message).put("field", field));
    }
}
