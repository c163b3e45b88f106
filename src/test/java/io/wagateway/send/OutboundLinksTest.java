package io.wagateway.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wagateway.message.CanonicalMessage;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What OutboundLinks decides without Elasticsearch: which ids a send is linked under, which messages pay a read. */
class OutboundLinksTest {

    private static CanonicalMessage message(String provider, String id, boolean fromMe) {
        return new CanonicalMessage(provider, "acct", id, "15550100001@c.us", "direct", null, "s", null, fromMe,
                "text", "t", null, null, Instant.EPOCH, Instant.EPOCH, "received", null);
    }

    @Test
    void periskopeSendsAreLinkedUnderTheUniqueIdAndTheMessageIdItsWebhooksCarry() {
        // providers.md §3.7: the send answers unique_id; §3.5 and the from_me fixture: message_id = true_<chat>_<id>
        assertThat(OutboundLinks.providerIds("periskope", "15550100100@c.us", "15550100001@c.us", "3EB0X"))
                .containsExactly("3EB0X", "true_15550100001@c.us_3EB0X");
        assertThat(OutboundLinks.providerIds("periskope", "15550100100@c.us", "120363000000000001@g.us", "3EB0X"))
                .containsExactly("3EB0X", "true_120363000000000001@g.us_3EB0X_15550100100@c.us");
        // send-sync answers message.message_id: already the webhooks' id
        assertThat(OutboundLinks.providerIds("periskope", "15550100100@c.us", "15550100001@c.us",
                "true_15550100001@c.us_3EB0X")).containsExactly("true_15550100001@c.us_3EB0X");
        assertThat(OutboundLinks.providerIds("waha", "default", "15550100001@c.us", "true_15550100001@c.us_3EB0X"))
                .containsExactly("true_15550100001@c.us_3EB0X");
        assertThat(OutboundLinks.providerIds("unipile", "acct", "chat", "FAKEmsg1")).containsExactly("FAKEmsg1");
    }

    /** No store is set: a message that tried to read its link would fail. */
    @Test
    void onlyOwnMessagesOfProvidersThatEchoReadTheirLink() throws Exception {
        OutboundLinks links = new OutboundLinks();
        for (CanonicalMessage m : new CanonicalMessage[] {message("waha", "false_x", false),
                message("meta", "wamid.X", true), message("waha", "out:abc", true)}) {
            assertThat(links.echo(m).get()).isSameAs(m);
        }
        CanonicalMessage own = message("waha", "true_x", true);
        assertThatThrownBy(() -> links.echo(own)).as("it reads its link").isInstanceOf(NullPointerException.class);
    }
}
