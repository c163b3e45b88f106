package io.wagateway.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's decisions that need no Camel: optimistic concurrency (a 409 makes it read again and decide again),
 * deterministic idempotency keys, redelivery, stale answers, timeouts.
 */
class FlowEngineTest {

    static final String STEPS = """
            - id: name
              send: {type: text, text: "Your name?"}
              expect: "regex:\\\\S.{0,79}"
            - id: email
              send: {type: text, text: "Thanks {name}. Your email?"}
              expect: "regex:[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]{2,}"
              hint: "Not an email."
            - id: plan
              send: {type: list, text: "Plan?", button: Plans, sections: [{title: P, rows: [{id: basic, title: Basic}]}]}
              expect: choice
            """;
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryFlowStates states = new InMemoryFlowStates();
    private Instant now = T0;
    private FlowEngine engine;

    @BeforeEach
    void engine() {
        engine = engine(states);
    }

    private FlowEngine engine(FlowStates on) {
        FlowDefinition def = new FlowDefinition();
        def.setName("registration");
        def.setEnabled(true);
        def.setStartPattern("(?i)register");
        def.setStartIds("register");
        def.setTimeoutMinutes(5);
        def.setCancelWords("cancel");
        def.setTimeoutText("Timed out.");
        def.setResultIndex("whatsapp-registrations");
        def.setSteps(STEPS);
        FlowEngine e = new FlowEngine();
        e.setDefinitions(List.of(def));
        e.setStates(on);
        e.setPolicy(new AppOwnedPolicy());
        e.setClock(new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneId.of("UTC");
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        });
        return e;
    }

    static CanonicalMessage text(String id, String text, int second) {
        Instant at = T0.plusSeconds(second);
        return new CanonicalMessage("waha", "default", id, "15550100001@c.us", "direct", null, "15550100001@c.us",
                "Alex", false, "text", text, null, null, at, at, "received", null);
    }

    private JsonNode state() {
        return states.docs.get("waha:default:15550100001@c.us").doc();
    }

    private static JsonNode request(FlowDecision d, int n) throws Exception {
        return JSON.readTree(d.sends().get(n).get("request"));
    }

    @Test
    void aFlowSwitchedOffHasNoBehaviourAndReadsNoState() {
        FlowDefinition off = new FlowDefinition();
        off.setName("registration");
        off.setEnabled(false);
        off.setStartPattern("(?i)register");
        off.setSteps(STEPS);
        FlowStates untouchable = new InMemoryFlowStates() {
            @Override
            public Versioned read(String chatKey) {
                throw new AssertionError("a flow that is off must not read state");
            }
        };
        FlowEngine e = engine(untouchable);
        e.setDefinitions(List.of(off));
        FlowDecision d = e.dispatch(text("m1", "register", 1));
        assertThat(d.handled()).isFalse();
        assertThat(d.outcome()).isEqualTo("off");
        assertThat(e.expire()).isEmpty();
    }

    @Test
    void aConflictMakesTheEngineReadAgainAndDecideAgain() throws Exception {
        engine.dispatch(text("m1", "register", 1));
        FlowEngine other = engine(states);          // a second instance on the same state
        // instance A read the state at step "name" and would take the email as the name; instance B writes the name
        // between A's read and A's write: A's write is a conflict, A reads again and takes it as the email
        states.beforeWrite = () -> other.dispatch(text("m2", "Ana", 2));
        FlowDecision d = engine.dispatch(text("m3", "ana@example.com", 3));

        assertThat(states.conflicts.get()).isEqualTo(1);
        assertThat(d.outcome()).isEqualTo("answered");
        assertThat(state().path("answers").path("name").asText()).isEqualTo("Ana");
        assertThat(state().path("answers").path("email").asText()).isEqualTo("ana@example.com");
        assertThat(state().path("step").asText()).isEqualTo("plan");
        assertThat(state().path("version").asLong()).isEqualTo(3);
        assertThat(d.sends()).hasSize(1);
        assertThat(request(d, 0).path("type").asText()).isEqualTo("list");
        String instance = state().path("instance_id").asText();
        assertThat(d.sends().get(0).get("key")).isEqualTo("flow:waha:default:15550100001@c.us:" + instance + ":3:0");
    }

    @Test
    void aWriterThatAlwaysLosesGivesUpAfterTheConfiguredAttempts() {
        engine.dispatch(text("m1", "register", 1));
        FlowStates alwaysConflicting = new InMemoryFlowStates() {
            @Override
            public Versioned read(String chatKey) {
                return states.read(chatKey);
            }

            @Override
            public boolean write(String chatKey, com.fasterxml.jackson.databind.node.ObjectNode doc, Versioned base) {
                return false;
            }
        };
        FlowEngine loser = engine(alwaysConflicting);
        loser.setAttempts(3);
        assertThatThrownBy(() -> loser.dispatch(text("m2", "Ana", 2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3 conflicts");
    }

    @Test
    void aRedeliveredAnswerRepeatsTheSameSendsAndChangesNothing() {
        engine.dispatch(text("m1", "register", 1));
        FlowDecision first = engine.dispatch(text("m2", "Ana", 2));
        JsonNode before = state().deepCopy();
        FlowDecision again = engine.dispatch(text("m2", "Ana", 2));
        assertThat(again.outcome()).isEqualTo("duplicate");
        assertThat(again.handled()).isTrue();
        assertThat(again.sends()).isEqualTo(first.sends());
        assertThat(state()).isEqualTo(before);
        // an older applied message redelivered: nothing at all
        assertThat(engine.dispatch(text("m1", "register", 1)).sends()).isEmpty();
    }

    @Test
    void anAnswerOlderThanTheLastAppliedIsRecordedAsStaleAndNotApplied() {
        engine.dispatch(text("m1", "register", 1));
        engine.dispatch(text("m3", "Ana", 30));
        FlowDecision stale = engine.dispatch(text("m2", "Bob", 20));
        assertThat(stale.outcome()).isEqualTo("stale");
        assertThat(stale.handled()).isTrue();
        assertThat(stale.sends()).isEmpty();
        assertThat(state().path("answers").path("name").asText()).isEqualTo("Ana");
        assertThat(state().path("step").asText()).isEqualTo("email");
        assertThat(state().path("stale_ids").toString()).contains("m2");
    }

    @Test
    void anIdleFlowTimesOutOnceWithItsMessage() throws Exception {
        engine.dispatch(text("m1", "register", 1));
        now = T0.plusSeconds(4 * 60);
        assertThat(engine.expire()).isEmpty();
        now = T0.plusSeconds(6 * 60);
        List<FlowDecision> ended = engine.expire();
        assertThat(ended).hasSize(1);
        assertThat(request(ended.get(0), 0).path("text").asText()).isEqualTo("Timed out.");
        assertThat(state().path("status").asText()).isEqualTo("timed_out");
        assertThat(engine.expire()).isEmpty();
        // after the timeout a new start is a new instance with new keys
        FlowDecision restart = engine.dispatch(text("m9", "register", 400));
        assertThat(restart.outcome()).isEqualTo("started");
        assertThat(restart.sends().get(0).get("key")).isNotEqualTo(ended.get(0).sends().get(0).get("key"));
    }

    @Test
    void completingWritesTheResultWithAnIdThatARedeliveryKeeps() {
        engine.dispatch(text("m1", "register", 1));
        engine.dispatch(text("m2", "Ana", 2));
        engine.dispatch(text("m3", "nope", 3));
        assertThat(state().path("invalid_answers").asLong()).isEqualTo(1);
        engine.dispatch(text("m4", "ana@example.com", 4));
        FlowDecision done = engine.dispatch(text("m5", "Basic", 5));
        assertThat(done.outcome()).isEqualTo("completed");
        assertThat(done.hasResultIndex()).isTrue();
        FlowDecision again = engine.dispatch(text("m5", "Basic", 5));
        assertThat(again.resultId()).isEqualTo(done.resultId());
        assertThat(again.result()).isEqualTo(done.result());
        assertThat(done.result()).contains("\"plan\":\"basic\"", "\"email\":\"ana@example.com\"");
        assertThat(Map.of("status", state().path("status").asText())).containsEntry("status", "completed");
    }
}
