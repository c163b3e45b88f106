package io.wagateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.inbound.MappedWebhookItems;
import io.wagateway.message.ContentHash;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.meta.MetaNormalizer;
import io.wagateway.provider.periskope.PeriskopeNormalizer;
import io.wagateway.provider.unipile.UnipileNormalizer;
import io.wagateway.provider.waha.WahaNormalizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 8: every normaliser hands its raw item to the {@link IgnoredEvent} it makes, so the events index keeps
 * what the provider sent (and a replay can re-feed it). Before, every IgnoredEvent carried {@code raw = null}.
 */
class IgnoredEventRawTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static IgnoredEvent only(List<WebhookItem> items) {
        assertThat(items).hasSize(1);
        return (IgnoredEvent) items.get(0);
    }

    @Test
    void metaKeepsTheChangeOfAnUnhandledFieldAndTheBodyWhenTheBodyIsUnknown() throws Exception {
        JsonNode body = JSON.readTree(EventsIT.META_USER_PREFERENCES);
        IgnoredEvent e = only(new MetaNormalizer().normalize(body));
        assertThat(e.reason()).isEqualTo("unhandled-field");
        assertThat(e.raw()).isEqualTo(body.at("/entry/0/changes/0"));

        JsonNode page = JSON.readTree("{\"object\":\"page\",\"entry\":[]}");
        IgnoredEvent unknown = only(new MetaNormalizer().normalize(page));
        assertThat(unknown.reason()).isEqualTo("unknown-object");
        assertThat(unknown.raw()).isEqualTo(page);
    }

    @Test
    void wahaPeriskopeUnipileAndMappedProvidersKeepTheWholeBody() throws Exception {
        JsonNode waha = JSON.readTree(EventsIT.WAHA_NEW_EVENT);
        assertThat(only(new WahaNormalizer().normalize(waha)).raw()).isEqualTo(waha);
        JsonNode periskope = JSON.readTree("{\"event\":\"something.new\",\"org_id\":\"org-1\",\"data\":{\"x\":1}}");
        assertThat(only(new PeriskopeNormalizer().normalize(periskope)).raw()).isEqualTo(periskope);
        JsonNode unipile = JSON.readTree("{\"event\":\"something_new\",\"account_id\":\"A1\"}");
        assertThat(only(new UnipileNormalizer().normalize(unipile)).raw()).isEqualTo(unipile);
        JsonNode mapped = JSON.readTree("{\"kind\":\"ignored\",\"provider\":\"evolution\",\"account_id\":\"shop\","
                + "\"event\":\"connection.update\",\"reason\":\"non-message-event\",\"raw\":{\"event\":\"connection.update\"}}");
        assertThat(only(new MappedWebhookItems().items(mapped)).raw()).isEqualTo(mapped.get("raw"));
    }

    @Test
    void theDocumentIdIsProviderAccountAndTheContentHashOfTheRawItem() throws Exception {
        JsonNode raw = JSON.readTree("{\"field\":\"user_preferences\",\"value\":{}}");
        IgnoredEvent e = new IgnoredEvent("meta", "106540352242922", "user_preferences", "unhandled-field", raw);
        assertThat(EventStore.documentId(e, raw)).isEqualTo("meta:106540352242922:" + ContentHash.of(raw));
        assertThat(EventStore.documentId(e, JSON.readTree("{\"field\":\"user_preferences\",\"value\":{\"a\":1}}")))
                .isNotEqualTo(EventStore.documentId(e, raw));
        IgnoredEvent noAccount = new IgnoredEvent("meta", null, "message_template_status_update", "unhandled-field",
                raw);
        assertThat(EventStore.documentId(noAccount, raw)).startsWith("meta:-:sha256-");
    }

    @Test
    void aMetaChangeIsReplayedInAMinimalEnvelopeAndAnInnerItemIsRefused() throws Exception {
        JsonNode change = JSON.readTree(EventsIT.META_NEW_FIELD).at("/entry/0/changes/0");
        JsonNode body = EventAdmin.replayBody("meta", JSON.createObjectNode().set("raw", change));
        assertThat(body.path("object").asText()).isEqualTo("whatsapp_business_account");
        assertThat(body.at("/entry/0/changes/0")).isEqualTo(change);
        JsonNode whole = JSON.readTree(EventsIT.META_NEW_FIELD);
        assertThat(EventAdmin.replayBody("meta", JSON.createObjectNode().set("raw", whole))).isEqualTo(whole);
        JsonNode waha = JSON.readTree(EventsIT.WAHA_NEW_EVENT);
        assertThat(EventAdmin.replayBody("waha", JSON.createObjectNode().set("raw", waha))).isEqualTo(waha);
        JsonNode unknownBody = JSON.readTree("{\"foo\":1}");
        assertThat(EventAdmin.replayBody("meta", JSON.createObjectNode().put("reason", "unknown-object")
                .set("raw", unknownBody))).isEqualTo(unknownBody);
        JsonNode oneCall = JSON.readTree("{\"id\":\"wacid.1\",\"event\":\"connect\",\"from\":\"16505551234\"}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventAdmin.replayBody("meta",
                JSON.createObjectNode().set("raw", oneCall))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a change");
    }

    @Test
    void aReplayOutcomeIsReadFromTheWebhookAnswer() throws Exception {
        assertThat(EventAdmin.outcome(JSON.readTree("{\"status\":\"ok\",\"stored\":1,\"items\":1}"))).isEqualTo("stored");
        assertThat(EventAdmin.outcome(JSON.readTree("{\"status\":\"ok\",\"update_stored\":1,\"items\":1}")))
                .isEqualTo("stored");
        assertThat(EventAdmin.outcome(JSON.readTree("{\"status\":\"ok\",\"duplicate\":2,\"items\":2}")))
                .isEqualTo("duplicate");
        assertThat(EventAdmin.outcome(JSON.readTree("{\"status\":\"ok\",\"ignored\":1,\"items\":1}")))
                .isEqualTo("still_ignored");
    }
}
