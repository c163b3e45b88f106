package io.wagateway.provider.unipile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the gateway's Unipile webhook ({@code {webhookBaseUrl}/webhooks/unipile}) through the Unipile v1 API at
 * start (providers.md §4.1–4.3), configured as a bean in the Unipile route file.
 * <ul>
 *   <li>Off, with one info line, unless {@code dsn}, {@code apiKey} and {@code webhookBaseUrl} are all set.</li>
 *   <li>Idempotent: when a webhook already points at our URL nothing is created.</li>
 *   <li>Converging: after creating, the list is read again and, if several webhooks point at our URL (instances
 *       that started together), all but the one with the lexicographically smallest id are deleted. Every instance
 *       applies the same rule, so concurrent starters end with exactly one webhook.</li>
 *   <li>Never blocks or fails the gateway's start: {@link #start()} runs the registration on a daemon thread and
 *       retries {@code attempts} times, logging failures as warnings.</li>
 * </ul>
 * The created webhook carries {@code Content-Type: application/json} (API-created webhooks otherwise post form
 * content type, §4.2) and the static secret header checked by the Unipile {@code WebhookSignatureVerifier} (§4.3).
 * Neither the API key nor the secret is ever logged.
 */
public class UnipileWebhookRegistrar {

    private static final Logger LOG = LoggerFactory.getLogger(UnipileWebhookRegistrar.class);

    /** Path of our Unipile receiver, appended to {@code webhookBaseUrl}. */
    public static final String RECEIVER_PATH = "/webhooks/unipile";

    private static final int MAX_LIST_PAGES = 50;
    private static final int MAX_ERROR_BODY = 500;

    private final ObjectMapper mapper = new ObjectMapper();

    private String dsn;
    private String apiKey;
    private String webhookBaseUrl;
    private String secretHeader = "Unipile-Auth";
    private String secret;
    private String events = "message_received,message_read,message_reaction,message_edited,message_deleted";
    private String name = "whatsapp-gateway";
    private long timeoutMs = 10_000;
    private int attempts = 5;
    private long retryDelayMs = 2_000;

    private volatile HttpClient http;
    private volatile Thread worker;
    private volatile boolean stopped;
    private volatile boolean started;

    /**
     * Outcome of one {@link #register()}.
     *
     * @param webhookId         id of the webhook that now points at our URL (the one kept after converging)
     * @param created           true when this call created a webhook
     * @param deletedDuplicates how many duplicate webhooks pointing at our URL this call deleted
     */
    public record Result(String webhookId, boolean created, int deletedDuplicates) {
    }

    /**
     * Init method: when configured, starts the registration on a daemon thread and returns at once; otherwise logs
     * that registration is off. Never throws for Unipile problems.
     */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        if (isBlank(dsn) || isBlank(apiKey) || isBlank(webhookBaseUrl)) {
            LOG.info("Unipile webhook registration is off (set UNIPILE_DSN, UNIPILE_API_KEY and WEBHOOK_BASE_URL to enable)");
            return;
        }
        if (isBlank(secret)) {
            LOG.warn("Unipile: no webhook secret configured - the webhook is registered without the {} header and the "
                    + "gateway rejects Unipile deliveries until a secret is set", secretHeader);
        }
        stopped = false;
        Thread t = new Thread(this::registerWithRetries, "unipile-webhook-registrar");
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    /** Destroy method: stops the background registration if it is still running (waits up to a second). */
    public void stop() {
        stopped = true;
        Thread t = worker;
        if (t != null && t.isAlive()) {
            t.interrupt();
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return true while the background registration started by {@link #start()} is still running */
    public boolean isRunning() {
        Thread t = worker;
        return t != null && t.isAlive();
    }

    private void registerWithRetries() {
        int max = Math.max(1, attempts);
        for (int attempt = 1; attempt <= max && !stopped; attempt++) {
            try {
                register();
                return;
            } catch (InterruptedException e) {
                LOG.info("Unipile webhook registration stopped");
                return;
            } catch (Exception e) {
                if (stopped) {
                    return;
                }
                LOG.warn("Unipile webhook registration attempt {}/{} at {} failed: {}", attempt, max, apiBase(),
                        describe(e));
            }
            if (attempt < max) {
                try {
                    Thread.sleep(Math.max(0, retryDelayMs));
                } catch (InterruptedException e) {
                    LOG.info("Unipile webhook registration stopped");
                    return;
                }
            }
        }
        if (!stopped) {
            LOG.warn("Unipile webhook registration gave up after {} attempts; create the webhook for {} by hand or "
                    + "restart the gateway", max, targetUrl());
        }
    }

    /**
     * Synchronous registration: list, create when no webhook points at our URL, then converge duplicates.
     *
     * @return what was found, created and deleted
     * @throws IOException          on a transport error or a non-2xx Unipile answer (message has status and body)
     * @throws InterruptedException when the calling thread is interrupted
     */
    public Result register() throws IOException, InterruptedException {
        String target = targetUrl();
        List<String> ours = matchingIds(target);
        if (!ours.isEmpty()) {
            String keep = ours.get(0);
            LOG.info("Unipile webhook for {} already registered (id {})", target, keep);
            int deleted = deleteAllBut(keep, ours);
            return new Result(keep, false, deleted);
        }

        String createdId = create(target);
        LOG.info("Unipile webhook for {} created (id {}, events {})", target, createdId, eventList());

        List<String> after = matchingIds(target);
        if (after.isEmpty()) {
            // not listed yet (eventual consistency): nothing to converge
            return new Result(createdId, true, 0);
        }
        String keep = after.get(0);
        int deleted = deleteAllBut(keep, after);
        if (!keep.equals(createdId)) {
            LOG.info("Unipile webhook {} kept (another instance registered it first)", keep);
        }
        return new Result(keep, true, deleted);
    }

    /** @return our webhook target, {@code {webhookBaseUrl}/webhooks/unipile} */
    public String targetUrl() {
        return stripTrailingSlashes(webhookBaseUrl == null ? "" : webhookBaseUrl.trim()) + RECEIVER_PATH;
    }

    /** @return the Unipile API base, {@code https://{dsn}/api/v1}, from the configured DSN */
    public String apiBase() {
        String base = stripTrailingSlashes(dsn == null ? "" : dsn.trim());
        if (!base.contains("://")) {
            base = "https://" + base;
        }
        if (base.endsWith("/api/v1")) {
            base = base.substring(0, base.length() - "/api/v1".length());
        }
        return base + "/api/v1";
    }

    private int deleteAllBut(String keep, List<String> ids) throws IOException, InterruptedException {
        int deleted = 0;
        for (String id : ids) {
            if (!id.equals(keep)) {
                delete(id);
                deleted++;
                LOG.info("Unipile duplicate webhook {} deleted (kept {})", id, keep);
            }
        }
        return deleted;
    }

    /** Ids of the webhooks whose request_url is our target, sorted and without repeats. */
    private List<String> matchingIds(String target) throws IOException, InterruptedException {
        String wanted = stripTrailingSlashes(target);
        TreeSet<String> ids = new TreeSet<>();
        Set<String> cursorsSeen = new HashSet<>();
        String cursor = null;
        for (int page = 0; page < MAX_LIST_PAGES; page++) {
            String uri = apiBase() + "/webhooks"
                    + (cursor == null ? "" : "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode list = send("GET", uri, null);
            JsonNode items = list.path("items");
            if (!items.isArray()) {
                throw new IOException("unexpected Unipile webhook list (no items array)");
            }
            for (JsonNode item : items) {
                String url = item.path("request_url").asText("");
                String id = item.path("id").asText("");
                if (!id.isEmpty() && stripTrailingSlashes(url.trim()).equals(wanted)) {
                    ids.add(id);
                }
            }
            // pagination is not documented for this endpoint; follow a cursor if Unipile sends one
            JsonNode next = list.path("cursor");
            if (!next.isTextual() || next.asText().isBlank() || !cursorsSeen.add(next.asText()) || items.isEmpty()) {
                break;
            }
            cursor = next.asText();
        }
        return new ArrayList<>(ids);
    }

    private String create(String target) throws IOException, InterruptedException {
        ObjectNode body = mapper.createObjectNode();
        body.put("request_url", target);
        body.put("source", "messaging");
        body.put("name", name);
        body.put("format", "json");
        body.put("enabled", true);
        ArrayNode ev = body.putArray("events");
        eventList().forEach(ev::add);
        ArrayNode headers = body.putArray("headers");
        headers.addObject().put("key", "Content-Type").put("value", "application/json");
        if (!isBlank(secret)) {
            headers.addObject().put("key", secretHeader).put("value", secret);
        }
        JsonNode answer = send("POST", apiBase() + "/webhooks", mapper.writeValueAsString(body));
        String id = answer.path("webhook_id").asText("");
        if (id.isEmpty()) {
            throw new IOException("Unipile created a webhook but returned no webhook_id");
        }
        return id;
    }

    private void delete(String id) throws IOException, InterruptedException {
        String uri = apiBase() + "/webhooks/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        try {
            send("DELETE", uri, null);
        } catch (UnipileHttpException e) {
            if (e.status != 404) {
                throw e;
            }
            // another instance deleted it first: same end state
        }
    }

    private JsonNode send(String method, String uri, String jsonBody) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri))
                .timeout(Duration.ofMillis(timeoutMs))
                .header("X-API-KEY", apiKey)
                .header("accept", "application/json")
                .header("Content-Type", "application/json");
        request.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
        HttpResponse<String> response = client().send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String body = response.body() == null ? "" : response.body();
        if (response.statusCode() / 100 != 2) {
            throw new UnipileHttpException(method, URI.create(uri).getPath(), response.statusCode(), redact(body));
        }
        return body.isBlank() ? mapper.createObjectNode() : mapper.readTree(body);
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            c = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs)).build();
            http = c;
        }
        return c;
    }

    private List<String> eventList() {
        return Arrays.stream((events == null ? "" : events).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** Keeps an error body short and free of our credentials (an API may echo the request). */
    private String redact(String body) {
        String b = body;
        if (!isBlank(apiKey)) {
            b = b.replace(apiKey, "***");
        }
        if (!isBlank(secret)) {
            b = b.replace(secret, "***");
        }
        return b.length() > MAX_ERROR_BODY ? b.substring(0, MAX_ERROR_BODY) + "..." : b;
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** A non-2xx answer from Unipile, with status and (redacted, truncated) body. */
    static final class UnipileHttpException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        UnipileHttpException(String method, String path, int status, String body) {
            super("Unipile " + method + " " + path + " answered HTTP " + status + ": " + body);
            this.status = status;
        }
    }

    /** @param dsn Unipile DSN, e.g. {@code https://api1.unipile.com:13111} (scheme and trailing slash optional) */
    public void setDsn(String dsn) {
        this.dsn = dsn;
    }

    /** @param apiKey Unipile access token sent as {@code X-API-KEY} (never logged) */
    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    /** @param webhookBaseUrl the gateway's public base URL; the webhook target is {@code {base}/webhooks/unipile} */
    public void setWebhookBaseUrl(String webhookBaseUrl) {
        this.webhookBaseUrl = webhookBaseUrl;
    }

    /** @param secretHeader name of the custom header carrying the secret (default {@code Unipile-Auth}) */
    public void setSecretHeader(String secretHeader) {
        this.secretHeader = isBlank(secretHeader) ? "Unipile-Auth" : secretHeader.trim();
    }

    /** @param secret the static secret Unipile sends in {@code secretHeader} (never logged) */
    public void setSecret(String secret) {
        this.secret = secret;
    }

    /** @param events comma-separated Unipile messaging events (default: received, read, reaction, edited, deleted) */
    public void setEvents(String events) {
        this.events = events;
    }

    /** @param name webhook name, echoed by Unipile as {@code webhook_name} (default {@code whatsapp-gateway}) */
    public void setName(String name) {
        this.name = name;
    }

    /** @param timeoutMs connect and request timeout per Unipile call in milliseconds (default 10000) */
    public void setTimeoutMs(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    /** @param attempts how many times {@link #start()} tries to register before giving up (default 5) */
    public void setAttempts(int attempts) {
        this.attempts = attempts;
    }

    /** @param retryDelayMs pause between failed attempts in milliseconds (default 2000) */
    public void setRetryDelayMs(long retryDelayMs) {
        this.retryDelayMs = retryDelayMs;
    }
}
