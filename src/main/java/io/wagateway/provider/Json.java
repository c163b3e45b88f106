package io.wagateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
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
     * ISO-8601, or {@code yyyy-MM-dd HH:mm:ss+00} (Periskope). Cheap whatever the input: a text longer than
     * {@link #MAX_TIMESTAMP_CHARS} characters is not parsed at all (no date form is that long), numbers are parsed as a
     * {@code long} or {@code double} (never {@code BigDecimal}, whose exponent forms such as {@code 1e999999999}
     * expand to huge integers), and a value outside years 0000-9999 counts as unreadable.
     *
     * @param node the value, may be null
     * @return the instant, or null when absent, unreadable or out of range
     */
    public static Instant instant(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
            return null;
        }
        if (node.isNumber()) {
            if (node.isIntegralNumber()) {
                return node.canConvertToLong() ? epoch(node.longValue()) : null;
            }
            return epoch(node.doubleValue());
        }
        String s = node.asText();
        if (s.length() > MAX_TIMESTAMP_CHARS) {
            return null;
        }
        s = s.trim();
        if (s.isEmpty()) {
            return null;
        }
        // only what looks like a number is tried as one: an ISO text would throw, and an exception per webhook costs
        if (looksNumeric(s)) {
            try {
                if (s.indexOf('e') >= 0 || s.indexOf('E') >= 0) {
                    return epoch(Double.parseDouble(s));       // short (length checked above): cheap
                }
                int dot = s.indexOf('.');
                if (dot < 0) {
                    return epoch(Long.parseLong(s));
                }
                return epochWithFraction(s.startsWith("-"), Long.parseLong(s.substring(0, dot)), s.substring(dot + 1));
            } catch (NumberFormatException ignored) {
                return null;
            }
        }
        if (s.indexOf('T') < 0 && s.indexOf(' ') > 0) {      // Periskope's form first: no exception to get there
            try {
                return inRange(OffsetDateTime.parse(s, SQL_OFFSET).toInstant());
            } catch (DateTimeParseException ignored) {
                // another form
            }
        }
        try {
            return inRange(OffsetDateTime.parse(s).toInstant());
        } catch (DateTimeParseException ignored) {
            // not ISO-8601 with offset
        }
        try {
            return inRange(Instant.parse(s));
        } catch (DateTimeParseException ignored) {
            // not an ISO instant
        }
        try {
            return inRange(OffsetDateTime.parse(s, SQL_OFFSET).toInstant());
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    /** Longest timestamp text parsed: ISO-8601 with nanoseconds and an offset has 35 characters. */
    public static final int MAX_TIMESTAMP_CHARS = 40;
    /** Longest numeric text parsed as a number (sizes, acks): a {@code long} has at most 19 digits and a sign. */
    public static final int MAX_NUMBER_CHARS = 20;
    /** Values above 10^11 are milliseconds (10^11 seconds is the year 5138). */
    private static final long MILLIS_ABOVE = 100_000_000_000L;
    private static final Instant MIN = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

    private static Instant epoch(long value) {
        if (Math.abs(value) > MILLIS_ABOVE) {
            return inRange(Instant.ofEpochMilli(value));
        }
        return inRange(Instant.ofEpochSecond(value));
    }

    /** Seconds (or milliseconds, above 10^11) with a decimal fraction, exactly: sub-millisecond digits are cut. */
    private static Instant epochWithFraction(boolean negative, long whole, String fraction) {
        for (int i = 0; i < fraction.length(); i++) {
            if (fraction.charAt(i) < '0' || fraction.charAt(i) > '9') {
                throw new NumberFormatException("not a decimal fraction");
            }
        }
        if (Math.abs(whole) > MILLIS_ABOVE) {
            return inRange(Instant.ofEpochMilli(whole));
        }
        String millis = (fraction + "000").substring(0, 3);
        long fractionMillis = Long.parseLong(millis);
        return inRange(Instant.ofEpochMilli(whole * 1000 + (negative ? -fractionMillis : fractionMillis)));
    }

    private static Instant epoch(double value) {
        if (!Double.isFinite(value) || Math.abs(value) > 1e15) {       // beyond year 33658 even in milliseconds
            return null;
        }
        double millis = Math.abs(value) > MILLIS_ABOVE ? value : value * 1000;
        return inRange(Instant.ofEpochMilli((long) millis));
    }

    private static Instant inRange(Instant t) {
        return t.isBefore(MIN) || t.isAfter(MAX) ? null : t;
    }

    /**
     * Reads a whole number given as a JSON number or a numeric string ({@code 2}, {@code "2"}, {@code " 2048 "}),
     * checking the text's length before parsing it.
     *
     * @param node the value, may be null
     * @return the number, or null when absent, not a whole number, longer than {@link #MAX_NUMBER_CHARS} characters
     *         or beyond a {@code long}
     */
    public static Long wholeNumber(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
            return null;
        }
        if (node.isNumber()) {
            return node.isIntegralNumber() && node.canConvertToLong() ? node.longValue() : null;
        }
        String s = node.asText();
        if (s.length() > MAX_NUMBER_CHARS + 8) {        // a few spaces around are tolerated, a long text is not read
            return null;
        }
        s = s.trim();
        if (s.isEmpty() || s.length() > MAX_NUMBER_CHARS) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (i == 0 && (c == '-' || c == '+')))) {
                return null;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;                                  // a sign alone, or beyond a long
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
