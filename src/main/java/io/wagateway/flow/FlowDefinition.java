package io.wagateway.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * One multi-step flow, declared as a bean in its own route file ({@code routes/flows/<name>.camel.yaml}, docs/flows.md):
 * how it starts (a keyword pattern and/or button/list reply ids), its steps (YAML text, parsed once), its timeout,
 * cancel words and texts, and where its result goes (an index and/or an endpoint URI). Plain data: the engine
 * ({@link FlowEngine}) runs it. Properties are set by Camel's bean binding; {@link #getSteps} parses lazily.
 */
public class FlowDefinition {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String name;
    private boolean enabled;
    private Pattern startPattern;
    private Set<String> startIds = Set.of();
    private double timeoutMinutes = 30;
    private Set<String> cancelWords = Set.of();
    private String cancelText = "";
    private String timeoutText = "";
    private String doneText = "";
    private String resultIndex = "";
    private String resultUri = "";
    private String stepsYaml = "";
    private volatile List<FlowStep> steps;

    /**
     * A step: what is sent ({@code send}, a send API request without provider/account/chat), what answer is valid
     * ({@code expect}: {@code text}, {@code choice}, {@code regex:<pattern>} or {@code route:direct:<name>}), the hint
     * sent with the question again after an invalid answer, and where to go next ({@code next}: answer → step id, or
     * {@code cancel}; default the following step, the end after the last).
     *
     * @param id     the step's id, the key of its answer in {@code answers}
     * @param send   the request template ({@code {answer-id}} placeholders in its strings)
     * @param expect the validation kind
     * @param regex  the pattern for {@code regex} (whole answer, trimmed)
     * @param route  the endpoint for {@code route}: it gets the answer as body and sets it to true/false (or "valid")
     * @param hint   text sent before the question is asked again
     * @param next   answer (choice id or text, lower case) → next step id or {@code cancel}; {@code *} any other
     */
    public record FlowStep(String id, ObjectNode send, String expect, Pattern regex, String route, String hint,
            java.util.Map<String, String> next) {

        /** @return the ids and titles of the buttons or list rows this step offers (empty for text) */
        public List<String[]> choices() {
            List<String[]> out = new ArrayList<>();
            for (JsonNode b : send.path("buttons")) {
                out.add(new String[] {b.path("id").asText(), b.path("title").asText()});
            }
            for (JsonNode s : send.path("sections")) {
                for (JsonNode r : s.path("rows")) {
                    out.add(new String[] {r.path("id").asText(), r.path("title").asText()});
                }
            }
            return out;
        }
    }

    /** @return the steps, in order (parsed from the {@code steps} YAML on first use) */
    public List<FlowStep> getSteps() {
        List<FlowStep> s = steps;
        if (s == null) {
            s = parse(stepsYaml);
            steps = s;
        }
        return s;
    }

    /**
     * @param id a step id
     * @return its index in {@link #getSteps}, or -1
     */
    public int indexOf(String id) {
        List<FlowStep> all = getSteps();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    static List<FlowStep> parse(String yaml) {
        Object loaded = new Load(LoadSettings.builder().build()).loadFromString(yaml == null ? "" : yaml);
        JsonNode tree = MAPPER.valueToTree(loaded);
        if (!(tree instanceof ArrayNode list) || list.isEmpty()) {
            throw new IllegalArgumentException("a flow's steps must be a non-empty YAML list");
        }
        List<FlowStep> out = new ArrayList<>();
        for (JsonNode n : list) {
            String id = n.path("id").asText(null);
            if (id == null || !n.path("send").isObject()) {
                throw new IllegalArgumentException("every step needs an id and a send: " + n);
            }
            String expect = n.path("expect").asText("text");
            Pattern regex = null;
            String route = null;
            if (expect.startsWith("regex:")) {
                regex = Pattern.compile(expect.substring(6).trim());
                expect = "regex";
            } else if (expect.startsWith("route:")) {
                route = expect.substring(6).trim();
                expect = "route";
            } else if (!"text".equals(expect) && !"choice".equals(expect)) {
                throw new IllegalArgumentException("step " + id + ": expect is text, choice, regex:... or route:...");
            }
            java.util.Map<String, String> next = new java.util.LinkedHashMap<>();
            n.path("next").fields().forEachRemaining(e ->
                    next.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
            out.add(new FlowStep(id, (ObjectNode) n.get("send"), expect, regex, route, n.path("hint").asText(""),
                    next));
        }
        return List.copyOf(out);
    }

    private static Set<String> csv(String value) {
        return value == null ? Set.of() : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** @return the flow's name (the state's {@code flow}, part of idempotency keys) */
    public String getName() {
        return name;
    }

    /** @param name the flow's name */
    public void setName(String name) {
        this.name = name;
    }

    /** @return true when the flow may start and act */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled false: the flow never starts, and a state of it left active is not acted on */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the start pattern (whole text, trimmed), or null */
    public Pattern getStartPattern() {
        return startPattern;
    }

    /** @param regex a text matching it in full (trimmed) starts the flow; empty = no keyword */
    public void setStartPattern(String regex) {
        this.startPattern = regex == null || regex.isBlank() ? null : Pattern.compile(regex);
    }

    /** @return the button/list reply ids that start the flow (lower case) */
    public Set<String> getStartIds() {
        return startIds;
    }

    /** @param csv comma list of button/list reply ids (or template button payloads) that start the flow */
    public void setStartIds(String csv) {
        this.startIds = csv(csv);
    }

    /** @return minutes of silence after which the flow ends as {@code timed_out} */
    public double getTimeoutMinutes() {
        return timeoutMinutes;
    }

    /** @param timeoutMinutes minutes of silence after which the flow ends as {@code timed_out} (0.5 = 30 s) */
    public void setTimeoutMinutes(double timeoutMinutes) {
        this.timeoutMinutes = timeoutMinutes;
    }

    /** @return the words (whole answer, lower case) that cancel the flow */
    public Set<String> getCancelWords() {
        return cancelWords;
    }

    /** @param csv comma list of words that, as the whole answer (any case), cancel the flow */
    public void setCancelWords(String csv) {
        this.cancelWords = csv(csv);
    }

    /** @return text sent when the flow is cancelled (empty: none) */
    public String getCancelText() {
        return cancelText;
    }

    /** @param cancelText text sent when the flow is cancelled (empty: none) */
    public void setCancelText(String cancelText) {
        this.cancelText = cancelText == null ? "" : cancelText;
    }

    /** @return text sent when the flow times out (empty: none) */
    public String getTimeoutText() {
        return timeoutText;
    }

    /** @param timeoutText text sent when the flow times out (empty: none) */
    public void setTimeoutText(String timeoutText) {
        this.timeoutText = timeoutText == null ? "" : timeoutText;
    }

    /** @return text sent when the flow completed, with {@code {step-id}} placeholders (empty: none) */
    public String getDoneText() {
        return doneText;
    }

    /** @param doneText text sent when the flow completed, with {@code {step-id}} placeholders (empty: none) */
    public void setDoneText(String doneText) {
        this.doneText = doneText == null ? "" : doneText;
    }

    /** @return the index the result document is written to (empty: none) */
    public String getResultIndex() {
        return resultIndex;
    }

    /** @param resultIndex the index the result document is written to, {@code _id} = chat key + instance (empty: none) */
    public void setResultIndex(String resultIndex) {
        this.resultIndex = resultIndex == null ? "" : resultIndex;
    }

    /** @return the endpoint URI the result document is sent to (empty: none) */
    public String getResultUri() {
        return resultUri;
    }

    /** @param resultUri an endpoint URI the result document (JSON) is sent to, e.g. {@code direct:crm} (empty: none) */
    public void setResultUri(String resultUri) {
        this.resultUri = resultUri == null ? "" : resultUri;
    }

    /** @param yaml the steps, a YAML list (docs/flows.md) */
    public void setSteps(String yaml) {
        this.stepsYaml = yaml;
        this.steps = null;
    }
}
