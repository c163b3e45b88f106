package io.wagateway.api;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.media.MediaStore;
import io.wagateway.media.MediaUrls;
import io.wagateway.media.StoredObject;
import io.wagateway.store.ElasticsearchStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * {@code GET /api/media/{sha256}} (route {@code media-api-get}, routes/media-store.camel.yaml): streams a stored media
 * object from the media store, with {@code Content-Type}, {@code Content-Length}, {@code ETag: "<sha256>"},
 * {@code Accept-Ranges: bytes}, {@code Cache-Control: private}, {@code X-Content-Type-Options: nosniff} and
 * {@code Content-Disposition} ({@code inline} for images, audio and video, except SVG; {@code attachment} otherwise,
 * so an HTML or SVG file never runs as a page of the gateway's origin). {@code If-None-Match} answers 304; one
 * {@code Range: bytes=a-b}, {@code a-} or {@code -n} answers 206 with {@code Content-Range}, an unsatisfiable one 416.
 * HEAD answers the same headers without the bytes.
 *
 * <p>Authorised by the page token ({@code Authorization: Bearer}, never a query parameter) or by a signed URL's
 * {@code exp} and {@code sig} ({@link MediaUrls#verify}), else 401. A hash whose object the store does not hold
 * (never stored, or deleted by retention) is 404. The MIME type is the stored download job's (the
 * {@code whatsapp-media} index), else the one the store kept with the object.
 */
public class MediaApi implements CamelContextAware {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final Set<String> INLINE = Set.of("image", "audio", "video");

    private CamelContext camelContext;
    private ElasticsearchStore store;
    private MediaStore mediaStore;
    private MediaUrls mediaUrls;
    private String token = "";
    private Operators operators;
    private String mediaIndex = "whatsapp-media";

    /**
     * Lets the request in when it carries the page token, an operator's token ({@link Operators}; sets the variable
     * {@code operator}) or a valid signature for this very hash.
     *
     * @param exchange the request; header {@code sha256} is the path's hash
     * @throws AdminAccessException 401 without a valid token or signature; 404 when the path is not a lowercase hex
     *                              sha256
     */
    public void authorize(Exchange exchange) {
        String sha256 = exchange.getMessage().getHeader("sha256", String.class);
        if (!MediaStore.isSha256(sha256)) {
            throw new AdminAccessException(404, "no such media");
        }
        String authorization = BearerAuth.header(exchange, "Authorization");
        if (token != null && !token.isBlank() && BearerAuth.matches(authorization, token)) {
            exchange.setVariable("operator", null);
            return;
        }
        String operator = operators().match(authorization);
        if (operator != null) {
            exchange.setVariable("operator", operator);
            return;
        }
        QueryParams query = QueryParams.of(exchange);
        List<String> exp = query.all("exp");
        List<String> sig = query.all("sig");
        if (exp.size() == 1 && sig.size() == 1 && mediaUrls().verify(sha256, exp.get(0), sig.get(0))) {
            return;
        }
        throw new AdminAccessException(401, "a bearer token or a valid signed URL is needed");
    }

    /**
     * Finds the stored object and sets the answer's status and headers: 200 (the whole object), 206 (a range), 304
     * ({@code If-None-Match} names it) or 416 (a range beyond its end). The request's headers (and query parameters,
     * which platform-http copies into the headers) are removed, so none is echoed into the answer.
     *
     * @param exchange the authorised request
     * @return the object's first and last byte offsets to send ({@code [first, last]}, inclusive), or null when no
     *         bytes are to be sent (304, 416, HEAD)
     * @throws AdminAccessException 404 when the store has no object for the hash
     * @throws IOException          when the store or Elasticsearch cannot be read (503)
     */
    public long[] respond(Exchange exchange) throws IOException {
        Message in = exchange.getMessage();
        String sha256 = in.getHeader("sha256", String.class);
        String method = in.getHeader(Exchange.HTTP_METHOD, String.class);
        String range = BearerAuth.header(exchange, "Range");
        String ifNoneMatch = BearerAuth.header(exchange, "If-None-Match");
        String jobMime = storedJobMime(sha256);
        StoredObject object = mediaStore.head(sha256);
        if (object == null) {
            throw new AdminAccessException(404, "no such media");
        }
        String mime = jobMime != null ? jobMime : object.mime() != null ? object.mime() : "application/octet-stream";
        in.removeHeaders("*");
        in.setHeader("ETag", "\"" + sha256 + "\"");
        in.setHeader("Accept-Ranges", "bytes");
        in.setHeader("Cache-Control", "private");
        in.setHeader("X-Content-Type-Options", "nosniff");
        if (ifNoneMatch != null && etagMatches(ifNoneMatch, sha256)) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 304);
            return null;
        }
        in.setHeader(Exchange.CONTENT_TYPE, mime);
        in.setHeader("Content-Disposition", disposition(mime));
        long size = object.sizeBytes();
        long first = 0;
        long last = size - 1;
        int status = 200;
        long[] asked = range == null ? null : range(range, size);
        if (asked != null && asked.length == 0) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 416);
            in.setHeader("Content-Range", "bytes */" + size);
            in.removeHeader(Exchange.CONTENT_TYPE);
            in.removeHeader("Content-Disposition");
            return null;
        }
        if (asked != null) {
            first = asked[0];
            last = asked[1];
            status = 206;
            in.setHeader("Content-Range", "bytes " + first + "-" + last + "/" + size);
        }
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_LENGTH, last - first + 1);
        return "HEAD".equalsIgnoreCase(method) || size == 0 ? null : new long[] {first, last};
    }

    /**
     * Opens the bytes {@link #respond} chose, for streaming into the answer (never read into the heap).
     *
     * @param exchange the request
     * @param sha256   the object's hash
     * @param offsets  {@code [first, last]} from {@link #respond}
     * @return the stream; platform-http copies it to the client and closes it
     * @throws IOException when the store cannot be read
     */
    public InputStream open(Exchange exchange, String sha256, long[] offsets) throws IOException {
        return mediaStore.open(sha256, offsets[0], offsets[1]);
    }

    /**
     * @return the MIME type of a stored download job of the hash (not deleted by retention), or null when it has
     *         none or no such job is searchable yet
     */
    private String storedJobMime(String sha256) throws IOException {
        SearchResponse<ObjectNode> r;
        try {
            r = store().client().search(s -> s.index(mediaIndex).size(1)
                    .source(src -> src.filter(f -> f.includes("stored.mime", "mime")))
                    .query(q -> q.bool(b -> b
                            .filter(f -> f.term(t -> t.field("sha256").value(sha256)))
                            .filter(f -> f.term(t -> t.field("state").value("stored")))
                            .mustNot(m -> m.exists(e -> e.field("deleted_at"))))), ObjectNode.class);
        } catch (ElasticsearchException e) {
            if (e.status() == 404) { // no media index yet: the store's own object decides
                return null;
            }
            throw e;
        }
        if (r.hits().hits().isEmpty()) {
            // no stored job seen yet: the job is marked stored just after the message shows media.stored, and a
            // search sees it only after the next refresh (1 s); the store's own object (and its MIME type) decides
            return null;
        }
        ObjectNode job = r.hits().hits().get(0).source();
        String mime = job == null ? "" : job.path("stored").path("mime").asText(job.path("mime").asText(""));
        return mime.isBlank() ? null : mime;
    }

    /**
     * @param mime the object's MIME type
     * @return {@code inline} for images, audio and video (except SVG, which can run script); {@code attachment}
     *         otherwise (documents, HTML...)
     */
    static String disposition(String mime) {
        String m = mime.toLowerCase(Locale.ROOT);
        int slash = m.indexOf('/');
        String top = slash < 0 ? m : m.substring(0, slash);
        return INLINE.contains(top) && !m.contains("svg") ? "inline" : "attachment";
    }

    /**
     * @param ifNoneMatch the request's {@code If-None-Match}
     * @param sha256      the object's hash (its ETag)
     * @return true when it is {@code *} or lists {@code "<sha256>"} (weak or strong)
     */
    static boolean etagMatches(String ifNoneMatch, String sha256) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals("\"" + sha256 + "\"")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param header the request's {@code Range}
     * @param size   the object's length, in bytes
     * @return {@code [first, last]} for one satisfiable range; an empty array when unsatisfiable (416); null when the
     *         header is not one byte range (then the whole object is sent, as RFC 9110 allows)
     */
    static long[] range(String header, long size) {
        Matcher m = RANGE.matcher(header.trim());
        if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
            return null;
        }
        try {
            if (m.group(1).isEmpty()) { // suffix: the last n bytes
                long n = Long.parseLong(m.group(2));
                if (n == 0 || size == 0) {
                    return new long[0];
                }
                return new long[] {Math.max(0, size - n), size - 1};
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (first >= size || first > last) {
                return first > last && first < size ? null : new long[0];
            }
            return new long[] {first, last};
        } catch (NumberFormatException e) {
            return new long[0]; // beyond a long: beyond any object
        }
    }

    /**
     * The beans of other route files are found on first use: Camel 4.17 binds {@code #bean:} references of YAML beans
     * file by file, in the order the files are loaded (routes/beans.camel.yaml explains), so a reference to
     * {@code elasticsearchStore} or {@code mediaUrls} from this file would depend on that order.
     */
    private ElasticsearchStore store() {
        if (store == null) {
            store = ElasticsearchStore.in(camelContext);
        }
        return store;
    }

    private Operators operators() {
        if (operators == null) {
            Operators found = camelContext == null ? null
                    : camelContext.getRegistry().lookupByNameAndType("operators", Operators.class);
            operators = found == null ? new Operators() : found;
        }
        return operators;
    }

    private MediaUrls mediaUrls() {
        if (mediaUrls == null) {
            mediaUrls = camelContext.getRegistry().findSingleByType(MediaUrls.class);
        }
        return mediaUrls;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** @param store the Elasticsearch store (the download jobs are read through its client); default: the context's */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param mediaStore the media store the bytes are read from (bean {@code mediaStore}) */
    public void setMediaStore(MediaStore mediaStore) {
        this.mediaStore = mediaStore;
    }

    /** @param mediaUrls verifies signed URLs; default: the context's {@code mediaUrls} */
    public void setMediaUrls(MediaUrls mediaUrls) {
        this.mediaUrls = mediaUrls;
    }

    /**
     * @param operators the operators whose tokens open every object too (default: the {@code operators} bean, found
     *                  on first use, as this bean is declared in another route file than it)
     */
    public void setOperators(Operators operators) {
        this.operators = operators;
    }

    /** @param token {@code gateway.page.token}: the bearer token that opens every object; empty = signed URLs only */
    public void setToken(String token) {
        this.token = token;
    }

    /** @param mediaIndex {@code gateway.elasticsearch.index.media}: the download jobs' alias */
    public void setMediaIndex(String mediaIndex) {
        this.mediaIndex = mediaIndex;
    }
}
