package io.wagateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/** Null-tolerant reads of provider JSON shared by the normalizers. */
public final class Json {

    private static final DateTimeFormatter SQL_OFFSET = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendPattern("[XXX][XX][X]")
            .toFormatter();

    private Json() {
    }

    /**
     * @param node  object or null
     * @param field field name
     * @return the field as text, or null when missing, null or an empty string
     */
    public static String text(JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isMissingNode() || v.isContainerNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }

    /**
     * @param node  object or null
     * @param path  field names to walk
     * @return the value at the path as text, or null
     */
    public static String path(JsonNode node, String... path) {
        JsonNode current = node;
        for (int i = 0; i < path.length - 1 && current != null; i++) {
            current = current.get(path[i]);
        }
        return text(current, path[path.length - 1]);
    }

    /**
     * @param values candidates
     * @return the first that is neither null nor blank, or null
     */
    public static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /**
     * Reads a provider timestamp: unix seconds or milliseconds (number or numeric string, fractions allowed),
     * ISO-8601, or {@code yyyy-MM-dd HH:mm:ss+00} (Periskope).
     *
     * @param node the value, may be null
     * @return the instant, or null when absent or unreadable
     */
    public static Instant instant(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        String s = node.asText().trim();
        if (s.isEmpty()) {
            return null;
        }
        // only what looks like a number is tried as one: an ISO text would throw, and an exception per webhook costs
        if (looksNumeric(s)) {
            try {
                BigDecimal n = new BigDecimal(s);
                // values above 10^11 are milliseconds (year 5138 in seconds)
                BigDecimal millis = n.compareTo(BigDecimal.valueOf(100_000_000_000L)) > 0 ? n : n.movePointRight(3);
                return Instant.ofEpochMilli(millis.longValue());
            } catch (NumberFormatException ignored) {
                // not a number (e.g. 2026-11-21T10:00:00Z)
            }
        }
        if (s.indexOf('T') < 0 && s.indexOf(' ') > 0) {      // Periskope's form first: no exception to get there
            try {
                return OffsetDateTime.parse(s, SQL_OFFSET).toInstant();
            } catch (DateTimeParseException ignored) {
                // another form
            }
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException ignored) {
            // not ISO-8601 with offset
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException ignored) {
            // not an ISO instant
        }
        try {
            return OffsetDateTime.parse(s, SQL_OFFSET).toInstant();
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static boolean looksNumeric(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Classifies a WhatsApp JID-like chat id.
     *
     * @param chatId e.g. {@code 123@c.us}, {@code 123@g.us}, {@code 123@newsletter}, {@code status@broadcast}
     * @return {@code group}, {@code channel}, {@code broadcast} or {@code direct}
     */
    public static String chatType(String chatId) {
        if (chatId == null) {
            return "direct";
        }
        if (chatId.endsWith("@g.us")) {
            return "group";
        }
        if (chatId.endsWith("@newsletter")) {
            return "channel";
        }
        if (chatId.endsWith("@broadcast")) {
            return "broadcast";
        }
        return "direct";
    }

    /**
     * Maps a MIME type to the canonical media type.
     *
     * @param mime e.g. {@code image/jpeg}; may be null
     * @return image, video, audio, sticker (image/webp) or document
     */
    public static String mediaType(String mime) {
        if (mime == null) {
            return "document";
        }
        if (mime.equals("image/webp")) {
            return "sticker";
        }
        if (mime.startsWith("image/")) {
            return "image";
        }
        if (mime.startsWith("video/")) {
            return "video";
        }
        if (mime.startsWith("audio/")) {
            return "audio";
        }
        return "document";
    }
}
