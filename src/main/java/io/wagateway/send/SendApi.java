package io.wagateway.send;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.api.AdminAccessException;
import io.wagateway.api.BearerAuth;
import io.wagateway.api.Operators;
import io.wagateway.tenant.Tenants;
import io.wagateway.media.MediaStore;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.MessageDetails;
import io.wagateway.reply.ReplyOutbox;
import io.wagateway.reply.ReplyTask;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;

/**
 * The send API's checks and records (issue 19 items 1 and 4; routes/send-message.camel.yaml): its bearer token,
 * the bounded body, the rules of the flat request ({@link SendRequestRules}), the kinds the provider can send (bean
 * {@code <provider>SendKinds}), Meta's 24-hour customer service window, the outbound id and the outbox entry that
 * makes a repeated {@code Idempotency-Key} send once, the outbound message document, and the state answered by
 * {@code GET /api/messages/{id}}.
 */
public class SendApi implements CamelContextAware {

    /** The name of a provider's kinds bean is the provider followed by this. */
    private static final String KINDS_SUFFIX = "SendKinds";

    /** The media store's bean name (issue 20, M4): where {@code media_sha256} is looked up. */
    static final String MEDIA_STORE = "mediaStore";

    /** The answer of Meta's window check (issue 19 item 4). */
    public static final String OUTSIDE_WINDOW = "outside the 24-hour customer service window: send a template";

    private ElasticsearchStore store;
    private ReplyOutbox replyOutbox;
    private CamelContext camelContext;
    private String token;
    private String pageToken;
    private Operators operators = new Operators();
    private long maxBodyBytes = 65_536;
    private boolean windowEnabled = true;
    private long windowHours = 24;
    private String chatsIndex = "whatsapp-chats";
    private Clock clock = Clock.systemUTC();

    /** What a send request was answered. */
    public record Accepted(String id, String state, boolean created, CanonicalMessage message) {
    }

    /**
     * Checks the send token of {@code POST /api/messages}, or an operator's token (Authorization header only,
     * {@link BearerAuth}, {@link Operators}), before the body is read; sets the variable {@code operator}.
     *
     * @param exchange the request
     * @throws AdminAccessException 404 when no send token nor operator is configured, 401 when it is missing or wrong
     */
    public void authorizeRequest(Exchange exchange) {
        operators.authorize(exchange, Operators.TenantTokens.SEND, token);
    }

    /**
     * Checks the token of {@code GET /api/messages/{id}}: the page's read token, the send token, an operator's, or
     * a tenant's page or send token (variable {@code tenant}: {@link #status(String, String)} then shows only that
     * tenant's sends).
     *
     * @param exchange the request
     * @throws AdminAccessException 404 when no token nor operator is configured, 401 when the one presented matches
     *                              none
     */
    public void authorizeRead(Exchange exchange) {
        operators.authorize(exchange, Operators.TenantTokens.PAGE_OR_SEND, token, pageToken);
    }

    /**
     * Reads the request body, at most {@code maxBodyBytes}.
     *
     * @param exchange the request (its body a stream, bytes or text)
     * @return the body as UTF-8 text
     * @throws SendRefusedException 413 when the body is larger than {@code maxBodyBytes}
     */
    public String readBody(Exchange exchange) throws IOException {
        Object body = exchange.getMessage().getBody();
        byte[] bytes;
        if (body instanceof InputStream in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > maxBodyBytes) {
                    throw tooLarge();
                }
            }
            bytes = out.toByteArray();
        } else {
            bytes = body == null ? new byte[0] : exchange.getMessage().getBody(byte[].class);
        }
        if (bytes.length > maxBodyBytes) {
            throw tooLarge();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private SendRefusedException tooLarge() {
        return new SendRefusedException(413, mapper().createObjectNode()
                .put("error", "body larger than " + maxBodyBytes + " bytes"));
    }

    /**
     * Checks a send request and records it: the outbox entry (create-if-absent on the outbound id) whose worker
     * sends it. A repeated {@code Idempotency-Key} with the same request records nothing and answers the first
     * one's id and current state.
     *
     * @param body           the flat request (contract C1): JSON text, bytes or a Map
     * @param idempotencyKey the {@code Idempotency-Key} header, or null (every request is then a new message)
     * @return the outbound id, its state, and whether it was recorded now (with the message document to store)
     * @throws SendRefusedException 400 (a rule of C1, naming the field), 422 (a kind the provider cannot send, a
     *                              provider unknown or switched off, a {@code media_sha256} the provider cannot send
     *                              or nothing is stored under, outside Meta's window, a key reused with another
     *                              request)
     */
    public Accepted accept(Object body, String idempotencyKey) {
        return accept(body, idempotencyKey, null);
    }

    /**
     * {@link #accept(Object, String)} of a request made with an operator's token: the outbox entry and the outbound
     * message document record {@code operator} (issue 21).
     *
     * @param body           the flat request
     * @param idempotencyKey the {@code Idempotency-Key} header, or null
     * @param operator       the operator's name (the request's variable {@code operator}), or null
     * @return what {@link #accept(Object, String)} answers
     */
    public Accepted accept(Object body, String idempotencyKey, String operator) {
        return accept(body, idempotencyKey, operator, null);
    }

    /**
     * {@link #accept(Object, String, String)} of a request made with a tenant-scoped send token (issue 22): the
     * request's {@code account_id} (as stored: {@code <tenant>~<account>} for a tenant of the tenants file) must be
     * one of that tenant's.
     *
     * @param body           the flat request
     * @param idempotencyKey the {@code Idempotency-Key} header, or null
     * @param operator       the operator's name, or null
     * @param tenant         the tenant of the token (the request's variable {@code tenant}), or null for a token of
     *                       every tenant
     * @return what {@link #accept(Object, String)} answers
     * @throws SendRefusedException 403 when {@code account_id} belongs to another tenant; else as
     *                              {@link #accept(Object, String)}
     */
    public Accepted accept(Object body, String idempotencyKey, String operator, String tenant) {
        ObjectNode request = SendRequestRules.check(parse(body));
        if (tenant != null && !tenant.equals(Tenants.tenantOf(request.get("account_id").asText()))) {
            throw refused(403, "account_id is not an account of tenant " + tenant
                    + " (a tenant's account is sent as <tenant>~<account>)");
        }
        String provider = request.get("provider").asText();
        String type = request.get("type").asText();
        // the providers that can send are those whose route file declares a <provider>SendKinds bean: a provider
        // added in YAML alone (docs/recipes.md, recipe 10) sends without Java
        Map<String, SendKinds> declared = camelContext.getRegistry().findByTypeWithName(SendKinds.class);
        SendKinds kinds = declared.get(provider + "SendKinds");
        if (kinds == null) {
            ObjectNode json = mapper().createObjectNode().put("error", "unknown provider " + provider);
            json.putPOJO("providers", declared.keySet().stream().filter(n -> n.endsWith(KINDS_SUFFIX))
                    .map(n -> n.substring(0, n.length() - KINDS_SUFFIX.length())).sorted().toList());
            throw new SendRefusedException(422, json);
        }
        if (!"true".equalsIgnoreCase(property("gateway." + provider + ".enabled", "true"))) {
            throw refused(422, "provider " + provider + " is switched off");
        }
        List<String> can = kinds.kinds();
        if (!can.contains(type)) {
            ObjectNode json = mapper().createObjectNode().put("error", provider + " cannot send " + type);
            json.putPOJO("kinds", can);
            throw new SendRefusedException(422, json);
        }
        if (request.has("media_id") && !kinds.mediaIds()) {
            throw refused(422, provider + " sends media by url, not by media_id");
        }
        if (request.hasNonNull("url") && SendRequestRules.isMedia(type) && !kinds.mediaUrls()) {
            throw refused(422, provider + " sends media by media_sha256 (a stored item), not by url");
        }
        if (request.hasNonNull("media_sha256")) {
            checkStored(provider, kinds, request.get("media_sha256").asText());
        }
        String accountId = request.get("account_id").asText();
        boolean keyed = idempotencyKey != null && !idempotencyKey.isBlank();
        String key = keyed ? key(provider, accountId, idempotencyKey)
                : UUID.randomUUID().toString().replace("-", "");
        String id = provider + ":" + accountId + ":out:" + key;
        if (keyed) {
            ReplyTask existing = replyOutbox.read(id);
            if (existing != null) {
                return repeated(existing, request);
            }
        }
        ObjectNode chat = chatDocument(request);
        checkWindow(request, chat);
        String outcome;
        try {
            outcome = replyOutbox.enqueueSend(id, request, chatType(request, chat), operator).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        if (!"created".equals(outcome)) {
            return repeated(replyOutbox.read(id), request);
        }
        return new Accepted(id, "queued", true, message(replyOutbox.read(id)));
    }

    /**
     * @param accepted what {@link #accept} answered
     * @return the API's answer, {@code {"id":..,"state":..}}
     */
    public String answer(Accepted accepted) {
        return mapper().createObjectNode().put("id", accepted.id()).put("state", accepted.state()).toString();
    }

    private Accepted repeated(ReplyTask existing, ObjectNode request) {
        if (existing == null || !existing.send() || !request.equals(existing.request())) {
            throw refused(422, "Idempotency-Key already used with another request");
        }
        return new Accepted(existing.id(), state(existing), false, null);
    }

    /**
     * The outbound message document of a send (contract C2): {@code message_id} {@code out:{key}}, {@code from_me},
     * the request's type, text or caption, status {@code queued}, raw {@code {"gateway_send":true,"request":..}}.
     *
     * @param task the send's outbox entry
     * @return the message to store through {@code direct:canonical-message}
     */
    public CanonicalMessage message(ReplyTask task) {
        ObjectNode request = task.request();
        String prefix = task.provider() + ":" + task.accountId() + ":";
        ObjectNode raw = mapper().createObjectNode().put("gateway_send", true);
        raw.set("request", request);
        Instant created = Instant.parse(task.doc().path("created_at").asText());
        String replyTo = request.hasNonNull("reply_to") ? request.get("reply_to").asText() : null;
        String operator = task.doc().path("operator").asText(null);
        return new CanonicalMessage(task.provider(), task.accountId(), task.id().substring(prefix.length()),
                task.chatId(), task.chatType(), null, task.accountId(), null, true, request.path("type").asText(),
                task.requestText(), null, replyTo, created, created, "queued", raw, null,
                operator == null ? MessageDetails.NONE : MessageDetails.NONE.withOperator(operator));
    }

    /**
     * Marks a send's message document failed (its outbox entry is marked by {@link ReplyOutbox#markFailed}).
     *
     * @param id    the outbound id
     * @param error what failed
     */
    public void markFailed(String id, String error) {
        String index = store.messageIndexOf(id, null); // the alias, or the partition holding it
        if (index == null) {
            return; // partitioned and not stored
        }
        try {
            store.client().update(u -> u.index(index).id(id)
                    .doc(Map.of("status", "failed", "error", error == null ? "" : error)).retryOnConflict(3), Map.class);
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw e;
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot mark " + id + " failed", e);
        }
    }

    /**
     * {@code GET /api/messages/{id}}.
     *
     * @param id an outbound id (percent-encoded or not)
     * @return JSON {@code {id, state, attempts, error, provider_message_id, status, message}}: {@code state} of the
     *         outbox ({@code queued|sending|sent|failed|unknown}), {@code status} the message's delivery status,
     *         {@code message} the stored document (null until stored)
     * @throws SendRefusedException 404 when no send has that id
     */
    public String status(String id) {
        return status(id, null);
    }

    /**
     * {@link #status(String)} for a tenant-scoped token: another tenant's send is answered as absent.
     *
     * @param id     an outbound id (percent-encoded or not)
     * @param tenant the tenant of the token (variable {@code tenant}), or null for every tenant
     * @return what {@link #status(String)} answers
     * @throws SendRefusedException 404 when no send of that tenant has that id
     */
    public String status(String id, String tenant) {
        if (id != null && id.indexOf('%') >= 0) { // the path parameter as sent: ':' may come as %3A
            id = java.net.URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        String outboundId = id;
        ReplyTask task = id == null ? null : replyOutbox.read(id);
        if (task == null || !task.send()
                || tenant != null && !tenant.equals(Tenants.tenantOf(task.accountId()))) {
            throw refused(404, "no message sent with id " + id);
        }
        JsonNode message = null;
        if (store.isPartitioned()) { // the locator finds it in its partition (docs/partitions.md)
            message = store.locateMessage(outboundId, null).map(r -> (JsonNode) r.source()).orElse(null);
        } else {
            try {
                GetResponse<ObjectNode> r = store.client().get(g -> g.index(store.getMessagesIndex()).id(outboundId),
                        ObjectNode.class);
                message = r.found() ? r.source() : null;
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot read " + id, e);
            }
        }
        ObjectNode json = mapper().createObjectNode();
        json.put("id", id);
        json.put("state", state(task));
        json.put("attempts", task.doc().path("attempts").asInt());
        json.set("error", task.doc().get("error"));
        JsonNode providerId = task.doc().get("provider_message_id");
        json.set("provider_message_id", providerId != null && !providerId.isNull() ? providerId
                : message == null ? null : message.get("provider_message_id"));
        json.set("status", message == null ? null : message.get("status"));
        json.set("message", message);
        return json.toString();
    }

    /** @return the API's name for an outbox state: pending and claimed are {@code queued} */
    private static String state(ReplyTask task) {
        String state = task.doc().path("state").asText();
        return "pending".equals(state) || "claimed".equals(state) ? "queued" : state;
    }

    /**
     * @return the chat's {@code whatsapp-chats} document (its {@code last_inbound_at} and {@code chat_type}, read in
     *         real time), or null when the chat has none yet
     * @throws StoreUnavailableException (503) when Elasticsearch cannot be read
     */
    private ObjectNode chatDocument(ObjectNode request) {
        String chat = request.get("provider").asText() + ":" + request.get("account_id").asText() + ":"
                + request.get("chat_id").asText();
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(chatsIndex).id(chat).realtime(true)
                    .sourceIncludes("last_inbound_at", "chat_type"), ObjectNode.class);
            return r.found() ? r.source() : null;
        } catch (ElasticsearchException e) {
            if (!"index_not_found_exception".equals(e.error().type())) {
                throw e;
            }
            return null;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read chat " + chat, e);
        }
    }

    /**
     * A stored media item to send ({@code media_sha256}, issue 20): the provider must send stored media and the
     * media store (bean {@code mediaStore}) must hold the hash.
     *
     * @throws SendRefusedException 422 when the provider cannot send stored media or nothing is stored under the hash
     * @throws StoreUnavailableException (503) when the media store cannot be read
     */
    private void checkStored(String provider, SendKinds kinds, String sha256) {
        if (!kinds.storedMedia()) {
            throw refused(422, provider + " cannot send a stored media item (media_sha256)");
        }
        MediaStore mediaStore = camelContext.getRegistry().lookupByNameAndType(MEDIA_STORE, MediaStore.class);
        try {
            if (mediaStore == null || mediaStore.head(sha256) == null) {
                ObjectNode json = mapper().createObjectNode().put("error", "no media stored with that sha256")
                        .put("field", "media_sha256");
                throw new SendRefusedException(422, json);
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read the media store", e);
        }
    }

    /** Meta's customer service window: a free-form message (any type but template) needs an inbound message in it. */
    private void checkWindow(ObjectNode request, ObjectNode chat) {
        if (!windowEnabled || !"meta".equals(request.get("provider").asText())
                || "template".equals(request.get("type").asText())) {
            return;
        }
        Instant lastInbound = chat != null && chat.hasNonNull("last_inbound_at")
                ? Instant.parse(chat.get("last_inbound_at").asText()) : null;
        if (lastInbound == null || lastInbound.plus(Duration.ofHours(windowHours)).isBefore(clock.instant())) {
            throw refused(422, OUTSIDE_WINDOW);
        }
    }

    /**
     * @return {@code group} when the chat's document says so (a Meta group id has no mark of its own) or the chat id is
     *         a WhatsApp group JID ({@code @g.us}), else {@code direct}
     */
    private static String chatType(ObjectNode request, ObjectNode chat) {
        if (chat != null && "group".equals(chat.path("chat_type").asText())) {
            return "group";
        }
        return request.get("chat_id").asText().endsWith("@g.us") ? "group" : "direct";
    }

    /** @return the first 32 hex characters of sha256(provider \n account_id \n Idempotency-Key) */
    static String key(String provider, String accountId, String idempotencyKey) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(
                    (provider + "\n" + accountId + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parse(Object body) {
        try {
            if (body instanceof Map<?, ?> map) {
                return mapper().valueToTree(map);
            }
            if (body instanceof JsonNode node) {
                return node;
            }
            if (body instanceof byte[] bytes) {
                return mapper().readTree(bytes);
            }
            return body == null ? null : mapper().readTree(body.toString());
        } catch (JsonProcessingException e) {
            throw new SendRefusedException(400, mapper().createObjectNode()
                    .put("error", "the body is not valid JSON").put("field", "body"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String property(String key, String defaultValue) {
        return camelContext.getPropertiesComponent().resolveProperty(key).orElse(defaultValue);
    }

    private SendRefusedException refused(int status, String error) {
        return new SendRefusedException(status, mapper().createObjectNode().put("error", error));
    }

    private ObjectMapper mapper() {
        return store.objectMapper();
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param replyOutbox the outbox sends are recorded in */
    public void setReplyOutbox(ReplyOutbox replyOutbox) {
        this.replyOutbox = replyOutbox;
    }

    /** @param token bearer token of {@code POST /api/messages} ({@code gateway.api.send-token}); blank = off (404) */
    public void setToken(String token) {
        this.token = token;
    }

    /** @param operators the operators whose tokens are accepted beside the shared ones */
    public void setOperators(Operators operators) {
        this.operators = operators;
    }

    /** @param pageToken the page's read token ({@code gateway.page.token}), also accepted by the GET */
    public void setPageToken(String pageToken) {
        this.pageToken = pageToken;
    }

    /** @param maxBodyBytes largest request body accepted, bytes (413 above) */
    public void setMaxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** @param windowEnabled whether Meta's 24-hour window is checked before a free-form message is accepted */
    public void setWindowEnabled(boolean windowEnabled) {
        this.windowEnabled = windowEnabled;
    }

    /** @param windowHours the window's length, hours */
    public void setWindowHours(long windowHours) {
        this.windowHours = windowHours;
    }

    /** @param chatsIndex alias of the chats index, whose {@code last_inbound_at} the window check reads */
    public void setChatsIndex(String chatsIndex) {
        this.chatsIndex = chatsIndex;
    }

    /** @param clock the clock the window is measured with */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
