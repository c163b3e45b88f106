package io.wagateway.provider.unipile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What the Unipile webhook registration route (routes/unipile-registration.camel.yaml) cannot say in YAML: the API
 * base from the configured DSN, our webhook's URL, and which listed webhooks point at it (providers.md §4.1-4.3).
 * Holds no state and makes no call: the route does the HTTP calls with camel-http.
 */
public class UnipileWebhooks {

    /** Path of our Unipile receiver, appended to the gateway's public base URL. */
    public static final String RECEIVER_PATH = "/webhooks/unipile";

    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param dsn Unipile DSN, e.g. {@code api1.unipile.com:13111}, {@code https://api1.unipile.com:13111/} or
     *            {@code https://api1.unipile.com:13111/api/v1} (scheme, trailing slashes and /api/v1 optional)
     * @return the API base, {@code https://{dsn}/api/v1}
     */
    public String apiBase(String dsn) {
        String base = stripTrailingSlashes(dsn == null ? "" : dsn.trim());
        if (!base.contains("://")) {
            base = "https://" + base;
        }
        if (base.endsWith("/api/v1")) {
            base = base.substring(0, base.length() - "/api/v1".length());
        }
        return base + "/api/v1";
    }

    /**
     * @param webhookBaseUrl the gateway's public base URL as Unipile reaches it (trailing slashes optional)
     * @return our webhook's URL, {@code {webhookBaseUrl}/webhooks/unipile}
     */
    public String target(String webhookBaseUrl) {
        return stripTrailingSlashes(webhookBaseUrl == null ? "" : webhookBaseUrl.trim()) + RECEIVER_PATH;
    }

    /**
     * The ids of the listed webhooks whose {@code request_url} is our URL (trailing slashes ignored), sorted and
     * without repeats: every instance keeps the first and deletes the others, so instances that started together
     * end with one webhook.
     *
     * @param list   the answer of {@code GET /api/v1/webhooks} (JSON text)
     * @param target our webhook's URL, from {@link #target}
     * @return the matching ids, smallest first; empty when none points at us
     * @throws IOException when the answer is not JSON or has no {@code items} array
     */
    public List<String> ours(String list, String target) throws IOException {
        JsonNode items = mapper.readTree(list == null ? "" : list).path("items");
        if (!items.isArray()) {
            throw new IOException("unexpected Unipile webhook list (no items array)");
        }
        String wanted = stripTrailingSlashes(target);
        TreeSet<String> ids = new TreeSet<>();
        for (JsonNode item : items) {
            String id = item.path("id").asText("");
            if (!id.isEmpty() && stripTrailingSlashes(item.path("request_url").asText("").trim()).equals(wanted)) {
                ids.add(id);
            }
        }
        return new ArrayList<>(ids);
    }

    /**
     * @param ours the ids from {@link #ours}, smallest first
     * @return all but the first: the duplicates to delete
     */
    public List<String> duplicates(List<String> ours) {
        return ours.size() <= 1 ? List.of() : List.copyOf(ours.subList(1, ours.size()));
    }

    private static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }
}
