package io.wagateway.reply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The rules of the hand-over that need no Elasticsearch: keywords as whole words ({@link HandOverTriggers}), the
 * model's marker, the owner history kept to its last 50 entries and who the idle timeout may hand back
 * ({@link ChatOwners}).
 */
class HandOverRulesTest {

    private static CanonicalMessage text(String text) {
        return new CanonicalMessage("meta", "1065", "wamid.1", "1650", "direct", null, "1650", null, false, "text",
                text, null, null, Instant.now(), Instant.now(), "received", null);
    }

    @Test
    void aKeywordMatchesAsAWholeWordInAnyCaseAndAnEmptyListIsOff() {
        HandOverTriggers t = new HandOverTriggers();
        t.setKeywords(" agent , human,person,");
        assertThat(t.keyword(text("I need an AGENT!"))).isTrue();
        assertThat(t.keyword(text("human?"))).isTrue();
        assertThat(t.keyword(text("can a real person help"))).isTrue();
        assertThat(t.keyword(text("our agents are busy"))).isFalse();
        assertThat(t.keyword(text("Agentur Müller"))).isFalse();
        assertThat(t.keyword(text("superhuman"))).isFalse();
        assertThat(t.keyword(text("person_x"))).isFalse();
        assertThat(t.keyword(text(null))).isFalse();
        t.setKeywords("a.b");                       // quoted: the dot is not a wildcard
        assertThat(t.keyword(text("say a.b now"))).isTrue();
        assertThat(t.keyword(text("say axb now"))).isFalse();
        t.setKeywords("");
        assertThat(t.keyword(text("agent"))).isFalse();
    }

    @Test
    void theKeywordAnswerIsASendRequestToTheMessagesChatOnlyWhenConfigured() {
        HandOverTriggers t = new HandOverTriggers();
        assertThat(t.keywordAnswer(text("agent"))).isNull();
        t.setKeywordAnswer("A person will answer.");
        assertThat(t.keywordAnswer(text("agent"))).containsEntry("provider", "meta").containsEntry("account_id", "1065")
                .containsEntry("chat_id", "1650").containsEntry("type", "text")
                .containsEntry("text", "A person will answer.");
    }

    @Test
    void theMarkerIsFoundRemovedAndReplacedWhenItWasTheWholeAnswer() {
        HandOverTriggers t = new HandOverTriggers();
        t.setMarker("[[HANDOVER]]");
        t.setLlmAnswer("A person will answer you soon.");
        assertThat(t.asksForPerson("Sure, [[HANDOVER]] one moment")).isTrue();
        assertThat(t.asksForPerson("Sure, [HANDOVER] one moment")).isFalse();
        assertThat(t.withoutMarker("[[HANDOVER]] I am passing you on.")).isEqualTo("I am passing you on.");
        assertThat(t.withoutMarker("  [[HANDOVER]] ")).isEqualTo("A person will answer you soon.");
        t.setMarker("");
        assertThat(t.asksForPerson("[[HANDOVER]]")).isFalse();
    }

    @Test
    void theHistoryKeepsTheLast50ChangesAndNamesTheCurrentOnesAuthor() {
        ObjectNode doc = new ObjectMapper().createObjectNode();
        for (int i = 0; i < 60; i++) {
            ChatOwners.record(doc, i % 2 == 0 ? "human" : "app", i % 2 == 0 ? "app" : "human",
                    Instant.ofEpochSecond(i).toString(), "operator", "op" + i, null, "take_over");
        }
        assertThat(doc.get("owner_history")).hasSize(ChatOwners.HISTORY_SIZE);
        assertThat(doc.get("owner_history").get(0).path("operator").asText()).isEqualTo("op10");
        assertThat(doc.get("owner_history").get(49).path("operator").asText()).isEqualTo("op59");
        assertThat(doc.path("owner_operator").asText()).isEqualTo("op59");
        ChatOwners.record(doc, "app", "human", Instant.now().toString(), "timeout", null, "idle", "hand_back");
        assertThat(doc.path("owner_by").asText()).isEqualTo("timeout");
        assertThat(doc.has("owner_operator")).isFalse();
        assertThat(doc.get("owner_history").get(49).path("previous_owner").asText()).isEqualTo("human");
    }

    @Test
    void theIdleTimeoutTakesOnlyQuietChatsAPersonOwnsThatTheGatewayHandedOver() {
        Instant cutoff = Instant.parse("2026-12-01T10:00:00Z");
        ObjectNode quiet = new ObjectMapper().createObjectNode().put("owner", "human").put("owner_by", "keyword")
                .put("owner_since", "2026-12-01T09:00:00Z").put("last_message_at", "2026-12-01T09:30:00Z");
        assertThat(ChatOwners.idle(quiet, cutoff)).isTrue();
        assertThat(ChatOwners.idle(quiet.deepCopy().put("last_message_at", "2026-12-01T10:00:00Z"), cutoff)).isFalse();
        assertThat(ChatOwners.idle(quiet.deepCopy().put("owner_since", "2026-12-01T10:05:00Z"), cutoff)).isFalse();
        assertThat(ChatOwners.idle(quiet.deepCopy().put("owner_by", "provider"), cutoff)).isFalse(); // Meta's escalation
        assertThat(ChatOwners.idle(quiet.deepCopy().put("owner", "app"), cutoff)).isFalse();
        assertThat(ChatOwners.idle(quiet.deepCopy().put("owner", "meta_agent"), cutoff)).isFalse();
    }
}
