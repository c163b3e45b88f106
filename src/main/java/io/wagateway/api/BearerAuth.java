package io.wagateway.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * Bearer tokens read from the request's {@code Authorization} header only, never from the query string.
 *
 * <p>platform-http copies query parameters into the message headers (under Spring Boot and under Camel JBang), so
 * {@code ?Authorization=Bearer%20...} would otherwise look like the header. {@link #header(Exchange, String)} takes
 * the header's values, removes the ones the query string supplied ({@code CamelHttpQuery}, the raw query string both
 * runtimes set) and keeps the value only when exactly one, sent as a header, remains; when it cannot tell, it keeps
 * nothing (the request is refused, never let in).
 */
public final class BearerAuth {

    private BearerAuth() {
    }

    /**
     * @param exchange a platform-http request
     * @param name     a header name, e.g. {@code Authorization}
     * @return the value sent in that request header, or null when absent, sent twice, or not told apart from a query
     *         parameter of the same name
     */
    public static String header(Exchange exchange, String name) {
        Object v = exchange.getMessage().getHeader(name);
        List<String> values = new ArrayList<>();
        if (v instanceof Iterable<?> many) {
            many.forEach(o -> values.add(String.valueOf(o)));
        } else if (v != null) {
            values.add(v.toString());
        }
        List<String> fromQuery;
        try {
            fromQuery = QueryParams.of(exchange).all(name);
        } catch (BadRequestException e) {
            return null;
        }
        for (String q : fromQuery) {
            if (!values.remove(q)) {
                return null;
            }
        }
        return values.size() == 1 ? values.get(0) : null;
    }

    /**
     * @param authorization an {@code Authorization} header value, may be null
     * @param token         the expected token (not blank)
     * @return true when it is {@code Bearer <token>} (scheme case-insensitive), compared in constant time
     */
    public static boolean matches(String authorization, String token) {
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }
}
