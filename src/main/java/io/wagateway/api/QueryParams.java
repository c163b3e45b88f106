package io.wagateway.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;

/**
 * The query parameters of one {@code /api} or {@code /admin} request, read from the request's own query string
 * ({@code CamelHttpQuery}, set by platform-http under Spring Boot and under Camel JBang alike), never from the headers
 * that platform-http merges query parameters into. Every accessor validates and throws
 * {@link BadRequestException} (HTTP 400, naming the parameter) for a value it cannot use: the rules are in docs/api.md.
 * Unknown parameters are ignored; a parameter given twice is refused.
 */
public final class QueryParams {

    /**
     * What a {@code provider} parameter may be: a provider id as route files name them ({@code meta}, {@code waha},
     * a sixth provider added by its own route file...), lower-case letters, digits, {@code -} and {@code _}, at most
     * 40 characters. No list of providers is kept in Java: a provider is one route file.
     */
    public static final java.util.regex.Pattern PROVIDER_ID = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]{0,39}");
    /** Longest value of a term filter (an id, a provider, a reason...), in characters. */
    public static final int MAX_TERM_CHARS = 512;
    /** Longest free-text value ({@code q}, {@code error}), in characters. */
    public static final int MAX_TEXT_CHARS = 1000;

    private final Map<String, List<String>> values;

    private QueryParams(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * @param exchange a platform-http request
     * @return its query parameters (names exact, values URL-decoded)
     * @throws BadRequestException when the query string is not valid URL encoding
     */
    public static QueryParams of(Exchange exchange) {
        return parse(exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class));
    }

    /**
     * @param rawQuery the raw query string (without {@code ?}), may be null
     * @return its parameters (names exact, values URL-decoded; {@code +} is a space)
     * @throws BadRequestException when a name or value is not valid URL encoding
     */
    public static QueryParams parse(String rawQuery) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query string");
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), name);
                values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        }
        return new QueryParams(values);
    }

    private static String decode(String s, String parameter) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(parameter, "not valid URL encoding");
        }
    }

    /**
     * @param name a parameter name, case-insensitive (header names are)
     * @return every value given for it, in order (empty when absent)
     */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> {
            if (k.equalsIgnoreCase(name)) {
                out.addAll(v);
            }
        });
        return out;
    }

    /**
     * @param name      a parameter
     * @param maxChars  longest accepted value
     * @return its trimmed value, or null when absent or blank
     * @throws BadRequestException when given twice, or longer than {@code maxChars}
     */
    public String text(String name, int maxChars) {
        List<String> v = values.get(name);
        if (v == null) {
            return null;
        }
        if (v.size() > 1) {
            throw new BadRequestException(name, "given " + v.size() + " times (at most once)");
        }
        String s = v.get(0).trim();
        if (s.length() > maxChars) {
            throw new BadRequestException(name, "longer than " + maxChars + " characters");
        }
        return s.isEmpty() ? null : s;
    }

    /**
     * @param name a term filter parameter (at most {@link #MAX_TERM_CHARS} characters)
     * @return its value, or null when absent or blank
     * @throws BadRequestException when given twice or too long
     */
    public String term(String name) {
        return text(name, MAX_TERM_CHARS);
    }

    /**
     * @param name    a parameter
     * @param allowed its accepted values (exact)
     * @return its value, or null when absent or blank
     * @throws BadRequestException when not one of {@code allowed}
     */
    public String providerId(String name) {
        String v = term(name);
        if (v != null && !PROVIDER_ID.matcher(v).matches()) {
            throw new BadRequestException(name, "must be a provider id (lower-case letters, digits, - or _; at most 40)");
        }
        return v;
    }

    /**
     * @param name    a parameter name
     * @param allowed the accepted values
     * @return its value, or null when absent
     * @throws BadRequestException when it is not one of {@code allowed}, given twice or too long
     */
    public String oneOf(String name, Set<String> allowed) {
        String v = term(name);
        if (v != null && !allowed.contains(v)) {
            throw new BadRequestException(name, "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
        }
        return v;
    }

    /**
     * @param name a required parameter
     * @return its value
     * @throws BadRequestException when absent, blank, given twice or too long
     */
    public String requiredTerm(String name) {
        String v = term(name);
        if (v == null) {
            throw new BadRequestException(name, "is required");
        }
        return v;
    }

    /**
     * @param name a whole-number parameter
     * @param dflt its value when absent or blank
     * @param min  smallest accepted value
     * @param max  largest accepted value
     * @return its value
     * @throws BadRequestException when not a whole number or out of {@code [min, max]}
     */
    public int integer(String name, int dflt, int min, int max) {
        String v = text(name, 20);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadRequestException(name, "not a whole number");
        }
        if (n < min || n > max) {
            throw new BadRequestException(name, "must be between " + min + " and " + max);
        }
        return n;
    }

    /**
     * @param name a true/false parameter
     * @param dflt its value when absent or blank
     * @return its value
     * @throws BadRequestException when not {@code true} or {@code false}
     */
    public boolean bool(String name, boolean dflt) {
        String v = text(name, 5);
        if (v == null) {
            return dflt;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new BadRequestException(name, "must be true or false");
    }

    /**
     * An ISO-8601 time: {@code 2026-11-30T10:15:00Z}, with an offset ({@code +02:00}), without one (UTC), or a date
     * ({@code 2026-11-30}, its start in UTC).
     *
     * @param name a time parameter
     * @return the instant, or null when absent or blank
     * @throws BadRequestException when not such a time
     */
    public Instant instant(String name) {
        Instant t = parseInstant(name);
        if (t != null && (t.isBefore(EARLIEST) || !t.isBefore(LATEST))) {
            // Elasticsearch dates are epoch milliseconds: a year beyond 9999 parses here and fails there (500)
            throw new BadRequestException(name, "outside the years 0000-9999");
        }
        return t;
    }

    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");

    private Instant parseInstant(String name) {
        String v = text(name, 64);
        if (v == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // next form
        }
        try {
            return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name, "not an ISO-8601 time (e.g. 2026-11-30T10:15:00Z or 2026-11-30)");
        }
    }

    /**
     * @param fromName the lower bound's parameter
     * @param toName   the upper bound's parameter
     * @return {from, to} (either may be null)
     * @throws BadRequestException when either is not a time, or {@code from} is after {@code to}
     */
    public Instant[] range(String fromName, String toName) {
        Instant from = instant(fromName);
        Instant to = instant(toName);
        if (from != null && to != null && from.isAfter(to)) {
            throw new BadRequestException(fromName, "is after " + toName);
        }
        return new Instant[] {from, to};
    }
}
