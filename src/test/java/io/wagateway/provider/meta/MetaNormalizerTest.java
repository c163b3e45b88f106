package io.wagateway.provider.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.support.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaNormalizerTest {

    private final MetaNormalizer normalizer = new MetaNormalizer();

    private List<WebhookItem> normalize(String fixture) throws Exception {
        return normalizer.normalize(new ObjectMapper().readTree(Fixtures.bytes(fixture)));
    }

    @Test
    void reactionRemovalWithoutEmojiKeyOrWithEmptyEmojiIsAnEmptyReaction() throws Exception {
        for (String f : List.of("peer/meta/pywa__reaction_removed_no_emoji_key.json",
                "peer/meta/pywa__reaction_removed_empty_emoji.json")) {
            LifecycleUpdate u = (LifecycleUpdate) normalize(f).get(0);
            assertThat(u.update()).isEqualTo("reaction");
            assertThat(u.targetMessageId()).isEqualTo("wamid.yzxyzx=");
            assertThat(u.text()).isEmpty();
        }
        LifecycleUpdate added = (LifecycleUpdate) normalize("peer/meta/pywa__reaction.json").get(0);
        assertThat(added.text()).isEqualTo("\uD83D\uDE2E");
    }

    /**
     * What the media download (issue 20) needs from a Meta media message is kept in {@code media}: the media id, the
     * lookaside url, the mime type and the sha256 exactly as the webhook states it (base64, providers.md 1.5).
     */
    @Test
    void mediaKeepsIdUrlMimeAndTheStatedSha256() throws Exception {
        io.wagateway.message.CanonicalMessage image = (io.wagateway.message.CanonicalMessage)
                normalize("webhooks/meta/inbound_image.json").get(0);
        assertThat(image.type()).isEqualTo("image");
        assertThat(image.media().id()).isEqualTo("900000000000104");
        assertThat(image.media().mime()).isEqualTo("image/jpeg");
        assertThat(image.media().url()).startsWith("https://lookaside.fbsbx.com/whatsapp_business/attachments/");
        assertThat(image.media().sha256()).isEqualTo("q0F6a2VUZXN0U2hhMjU2T25seU5vdFJlYWxCeXRlcz0=");
        io.wagateway.message.CanonicalMessage document = (io.wagateway.message.CanonicalMessage)
                normalize("peer/meta/pywa__document_forwarded.json").get(0);
        assertThat(document.type()).isEqualTo("document");
        assertThat(document.media().sha256()).isEqualTo("grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY=");
        assertThat(document.media().filename()).isNotBlank();
        io.wagateway.message.CanonicalMessage voice = (io.wagateway.message.CanonicalMessage)
                normalize("peer/meta/pywa__audio_voice_note.json").get(0);
        assertThat(voice.type()).isEqualTo("audio");
        assertThat(voice.media().id()).isNotBlank();
        assertThat(voice.media().sha256()).isEqualTo("m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=");
    }

    @Test
    void callsFieldIsAcknowledgedNotStored() throws Exception {
        List<WebhookItem> items = normalize("peer/meta/pywa__calls_terminate_with_value_errors.json");
        assertThat(items).hasSize(1);
        assertThat(((IgnoredEvent) items.get(0)).event()).isEqualTo("calls.terminate");
        assertThat(((IgnoredEvent) items.get(0)).reason()).isEqualTo("call-event");
    }

    @Test
    void failedStatusKeepsTheProviderErrors() throws Exception {
        LifecycleUpdate u = (LifecycleUpdate) normalize("peer/meta/pywa__status_failed_130472.json").get(0);
        assertThat(u.status()).isEqualTo("failed");
        assertThat(u.errors().get(0).path("code").asInt()).isEqualTo(130472);
    }

    /** waapijs username-only fixture (contacts user_id and username, no wa_id; message from_user_id, no from). */
    @Test
    void aUsernameOnlyUserIsKeyedOnTheBsuidWithTheIdentityFields() throws Exception {
        io.wagateway.message.CanonicalMessage m = (io.wagateway.message.CanonicalMessage)
                normalize("peer/meta/waapijs__incoming_username_only_no_phone.json").get(0);
        assertThat(m.chatId()).isEqualTo("US.13491208655302741918");
        assertThat(m.senderId()).isEqualTo("US.13491208655302741918");
        assertThat(m.details().senderUserId()).isEqualTo("US.13491208655302741918");
        assertThat(m.details().senderParentUserId()).isEqualTo("US.ENT.506847293015824");
        assertThat(m.details().senderUsername()).isEqualTo("@testusername");
        assertThat(m.details().senderPhone()).isNull();
        assertThat(m.senderName()).isEqualTo("test user name");
    }

    /** pywa fixture: the BSUID only in contacts[] (matched by wa_id), not on the message. */
    @Test
    void theBsuidOfTheContactWithTheSendersPhoneKeysTheChat() throws Exception {
        io.wagateway.message.CanonicalMessage m = (io.wagateway.message.CanonicalMessage)
                normalize("peer/meta/pywa__text_with_bsuid.json").get(0);
        assertThat(m.chatId()).isEqualTo("US.13491208655302741918");
        assertThat(m.details().senderPhone()).isEqualTo("15550100001");
    }

    @Test
    void aBodyWithoutObjectFieldAndMetadataIsAMessageOfTheConfiguredNumber() throws Exception {
        String minimal = "{\"entry\":[{\"changes\":[{\"value\":{\"messages\":[{\"from\":\"16505551234\","
                + "\"id\":\"wamid.T\",\"timestamp\":\"1750030100\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]}}]}]}";
        io.wagateway.message.CanonicalMessage unknown = (io.wagateway.message.CanonicalMessage)
                normalizer.normalize(new ObjectMapper().readTree(minimal)).get(0);
        assertThat(unknown.accountId()).isEqualTo("unknown");
        MetaNormalizer configured = new MetaNormalizer();
        configured.setDefaultPhoneNumberId("106540352242922");
        io.wagateway.message.CanonicalMessage m = (io.wagateway.message.CanonicalMessage)
                configured.normalize(new ObjectMapper().readTree(minimal)).get(0);
        assertThat(m.accountId()).isEqualTo("106540352242922");
        assertThat(m.text()).isEqualTo("hi");
        // a statuses-only change without field is field=messages too
        String status = "{\"entry\":[{\"changes\":[{\"value\":{\"statuses\":[{\"id\":\"wamid.S\","
                + "\"status\":\"read\",\"timestamp\":\"1750030100\",\"recipient_id\":\"16505551234\"}]}}]}]}";
        assertThat(normalizer.normalize(new ObjectMapper().readTree(status)).get(0)).isInstanceOf(LifecycleUpdate.class);
        // another object is still not Meta's, nor a body with neither object nor entries
        assertThat(((IgnoredEvent) normalizer.normalize(new ObjectMapper().readTree("{\"object\":\"page\",\"entry\":[]}"))
                .get(0)).reason()).isEqualTo("unknown-object");
        assertThat(((IgnoredEvent) normalizer.normalize(new ObjectMapper().readTree("{\"event\":\"message\"}")).get(0))
                .reason()).isEqualTo("unknown-object");
    }

    /** business-scoped-user-ids page, "User ID update webhooks" example (field user_id_update). */
    @Test
    void userIdUpdateLinksThePreviousAndCurrentBsuid() throws Exception {
        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{"
                + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"phone_number_id\":\"106540352242922\"},"
                + "\"user_id_update\":[{\"wa_id\":\"16505551234\",\"detail\":\"User id for Pablo M. has been updated.\","
                + "\"user_id\":{\"previous\":\"US.13491208655302741918\",\"current\":\"US.20837465019283746501\"},"
                + "\"timestamp\":\"1750030073\"}]},\"field\":\"user_id_update\"}]}]}";
        io.wagateway.message.ContactUpdate u = (io.wagateway.message.ContactUpdate)
                normalizer.normalize(new ObjectMapper().readTree(body)).get(0);
        assertThat(u.action()).isEqualTo(io.wagateway.message.ContactUpdate.LINK);
        assertThat(u.ids()).containsExactly("16505551234", "US.13491208655302741918", "US.20837465019283746501");
    }

    /**
     * business-scoped-user-ids page, "smb_message_echoes webhooks" example: the echo names the user by {@code to} and
     * {@code to_user_id}; its chat is the BSUID, as the user's own messages (before: the phone, another chat).
     */
    @Test
    void anEchoToAUserWithABsuidIsInTheBsuidChat() throws Exception {
        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{"
                + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","
                + "\"phone_number_id\":\"106540352242922\"},\"contacts\":[{\"profile\":{\"username\":\"pablomorales\"},"
                + "\"wa_id\":\"16505551234\",\"user_id\":\"US.13491208655302741918\","
                + "\"parent_user_id\":\"US.ENT.11815799212886844830\"}],\"message_echoes\":[{\"from\":\"15550783881\","
                + "\"to\":\"16505551234\",\"to_user_id\":\"US.13491208655302741918\","
                + "\"to_parent_user_id\":\"US.ENT.11815799212886844830\",\"id\":\"wamid.ECHO\",\"timestamp\":\"1750030073\","
                + "\"type\":\"text\",\"text\":{\"body\":\"Here's the info you requested!\"}}]},"
                + "\"field\":\"smb_message_echoes\"}]}]}";
        io.wagateway.message.CanonicalMessage m = (io.wagateway.message.CanonicalMessage)
                normalizer.normalize(new ObjectMapper().readTree(body)).get(0);
        assertThat(m.fromMe()).isTrue();
        assertThat(m.chatId()).isEqualTo("US.13491208655302741918");
        assertThat(m.senderId()).isEqualTo("15550783881");
    }

    /** business-scoped-user-ids page, status webhooks for groups: the chat is the group, the actor the member. */
    @Test
    void aGroupStatusIsInTheGroupChat() throws Exception {
        LifecycleUpdate u = (LifecycleUpdate) normalize("peer/meta/pywa__status_read_group_recipient.json").get(0);
        assertThat(u.chatId()).isEqualTo("fowefinoewcnw");
        assertThat(u.actorId()).isEqualTo("US.123456");
    }
}
