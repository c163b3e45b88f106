package io.wagateway.provider.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.MetaCoexistenceIT;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link MetaNormalizer} makes of Meta's standby, messaging_handovers, history and calls examples (the payloads
 * of {@link MetaCoexistenceIT}, each from the Meta reference page named there): the items the pipeline sees.
 */
class MetaCoexistenceNormalizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MetaNormalizer normalizer = new MetaNormalizer();

    private List<WebhookItem> normalize(String body) throws Exception {
        return normalizer.normalize(JSON.readTree(body));
    }

    @Test
    void callsConnectAndTerminateAreCallEventsWithTheirRawItem() throws Exception {
        List<WebhookItem> connect = normalize(MetaCoexistenceIT.CALL_CONNECT);
        assertThat(connect).hasSize(1);
        IgnoredEvent e = (IgnoredEvent) connect.get(0);
        assertThat(e.event()).isEqualTo("calls.connect");
        assertThat(e.reason()).isEqualTo("call-event");
        assertThat(e.accountId()).isEqualTo("105615555715855");
        // the raw item is a replayable change holding this one call
        assertThat(e.raw().path("field").asText()).isEqualTo("calls");
        assertThat(e.raw().path("value").path("calls")).hasSize(1);
        JsonNode call = e.raw().path("value").path("calls").path(0);
        assertThat(call.path("id").asText()).isEqualTo("wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh");
        assertThat(call.path("session").path("sdp_type").asText()).isEqualTo("answer");
        assertThat(e.raw().path("value").path("metadata").path("phone_number_id").asText())
                .isEqualTo("105615555715855");

        IgnoredEvent t = (IgnoredEvent) normalize(MetaCoexistenceIT.CALL_TERMINATE).get(0);
        assertThat(t.event()).isEqualTo("calls.terminate");
        assertThat(t.raw().path("value").path("calls").path(0).path("duration").asInt()).isEqualTo(120);
        // the change's errors travel with the call they explain
        assertThat(t.raw().path("value").path("errors").path(0).path("code").asInt()).isEqualTo(138007);
    }

    @Test
    void handoversBecomeOwnerChangesInTheGatewaysWords() throws Exception {
        ChatOwnerChange taken = (ChatOwnerChange) normalize(MetaCoexistenceIT.controlTaken(1750101000)).get(0);
        assertThat(taken.owner()).isEqualTo("human");
        assertThat(taken.previousOwner()).isEqualTo("app");
        assertThat(taken.event()).isEqualTo("control_taken");
        assertThat(taken.accountId()).isEqualTo("106540352242922");
        assertThat(taken.chatId()).isEqualTo("16505551234");
        assertThat(taken.timestamp()).isEqualTo(Instant.ofEpochSecond(1750101000));
        assertThat(taken.inferred()).isFalse();

        ChatOwnerChange passed = (ChatOwnerChange) normalize(MetaCoexistenceIT.controlPassed(1750101060)).get(0);
        assertThat(passed.owner()).isEqualTo("app");
        assertThat(passed.previousOwner()).isEqualTo("meta_agent");
        assertThat(passed.settingsId()).isEqualTo("meta:106540352242922:16505551234");

        assertThat(MetaHandovers.owner(null, "ai_agent")).isEqualTo("meta_agent");
        assertThat(MetaHandovers.owner("meta_business_agent", null)).isEqualTo("meta_agent");
        assertThat(MetaHandovers.owner(null, "escalation")).isEqualTo("human");
        assertThat(MetaHandovers.owner(null, "customer_service")).isEqualTo("other_app");
        assertThat(MetaHandovers.owner(null, null)).isEqualTo("other_app");
    }

    @Test
    void aHandoverWithoutUserOrOfAnotherTypeIsKeptAsAnEvent() throws Exception {
        JsonNode body = JSON.readTree(MetaCoexistenceIT.controlTaken(1750101000));
        JsonNode value = body.path("entry").path(0).path("changes").path(0).path("value");
        ((com.fasterxml.jackson.databind.node.ObjectNode) value).remove("sender");
        IgnoredEvent noSender = (IgnoredEvent) normalizer.normalize(body).get(0);
        assertThat(noSender.event()).isEqualTo("messaging_handovers.control_taken");
        assertThat(noSender.reason()).isEqualTo("no-sender");
        assertThat(noSender.raw().path("field").asText()).isEqualTo("messaging_handovers");
        assertThat(noSender.raw().path("value")).isEqualTo(value);

        ((com.fasterxml.jackson.databind.node.ObjectNode) value).put("type", "control_shared");
        IgnoredEvent other = (IgnoredEvent) normalizer.normalize(body).get(0);
        assertThat(other.reason()).isEqualTo("unknown-handover-type");
    }

    @Test
    void standbyYieldsFlaggedMessagesEchoesStatusesAndAnInferredOwner() throws Exception {
        List<WebhookItem> in = normalize(MetaCoexistenceIT.STANDBY_INBOUND);
        assertThat(in).hasSize(2);
        CanonicalMessage m = (CanonicalMessage) in.get(0);
        assertThat(m.details().standby()).isTrue();
        assertThat(m.details().webhookField()).isEqualTo("standby");
        ChatOwnerChange owner = (ChatOwnerChange) in.get(1);
        assertThat(owner.owner()).isEqualTo("meta_agent");
        assertThat(owner.inferred()).isTrue();

        CanonicalMessage echo = (CanonicalMessage) normalize(MetaCoexistenceIT.STANDBY_ECHO).get(0);
        assertThat(echo.fromMe()).isTrue();
        assertThat(echo.chatId()).isEqualTo("16505551234");
        assertThat(echo.raw().has("message")).isTrue();      // the echo as Meta sent it

        LifecycleUpdate status = (LifecycleUpdate) normalize(MetaCoexistenceIT.STANDBY_STATUS).get(0);
        assertThat(status.status()).isEqualTo("delivered");
        assertThat(status.targetMessageId()).isEqualTo("wamid.STANDBY_ECHO_1");
    }

    @Test
    void historyMessagesAreFlaggedWithDirectionStatusAndThreadAndADeclinedSyncIsAnEvent() throws Exception {
        List<WebhookItem> items = normalize(MetaCoexistenceIT.HISTORY);
        assertThat(items).hasSize(4).allSatisfy(i -> {
            CanonicalMessage c = (CanonicalMessage) i;
            assertThat(c.details().history()).isTrue();
            assertThat(c.details().webhookField()).isEqualTo("history");
        });
        assertThat(items.stream().map(i -> ((CanonicalMessage) i).fromMe()).toList())
                .containsExactly(true, true, false, true);
        assertThat(items.stream().map(i -> ((CanonicalMessage) i).chatId()).toList())
                .containsExactly("16505551234", "16505551234", "16505551234", "12125557890");

        // webhooks/reference/history, "Chat history sharing declined"
        String declined = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"history",
                 "value":{"messaging_product":"whatsapp",
                  "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
                  "history":[{"errors":[{"code":2593109,
                    "title":"History sync is turned off by the business from the WhatsApp Business App",
                    "message":"History sync is turned off by the business from the WhatsApp Business App",
                    "error_data":{"details":"History sharing is turned off by the business"}}]}]}}]}]}""";
        List<WebhookItem> off = normalize(declined);
        assertThat(off).hasSize(1);
        IgnoredEvent e = (IgnoredEvent) off.get(0);
        assertThat(e.event()).isEqualTo("history");
        assertThat(e.reason()).isEqualTo("history-errors");
        assertThat(e.raw().path("value").path("history").path(0).path("errors").path(0).path("code").asInt())
                .isEqualTo(2593109);
    }
}
