package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The peer corpus (payload shapes from other projects' tests and docs, fixtures/peer/README.md): every file is signed
 * with the test secret and sent; each must be acknowledged 200 and its messages stored or its updates kept.
 */
class PeerFixturesIT extends GatewayIntegrationTest {

    @Test
    void everyMetaPeerPayloadIsAcknowledgedAndAccountedFor() throws Exception {
        List<Path> files = Fixtures.all("peer/meta");
        assertThat(files).hasSizeGreaterThanOrEqualTo(39);

        // a user with a username only: no from / wa_id, only the business-scoped user id (BSUID). Sent first,
        // because another peer file reuses its message id.
        assertThat(postMeta(Fixtures.bytes("peer/meta/waapijs__incoming_username_only_no_phone.json")).statusCode())
                .isEqualTo(200);
        JsonNode usernameOnly = message("meta:123456123:ABGGFlA5Fpa");
        assertThat(usernameOnly.path("sender_id").asText()).isEqualTo("US.13491208655302741918");
        assertThat(usernameOnly.path("chat_id").asText()).isEqualTo("US.13491208655302741918");
        assertThat(usernameOnly.path("sender_name").asText()).isEqualTo("test user name");
        assertThat(usernameOnly.path("text").asText()).isEqualTo("this is a text message");
        int alreadyStored = 1;

        int items = 0;
        int stored = 0;
        for (Path file : files) {
            HttpResponse<String> r = postMeta(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file.getFileName(), r.body()).isEqualTo(200);
            JsonNode outcome = JSON.readTree(r.body());
            items += outcome.path("items").asInt();
            stored += outcome.path("stored").asInt();
        }
        assertThat(items).isGreaterThanOrEqualTo(files.size());
        assertThat(all(store().getMessagesIndex())).hasSize(stored + alreadyStored);

        // shapes nobody here imagined, checked one by one
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).anySatisfy(u -> {
            assertThat(u.path("update").asText()).isEqualTo("reaction");
            assertThat(u.path("target_message_id").asText()).isEqualTo("wamid.yzxyzx=");
        });
        assertThat(updates).anySatisfy(u -> {
            assertThat(u.path("update").asText()).isEqualTo("delete");
            assertThat(u.path("target_message_id").asText()).isEqualTo("<ORIGINAL_WHATSAPP_MESSAGE_ID>");
        });
        assertThat(updates).anySatisfy(u -> {
            assertThat(u.path("update").asText()).isEqualTo("edit");
            assertThat(u.path("text").asText()).isEqualTo("Updated image caption");
        });
        assertThat(updates).anySatisfy(u -> {
            assertThat(u.path("status").asText()).isEqualTo("failed");
            assertThat(u.path("_id").asText()).contains(":status:failed");
        });
    }

    @Test
    void everyWahaPeerPayloadIsAcknowledgedAndAccountedFor() throws Exception {
        List<Path> files = Fixtures.all("peer/waha");
        assertThat(files).hasSizeGreaterThanOrEqualTo(18);
        int stored = 0;
        int duplicate = 0;
        int ignored = 0;
        for (Path file : files) {
            HttpResponse<String> r = postWaha(Fixtures.bytes(file));
            assertThat(r.statusCode()).as("%s: %s", file.getFileName(), r.body()).isEqualTo(200);
            JsonNode outcome = JSON.readTree(r.body());
            stored += outcome.path("stored").asInt();
            duplicate += outcome.path("duplicate").asInt();
            ignored += outcome.path("ignored").asInt();
        }
        List<JsonNode> messages = all(store().getMessagesIndex());
        assertThat(messages).hasSize(stored);
        // 5 message events; the docs reuse one id (true_11111111111@c.us_AAAA...) in 3 of them
        assertThat(stored).isEqualTo(3);
        assertThat(duplicate).isEqualTo(2);
        assertThat(ignored).isGreaterThanOrEqualTo(7); // session, group, presence, call events
        assertThat(messages).allSatisfy(m -> {
            assertThat(m.path("message_id").asText()).isNotEmpty();
            assertThat(m.path("chat_id").asText()).isNotEmpty();
            assertThat(m.path("timestamp").isMissingNode() || m.path("timestamp").isNull()).isFalse();
        });
        assertThat(messages).anySatisfy(m -> assertThat(m.path("chat_type").asText()).isEqualTo("channel"));
        List<JsonNode> updates = all(store().getUpdatesIndex());
        assertThat(updates).extracting(u -> u.path("update").asText())
                .contains("status", "reaction", "edit", "delete");
    }
}
