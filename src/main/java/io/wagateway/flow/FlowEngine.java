package io.wagateway.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.LogMask;
import io.wagateway.reply.AutoReplyPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow engine (bean {@code flows}, routes/flows.camel.yaml; docs/flows.md). For a stored message it loads the
 * chat's state, decides (start, answer, re-ask, cancel, complete, stale, duplicate), writes the new state under
 * optimistic concurrency (a conflict: read again and decide again), and only then answers what to send - with
 * deterministic idempotency keys {@code flow:{chatKey}:{instanceId}:{version}:{n}}, so a redelivered answer never
 * sends twice. The flows are the {@link FlowDefinition} beans of routes/flows/*.camel.yaml.
 */
public class FlowEngine implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(FlowEngine.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_-]+)(\\.title)?}");
    /** Message ids remembered per state (applied, stale): a redelivery of one of them is a no-op. */
    static final int REMEMBERED_IDS = 20;

    private CamelContext camelContext;
    private volatile ProducerTemplate template;
    private FlowStates states;
    private AutoReplyPolicy policy;
    private volatile List<FlowDefinition> definitions;
    private boolean groups;
    private int attempts = 10;
    private Clock clock = Clock.systemUTC();
    private BiPredicate<String, String> routeValidator;

    /**
     * Decides what a stored message means to the flows of its chat and records it.
     *
     * @param message the stored message (STORED or DUPLICATE)
     * @return the decision; {@code handled} false leaves the message to auto-reply
     */
    public FlowDecision dispatch(CanonicalMessage message) {
        List<FlowDefinition> enabled = definitions().stream().filter(FlowDefinition::isEnabled).toList();
        if (enabled.isEmpty()) {
            return FlowDecision.notHandled("off");         // no flow on: no state read, no behaviour
        }
        if (message.fromMe()) {
            return FlowDecision.notHandled("from-me");
        }
        if (!"direct".equals(message.chatType()) && !groups) {
            return FlowDecision.notHandled("group");
        }
        if (!policy.recent(message)) {
            return FlowDecision.notHandled("too-old");
        }
        if (!policy.ownedByApp(message)) {
            return FlowDecision.notHandled("not-owner");   // a human (or another responder) has the chat: paused
        }
        String chatKey = message.provider() + ":" + message.accountId() + ":" + message.chatId();
        for (int attempt = 1; ; attempt++) {
            FlowStates.Versioned base = states.read(chatKey);
            Step step = decide(base.doc(), message, chatKey, enabled);
            if (step.state == null || states.write(chatKey, step.state, base)) {
                count(step.decision);
                return step.decision;
            }
            if (attempt >= attempts) {
                throw new IllegalStateException("flow state of " + LogMask.id(chatKey) + " kept changing ("
                        + attempts + " conflicts)");
            }
            LOG.debug("Flow state of {} changed meanwhile (attempt {}): deciding again", LogMask.id(chatKey), attempt);
        }
    }

    /**
     * Ends the flows idle past their timeout (status {@code timed_out}), each under optimistic concurrency, so two
     * instances never both end one.
     *
     * @return a decision per flow ended by this call (its timeout message to send, when the chat is the app's)
     */
    public List<FlowDecision> expire() {
        if (definitions().stream().noneMatch(FlowDefinition::isEnabled)) {
            return List.of();
        }
        List<FlowDecision> out = new ArrayList<>();
        for (String chatKey : states.expired(clock.instant(), 100)) {
            for (int attempt = 1; attempt <= attempts; attempt++) {
                FlowStates.Versioned base = states.read(chatKey);
                ObjectNode doc = base.doc();
                Instant now = clock.instant();
                if (doc == null || !"active".equals(doc.path("status").asText())
                        || !Instant.parse(doc.path("expires_at").asText()).isBefore(now)) {
                    break;                                  // answered or ended meanwhile
                }
                FlowDefinition def = definition(doc.path("flow").asText());
                ObjectNode next = doc.deepCopy();
                next.put("version", doc.path("version").asLong() + 1);
                List<ObjectNode> sends = new ArrayList<>();
                String owner = policy.ownerOf(chatKey);
                boolean app = owner == null || "app".equals(owner);
                if (def != null && app && !def.getTimeoutText().isEmpty()) {
                    sends.add(text(def.getTimeoutText(), next));
                }
                end(next, "timed_out", now);
                FlowDecision d = finish(next, sends, null, def, "timed_out", chatKey);
                if (states.write(chatKey, next, base)) {
                    count(d);
                    out.add(d);
                    break;
                }
            }
        }
        return out;
    }

    /** One decision and the state to write for it (null: nothing to write). */
    private record Step(ObjectNode state, FlowDecision decision) {
    }

    private Step decide(ObjectNode doc, CanonicalMessage m, String chatKey, List<FlowDefinition> enabled) {
        Instant now = clock.instant();
        String messageId = m.messageId();
        FlowDefinition def = doc == null ? null : definition(doc.path("flow").asText());
        if (doc != null && contains(doc.path("applied_ids"), messageId)) {
            // a redelivery of an answer already applied: the same sends again (same keys: the outbox sends once)
            boolean last = messageId.equals(doc.path("last_message_id").asText());
            return new Step(null, new FlowDecision(true, "duplicate", doc.path("flow").asText(),
                    last ? lastSends(doc) : List.of(), last ? nullable(doc.path("last_result")) : null,
                    last && def != null ? def.getResultIndex() : "", doc.path("result_id").asText(null),
                    last && def != null ? def.getResultUri() : ""));
        }
        boolean active = doc != null && "active".equals(doc.path("status").asText()) && def != null
                && def.isEnabled();
        if (active) {
            return answer(doc, def, m, chatKey, now);
        }
        for (FlowDefinition candidate : enabled) {
            if (starts(candidate, m)) {
                return start(doc, candidate, m, chatKey, now);
            }
        }
        return new Step(null, FlowDecision.notHandled("none"));
    }

    private Step start(ObjectNode old, FlowDefinition def, CanonicalMessage m, String chatKey, Instant now) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("chat_key", chatKey).put("flow", def.getName()).put("instance_id", sha(m.messageId()).substring(0, 16))
                .put("status", "active").put("step", def.getSteps().get(0).id())
                .put("version", old == null ? 1 : old.path("version").asLong() + 1)
                .put("provider", m.provider()).put("account_id", m.accountId()).put("chat_id", m.chatId())
                .put("sender_id", m.senderId()).put("sender_name", m.senderName())
                .put("started_at", now.toString()).put("invalid_answers", 0);
        s.putObject("answers");
        s.putObject("titles");
        applied(s, m, now, def);
        List<ObjectNode> sends = new ArrayList<>();
        sends.add(ask(def.getSteps().get(0), s));
        return new Step(s, finish(s, sends, null, def, "started", chatKey));
    }

    private Step answer(ObjectNode doc, FlowDefinition def, CanonicalMessage m, String chatKey, Instant now) {
        ObjectNode s = doc.deepCopy();
        s.put("version", doc.path("version").asLong() + 1);
        Instant last = doc.hasNonNull("last_message_at") ? Instant.parse(doc.get("last_message_at").asText()) : null;
        if (last != null && m.timestamp() != null && m.timestamp().isBefore(last)) {
            // older than the last answer applied: never applied, recorded as stale (ties keep arrival order)
            remember(s.withArray("stale_ids"), m.messageId());
            remember(s.withArray("applied_ids"), m.messageId());
            s.put("updated_at", now.toString());
            return new Step(s, finish(s, List.of(), null, def, "stale", chatKey));
        }
        String text = m.text() == null ? "" : m.text().trim();
        List<ObjectNode> sends = new ArrayList<>();
        applied(s, m, now, def);
        if (!doc.hasNonNull("expires_at") || !Instant.parse(doc.get("expires_at").asText()).isAfter(now)) {
            if (!def.getTimeoutText().isEmpty()) {
                sends.add(text(def.getTimeoutText(), s));
            }
            end(s, "timed_out", now);
            return new Step(s, finish(s, sends, null, def, "timed_out", chatKey));
        }
        String cancelText = text.toLowerCase(Locale.ROOT);
        if (def.getCancelWords().contains(cancelText)) {
            return cancel(s, def, chatKey, now);
        }
        int index = def.indexOf(s.path("step").asText());
        FlowDefinition.FlowStep step = def.getSteps().get(Math.max(index, 0));
        String[] value = validate(step, m, text);
        if (value == null) {
            s.put("invalid_answers", s.path("invalid_answers").asLong() + 1);
            if (!step.hint().isEmpty()) {
                sends.add(text(step.hint(), s));
            }
            sends.add(ask(step, s));
            return new Step(s, finish(s, sends, null, def, "invalid", chatKey));
        }
        s.with("answers").put(step.id(), value[0]);
        s.with("titles").put(step.id(), value[1]);
        String key = value[0].toLowerCase(Locale.ROOT);
        String target = step.next().getOrDefault(key, step.next().get("*"));
        int nextIndex = target == null ? index + 1 : def.indexOf(target);
        if ("cancel".equals(target)) {
            return cancel(s, def, chatKey, now);
        }
        if (target != null && nextIndex < 0) {
            throw new IllegalStateException("flow " + def.getName() + " step " + step.id() + ": no step " + target);
        }
        if (nextIndex >= def.getSteps().size()) {
            end(s, "completed", now);
            String resultId = chatKey + ":" + s.path("instance_id").asText();
            s.put("result_id", resultId);
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            result.put("flow", def.getName()).put("chat_key", chatKey).put("instance_id", s.path("instance_id").asText())
                    .put("provider", s.path("provider").asText()).put("account_id", s.path("account_id").asText())
                    .put("chat_id", s.path("chat_id").asText()).put("sender_id", s.path("sender_id").asText(null))
                    .put("sender_name", s.path("sender_name").asText(null))
                    .put("started_at", s.path("started_at").asText()).put("completed_at", now.toString());
            result.set("answers", s.get("answers").deepCopy());
            result.set("titles", s.get("titles").deepCopy());
            s.set("last_result", result);
            if (!def.getDoneText().isEmpty()) {
                sends.add(text(def.getDoneText(), s));
            }
            return new Step(s, finish(s, sends, result.toString(), def, "completed", chatKey));
        }
        FlowDefinition.FlowStep next = def.getSteps().get(nextIndex);
        s.put("step", next.id());
        sends.add(ask(next, s));
        return new Step(s, finish(s, sends, null, def, "answered", chatKey));
    }

    private Step cancel(ObjectNode s, FlowDefinition def, String chatKey, Instant now) {
        List<ObjectNode> sends = new ArrayList<>();
        if (!def.getCancelText().isEmpty()) {
            sends.add(text(def.getCancelText(), s));
        }
        end(s, "cancelled", now);
        return new Step(s, finish(s, sends, null, def, "cancelled", chatKey));
    }

    /** @return {value, title} of a valid answer, or null */
    private String[] validate(FlowDefinition.FlowStep step, CanonicalMessage m, String text) {
        String replyId = replyId(m);
        String replyTitle = replyTitle(m);
        String answer = text.isEmpty() && replyTitle != null ? replyTitle : text;
        switch (step.expect()) {
            case "choice" -> {
                for (String[] choice : step.choices()) {
                    if (replyId != null && choice[0].equalsIgnoreCase(replyId)) {
                        return choice;
                    }
                }
                for (String[] choice : step.choices()) {
                    if (choice[0].equalsIgnoreCase(answer) || choice[1].equalsIgnoreCase(answer)) {
                        return choice;
                    }
                }
                return null;
            }
            case "regex" -> {
                return step.regex().matcher(answer).matches() ? new String[] {answer, answer} : null;
            }
            case "route" -> {
                return !answer.isEmpty() && routeSaysValid(step.route(), answer) ? new String[] {answer, answer}
                        : null;
            }
            default -> {
                return answer.isEmpty() ? null : new String[] {answer, answer};
            }
        }
    }

    private boolean routeSaysValid(String route, String answer) {
        if (routeValidator != null) {
            return routeValidator.test(route, answer);
        }
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = camelContext.createProducerTemplate();
                }
                t = template;
            }
        }
        Object verdict = t.requestBody(route, answer);
        return verdict instanceof Boolean b ? b : "true".equalsIgnoreCase(String.valueOf(verdict).trim())
                || "valid".equalsIgnoreCase(String.valueOf(verdict).trim());
    }

    private static boolean starts(FlowDefinition def, CanonicalMessage m) {
        String id = replyId(m);
        if (id != null && def.getStartIds().contains(id.toLowerCase(Locale.ROOT))) {
            return true;
        }
        return def.getStartPattern() != null && m.text() != null && def.getStartPattern().matcher(m.text().trim())
                .matches();
    }

    /** The chosen id of a button or list answer (Meta's interactive, WAHA's mapped numbers, a template button). */
    static String replyId(CanonicalMessage m) {
        JsonNode interactive = m.details().interactive();
        if (interactive != null) {
            for (String kind : List.of("button_reply", "list_reply")) {
                if (interactive.path(kind).hasNonNull("id")) {
                    return interactive.path(kind).get("id").asText();
                }
            }
        }
        JsonNode button = m.details().button();
        return button != null && button.hasNonNull("payload") ? button.get("payload").asText() : null;
    }

    private static String replyTitle(CanonicalMessage m) {
        JsonNode interactive = m.details().interactive();
        if (interactive != null) {
            for (String kind : List.of("button_reply", "list_reply")) {
                if (interactive.path(kind).hasNonNull("title")) {
                    return interactive.path(kind).get("title").asText();
                }
            }
        }
        JsonNode button = m.details().button();
        return button != null && button.hasNonNull("text") ? button.get("text").asText() : null;
    }

    private void applied(ObjectNode s, CanonicalMessage m, Instant now, FlowDefinition def) {
        s.put("last_message_id", m.messageId());
        Instant at = m.timestamp() == null ? now : m.timestamp();
        Instant last = s.hasNonNull("last_message_at") ? Instant.parse(s.get("last_message_at").asText()) : null;
        s.put("last_message_at", (last != null && last.isAfter(at) ? last : at).toString());
        remember(s.withArray("applied_ids"), m.messageId());
        s.put("updated_at", now.toString());
        s.put("expires_at", now.plusMillis(Math.round(def.getTimeoutMinutes() * 60_000)).toString());
    }

    private static void end(ObjectNode s, String status, Instant now) {
        s.put("status", status).put("ended_at", now.toString()).put("updated_at", now.toString());
    }

    /** Turns the request templates into keyed sends, records them as the state's last sends. */
    private FlowDecision finish(ObjectNode s, List<ObjectNode> requests, String result, FlowDefinition def,
            String outcome, String chatKey) {
        List<Map<String, String>> sends = new ArrayList<>();
        ArrayNode recorded = JsonNodeFactory.instance.arrayNode();
        int n = 0;
        for (ObjectNode request : requests) {
            String key = "flow:" + chatKey + ":" + s.path("instance_id").asText() + ":" + s.path("version").asLong()
                    + ":" + n++;
            Map<String, String> send = new LinkedHashMap<>();
            send.put("key", key);
            send.put("request", request.toString());
            send.put("flow", def == null ? s.path("flow").asText() : def.getName());
            sends.add(send);
            recorded.addObject().put("key", key).set("request", request);
        }
        if (!"stale".equals(outcome)) {
            s.set("last_sends", recorded);
            if (result == null) {
                s.remove("last_result");
            }
        }
        return new FlowDecision(true, outcome, def == null ? s.path("flow").asText() : def.getName(), sends, result,
                def == null || result == null ? "" : def.getResultIndex(), s.path("result_id").asText(null),
                def == null || result == null ? "" : def.getResultUri());
    }

    private static List<Map<String, String>> lastSends(ObjectNode doc) {
        List<Map<String, String>> out = new ArrayList<>();
        for (JsonNode send : doc.path("last_sends")) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("key", send.path("key").asText());
            m.put("request", send.path("request").toString());
            m.put("flow", doc.path("flow").asText());
            out.add(m);
        }
        return out;
    }

    private ObjectNode ask(FlowDefinition.FlowStep step, ObjectNode s) {
        ObjectNode request = (ObjectNode) render(step.send().deepCopy(), s);
        return address(request, s);
    }

    private ObjectNode text(String text, ObjectNode s) {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("type", "text").put("text", render(text, s));
        return address(request, s);
    }

    private static ObjectNode address(ObjectNode request, ObjectNode s) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("provider", s.path("provider").asText()).put("account_id", s.path("account_id").asText())
                .put("chat_id", s.path("chat_id").asText());
        out.setAll(request);
        return out;
    }

    private static JsonNode render(JsonNode node, ObjectNode s) {
        if (node.isTextual()) {
            return TextNode.valueOf(render(node.asText(), s));
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (!"id".equals(name)) {
                    o.set(name, render(o.get(name), s));
                }
            }
        } else if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, render(a.get(i), s));
            }
        }
        return node;
    }

    /** Replaces {@code {step}} with the answer and {@code {step.title}} with the chosen title. */
    static String render(String text, ObjectNode s) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            JsonNode from = m.group(2) == null ? s.path("answers") : s.path("titles");
            JsonNode value = from.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value.asText()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void remember(ArrayNode ids, String id) {
        ids.add(id);
        while (ids.size() > REMEMBERED_IDS) {
            ids.remove(0);
        }
    }

    private static boolean contains(JsonNode ids, String id) {
        for (JsonNode n : ids) {
            if (id.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String nullable(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.toString();
    }

    private static void count(FlowDecision d) {
        Metrics.counter("gateway.flows.outcomes", "flow", String.valueOf(d.flow()), "outcome", d.outcome())
                .increment();
    }

    private static String sha(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private FlowDefinition definition(String name) {
        for (FlowDefinition d : definitions()) {
            if (d.getName().equals(name)) {
                return d;
            }
        }
        return null;
    }

    private List<FlowDefinition> definitions() {
        List<FlowDefinition> d = definitions;
        if (d == null) {
            // the flows are the FlowDefinition beans of routes/flows/*.camel.yaml (a plug-in point: found by type)
            d = List.copyOf(camelContext.getRegistry().findByType(FlowDefinition.class));
            definitions = d;
        }
        return d;
    }

    /**
     * Writes a completed flow's result to its index ({@code _id} deterministic: a repeat is one document).
     *
     * @param decision a decision with {@link FlowDecision#hasResultIndex()}
     */
    public void storeResult(FlowDecision decision) {
        try {
            states.writeResult(decision.resultIndex(), decision.resultId(),
                    (ObjectNode) MAPPER.readTree(decision.result()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Marks a flow message's document (field {@code flow}, the flow's name) once the send API stored it.
     *
     * @param sendAnswer the send API's answer {@code {"id":..,"state":..}}
     * @param flow       the flow's name
     */
    public void tagMessage(String sendAnswer, String flow) {
        try {
            String id = MAPPER.readTree(sendAnswer).path("id").asText(null);
            if (id != null && flow != null) {
                states.tagMessage(id, flow);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.debug("Not a send API answer: {}", e.getMessage());
        }
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** @param states where flow state is kept */
    public void setStates(FlowStates states) {
        this.states = states;
    }

    /** @param policy the age gate and the chat owner (shared with auto-reply) */
    public void setPolicy(AutoReplyPolicy policy) {
        this.policy = policy;
    }

    /** @param groups true: flows run in group chats too */
    public void setGroups(boolean groups) {
        this.groups = groups;
    }

    /** @param attempts most reads-decides-writes of one message before giving up (409 each time) */
    public void setAttempts(int attempts) {
        this.attempts = attempts;
    }

    /** @param definitions the flows (default: every {@link FlowDefinition} bean) */
    public void setDefinitions(List<FlowDefinition> definitions) {
        this.definitions = List.copyOf(definitions);
    }

    /** @param clock the time source (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }

    /** @param routeValidator answers route validations instead of calling the route (tests) */
    public void setRouteValidator(BiPredicate<String, String> routeValidator) {
        this.routeValidator = routeValidator;
    }
}
