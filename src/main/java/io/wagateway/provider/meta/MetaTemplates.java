package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The approved message templates of the WhatsApp Business Account ({@code gateway.meta.waba-id}), read from Meta's
 * WhatsApp Business Management API "Message Templates" ({@code GET /{WABA-ID}/message_templates}) by the route
 * {@code templates-meta} (routes/meta-cloud-api.camel.yaml), which caches the answer and follows
 * {@code paging.next} through {@link #page}. A {@code paging.next} outside the Graph base URL is not followed: the
 * access token goes to the Graph host only.
 */
public class MetaTemplates {

    /** The fields asked for: what the page needs to offer and fill a template. */
    static final String FIELDS = "name,language,status,category,components";

    private final ObjectMapper mapper = new ObjectMapper();
    private String graphBaseUrl = "https://graph.facebook.com";
    private String graphVersion = "v23.0";
    private String wabaId = "";
    private int maxPages = 5;
    private int pageSize = 100;

    /** The state of one read of the templates: the templates so far, the next page's URL, how it ended. */
    public static final class Fetch {
        private final ArrayNode items;
        private String next;
        private int pages;
        private boolean truncated;
        private String error;
        private int status = 200;

        private Fetch(ArrayNode items, String next) {
            this.items = items;
            this.next = next;
        }

        /** @return the next page's URL, or null when the read is over */
        public String getNext() {
            return next;
        }

        /** @return true when the read failed (the answer is not cached) */
        public boolean isFailed() {
            return error != null;
        }

        /** @return the HTTP status the API answers with: 200, or 502 when Meta refused */
        public int getStatus() {
            return status;
        }
    }

    /**
     * @return the cache key of the configured account's templates (its WABA id)
     * @throws AdminAccessException 404 when no {@code gateway.meta.waba-id} (WHATSAPP_WABA_ID) is set: no templates
     */
    public String cacheKey() {
        if (wabaId == null || wabaId.isBlank()) {
            throw new AdminAccessException(404, "no templates: WHATSAPP_WABA_ID (gateway.meta.waba-id) is not set");
        }
        return wabaId.trim();
    }

    /** @return a new read, starting at the first page of the approved templates */
    public Fetch start() {
        String first = base() + "/" + enc(cacheKey()) + "/message_templates?status=APPROVED&fields=" + enc(FIELDS)
                + "&limit=" + pageSize;
        return new Fetch(mapper.createArrayNode(), first);
    }

    /**
     * Takes one page of Meta's answer: adds its {@code data}, and sets the next URL ({@code paging.next}) unless
     * {@code maxPages} pages were read (then the answer says {@code truncated}) or the URL leaves the Graph base URL.
     *
     * @param fetch  the read
     * @param status the HTTP status Meta answered
     * @param body   Meta's answer
     */
    public void page(Fetch fetch, int status, String body) {
        fetch.pages++;
        fetch.next = null;
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? mapper.createObjectNode() : mapper.readTree(body);
        } catch (java.io.IOException e) {
            json = mapper.createObjectNode();
        }
        if (status < 200 || status >= 300) {
            String message = json.path("error").path("message").asText("");
            fetch.error = "Meta answered HTTP " + status + (message.isEmpty() ? "" : ": " + message);
            fetch.status = 502;
            return;
        }
        for (JsonNode t : json.path("data")) {
            fetch.items.add(t);
        }
        String next = json.path("paging").path("next").asText(null);
        if (next != null && !next.isBlank()) {
            if (fetch.pages >= maxPages) {
                fetch.truncated = true;
            } else if (next.startsWith(base() + "/")) {
                fetch.next = withoutAccessToken(next);
            }
        }
    }

    /**
     * @param fetch the finished read
     * @return {@code {"provider":"meta","items":[...],"truncated":bool,"pages":n,"fetched_at":..}}, or
     *         {@code {"error":..}} when Meta refused
     */
    public String answer(Fetch fetch) {
        if (fetch.error != null) {
            return mapper.createObjectNode().put("error", fetch.error).toString();
        }
        ObjectNode out = mapper.createObjectNode().put("provider", "meta");
        out.set("items", fetch.items);
        out.put("truncated", fetch.truncated);
        out.put("pages", fetch.pages);
        out.put("fetched_at", Instant.now().toString());
        return out.toString();
    }

    private String base() {
        String b = graphBaseUrl.endsWith("/") ? graphBaseUrl.substring(0, graphBaseUrl.length() - 1) : graphBaseUrl;
        return b + "/" + graphVersion;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** @param graphBaseUrl the Graph API's base URL ({@code gateway.meta.graph-base-url}) */
    public void setGraphBaseUrl(String graphBaseUrl) {
        this.graphBaseUrl = graphBaseUrl;
    }

    /** @param graphVersion the Graph API version ({@code gateway.meta.graph-version}) */
    public void setGraphVersion(String graphVersion) {
        this.graphVersion = graphVersion;
    }

    /** @param wabaId the WhatsApp Business Account id ({@code gateway.meta.waba-id}); empty = no templates (404) */
    public void setWabaId(String wabaId) {
        this.wabaId = wabaId;
    }

    /** @param maxPages most pages read ({@code gateway.meta.templates-max-pages}); more are left out (truncated) */
    public void setMaxPages(int maxPages) {
        this.maxPages = Math.max(1, maxPages);
    }

    /** @param pageSize templates asked per page ({@code limit}) */
    public void setPageSize(int pageSize) {
        this.pageSize = Math.max(1, pageSize);
    }

    /**
     * @param url a Graph paging URL
     * @return it without an {@code access_token} query parameter: Graph may put the token in {@code paging.next}, and
     *         the token travels only in the Authorization header (never in a URL that can reach a log)
     */
    static String withoutAccessToken(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        String kept = java.util.Arrays.stream(url.substring(q + 1).split("&"))
                .filter(p -> !p.startsWith("access_token=") && !p.equals("access_token"))
                .collect(java.util.stream.Collectors.joining("&"));
        return kept.isEmpty() ? url.substring(0, q) : url.substring(0, q + 1) + kept;
    }
}
