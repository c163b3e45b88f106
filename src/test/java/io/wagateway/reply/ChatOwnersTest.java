package io.wagateway.reply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.ChatOwnerChange;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link ChatOwners#verdict}: which ownership changes apply to a chat settings document, in any delivery order. */
class ChatOwnersTest {

    private static final Instant T = Instant.ofEpochSecond(1750101000);

    private static ChatOwnerChange change(String owner, String event, Instant at, boolean inferred) {
        return new ChatOwnerChange("meta", "106540352242922", "16505551234", owner, null, event, null, at, T,
                inferred, null);
    }

    private static ObjectNode doc(String owner, String event, Instant since) {
        ObjectNode d = new ObjectMapper().createObjectNode().put("auto_reply", true);
        if (owner != null) {
            d.put("owner", owner).put("owner_event", event).put("owner_since", since.toString());
        }
        return d;
    }

    @Test
    void aNewerHandoverAppliesAnOlderOneIsStaleAndARedeliveryChangesNothing() {
        ObjectNode passed = doc("app", "control_passed", T.plusSeconds(60));
        assertThat(ChatOwners.verdict(change("human", "control_taken", T, false), passed)).isEqualTo("owner_stale");
        assertThat(ChatOwners.verdict(change("human", "control_taken", T.plusSeconds(61), false), passed)).isNull();
        assertThat(ChatOwners.verdict(change("app", "control_passed", T.plusSeconds(60), false), passed))
                .isEqualTo("owner_unchanged");
        // the same second, another event: the one processed last wins
        assertThat(ChatOwners.verdict(change("human", "control_taken", T.plusSeconds(60), false), passed)).isNull();
        assertThat(ChatOwners.verdict(change("human", "control_taken", T, false), doc(null, null, null))).isNull();
    }

    @Test
    void anInferredOwnerReplacesOnlyAnUnknownOwnerOrAppAndOnlyWhenStrictlyNewer() {
        ChatOwnerChange standby = change("meta_agent", "standby", T.plusSeconds(60), true);
        assertThat(ChatOwners.verdict(standby, doc(null, null, null))).isNull();
        assertThat(ChatOwners.verdict(standby, doc("app", "control_passed", T))).isNull();
        assertThat(ChatOwners.verdict(standby, doc("app", "control_passed", T.plusSeconds(60))))
                .isEqualTo("owner_stale");
        assertThat(ChatOwners.verdict(standby, doc("human", "control_taken", T))).isEqualTo("owner_kept");
        assertThat(ChatOwners.verdict(standby, doc("meta_agent", "standby", T))).isEqualTo("owner_unchanged");
    }

    @Test
    void ofTwoRecordsOfOneCustomerTheNewerOwnerCounts() {
        // a chat keyed on the BSUID (standby copy) and a handover naming the phone: AutoReplyPolicy#allowed
        var byBsuid = new AutoReplyPolicy.ChatSettings(null, "meta_agent", T);
        var byPhone = new AutoReplyPolicy.ChatSettings(null, "app", T.plusSeconds(60));
        var byHand = new AutoReplyPolicy.ChatSettings(null, "app", null);
        assertThat(byPhone.newerThan(byBsuid)).isTrue();
        assertThat(byBsuid.newerThan(byPhone)).isFalse();
        assertThat(byHand.newerThan(byBsuid)).isFalse();
        assertThat(byBsuid.newerThan(byHand)).isTrue();
    }
}
