package io.wagateway.runtime.springboot;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Servlet filter in front of the webhook endpoints with Camel's stock engine ({@code gateway.webhooks.async=false};
 * with the default asynchronous engine {@link WebhookServlet} reads the body itself, without blocking and within its
 * byte budgets and read deadline, and hands on the same {@link RawBodyRequest}). It reads the request body once, as
 * raw bytes, with blocking reads, before anything can parse it, and hands the rest of the chain a request whose body
 * is exactly those bytes:
 * <ul>
 *   <li>signatures are computed over the bytes as received (providers.md §0 rule 1);</li>
 *   <li>a JSON body labelled {@code application/x-www-form-urlencoded} (Unipile, §4.2) is not parsed as a form:
 *       request parameters come from the query string only, and such a request is presented with
 *       {@code Content-Type: application/octet-stream} (the original in {@value #ORIGINAL_CONTENT_TYPE_HEADER}),
 *       because Camel's HTTP binding would otherwise parse it as a form;</li>
 *   <li>a body over {@code maxBodyBytes} is answered 413 without being buffered further.</li>
 * </ul>
 * The bytes are also available as request attribute {@link #RAW_BODY_ATTRIBUTE}.
 *
 * <p>Why it is custom (issue 17 item 5): raw-byte capture, with the stock engine only (the comparison path). Its
 * request wrapper is also what {@link WebhookServlet} hands on. A platform-http option to keep a body as raw bytes
 * and never parse it as a form would replace it.
 */
public class RawBodyFilter extends OncePerRequestFilter {

    /** Header carrying the request's original Content-Type when the filter had to relabel a form body. */
    public static final String ORIGINAL_CONTENT_TYPE_HEADER = "X-Gateway-Original-Content-Type";

    /** Request attribute holding the raw body as {@code byte[]}. */
    public static final String RAW_BODY_ATTRIBUTE = "gateway.rawBody";

    private final long maxBodyBytes;

    /** @param maxBodyBytes largest accepted body in bytes (Meta's maximum payload is 3 MB, providers.md §1.2) */
    public RawBodyFilter(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equalsIgnoreCase(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getContentLengthLong() > maxBodyBytes) {
            tooLarge(response);
            return;
        }
        byte[] body = readAtMost(request.getInputStream(), maxBodyBytes);
        if (body == null) {
            tooLarge(response);
            return;
        }
        request.setAttribute(RAW_BODY_ATTRIBUTE, body);
        chain.doFilter(new RawBodyRequest(request, body), response);
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setStatus(413);
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"error\":\"payload too large\",\"max_bytes\":" + maxBodyBytes + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** A request whose body is the captured bytes and whose parameters come from the query string only. */
    static final class RawBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;
        private final Map<String, String[]> queryParameters;
        private final String originalContentType;
        private final boolean relabelled;

        RawBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
            this.queryParameters = parseQuery(request.getQueryString());
            this.originalContentType = request.getContentType();
            this.relabelled = originalContentType != null
                    && originalContentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
        }

        @Override
        public String getContentType() {
            return relabelled ? "application/octet-stream" : originalContentType;
        }

        @Override
        public String getHeader(String name) {
            if (relabelled && "content-type".equalsIgnoreCase(name)) {
                return getContentType();
            }
            if (relabelled && ORIGINAL_CONTENT_TYPE_HEADER.equalsIgnoreCase(name)) {
                return originalContentType;
            }
            return super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String single = relabelled ? getHeader(name) : null;
            if (single != null && ("content-type".equalsIgnoreCase(name)
                    || ORIGINAL_CONTENT_TYPE_HEADER.equalsIgnoreCase(name))) {
                return Collections.enumeration(java.util.List.of(single));
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            if (!relabelled) {
                return super.getHeaderNames();
            }
            java.util.List<String> names = Collections.list(super.getHeaderNames());
            names.add(ORIGINAL_CONTENT_TYPE_HEADER);
            return Collections.enumeration(names);
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("body is already buffered");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String enc = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body),
                    enc == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(enc)));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getParameter(String name) {
            String[] values = queryParameters.get(name);
            return values == null ? null : values[0];
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return Collections.unmodifiableMap(queryParameters);
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(queryParameters.keySet());
        }

        @Override
        public String[] getParameterValues(String name) {
            return queryParameters.get(name);
        }

        private static Map<String, String[]> parseQuery(String query) {
            Map<String, String[]> result = new LinkedHashMap<>();
            if (query == null || query.isEmpty()) {
                return result;
            }
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                result.merge(key, new String[] {value}, (a, b) -> {
                    String[] merged = java.util.Arrays.copyOf(a, a.length + 1);
                    merged[a.length] = b[0];
                    return merged;
                });
            }
            return result;
        }
    }
}
