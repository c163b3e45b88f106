package io.wagateway.api;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * Bearer tokens read from the request's {@code Authorization} header only, never from the query string or a form
 * body.
 *
 * <p>platform-http copies query parameters (and the fields of a form-encoded body) into the message headers, under
 * Spring Boot and under Camel JBang, so {@code ?Authorization=Bearer%20...} would otherwise look like the header.
 * {@link #header(Exchange, String)} therefore asks the HTTP request itself: both runtimes' platform-http messages
 * expose it ({@code getRequest()}: a servlet request under Spring Boot, a Vert.x request under JBang), and both have
 * {@code getHeader(String)}. Only when a message does not expose its request does it fall back to the headers, minus
 * the values the raw query string ({@code CamelHttpQuery}) supplied; when it cannot tell them apart it keeps nothing
 * (the request is refused, never let in).
 */
public final class BearerAuth {

    private BearerAuth() {
    }

    /**
     * @param exchange a platform-http request
     * @param name     a header name, e.g. {@code Authorization}
     * @return the value sent in that request header, or null when absent (or, without access to the request, sent
     *         twice or not told apart from a query parameter of the same name)
     */
    public static String header(Exchange exchange, String name) {
        Object message = exchange.getIn();
        try {
            Method getRequest = message.getClass().getMethod("getRequest");
            Object request = getRequest.invoke(message);
            if (request != null) {
                // the declared type's public interface method: the implementation class may not be public
                Method getHeader = getRequest.getReturnType().getMethod("getHeader", String.class);
                Object value = getHeader.invoke(request, name);
                return value == null ? null : value.toString();
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not a platform-http message with its request: fall back to the headers
        }
        return fromHeaders(exchange, name);
    }

    /**
     * @param exchange a request whose query parameters were copied into its headers
     * @param name     a header name
     * @return the header's value minus the values the query string supplied, when exactly one remains; else null
     */
    static String fromHeaders(Exchange exchange, String name) {
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
