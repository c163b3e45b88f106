package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What only some providers or events carry, stored at the top level of the message document (snake_case), each field
 * only when set (null fields are left out, so documents of providers that carry none of them are unchanged).
 *
 * @param senderUserId       Meta business-scoped user id (BSUID, {@code messages[].from_user_id}); null elsewhere
 * @param senderParentUserId Meta parent BSUID ({@code messages[].from_parent_user_id})
 * @param senderUsername     Meta {@code contacts[].profile.username}
 * @param senderPhone        the sender's phone number when the provider gives one beside another id (Meta {@code from}
 *                           / {@code wa_id} when the chat is keyed on the BSUID)
 * @param interactive        Meta {@code interactive} answer: {@code type} plus {@code button_reply{id,title}},
 *                           {@code list_reply{id,title,description}} or {@code nfm_reply{name,body,response_json}}
 * @param button             Meta template quick-reply tap {@code button{payload,text}}
 * @param attachments        every attachment of the message (the {@code media} field is the first one); null = none
 * @param channel            the provider's account type when it serves more than WhatsApp (Unipile {@code account_type},
 *                           e.g. {@code WHATSAPP}, {@code LINKEDIN})
 * @param history            true for a message of a Meta {@code history} sync (past messages, never auto-replied)
 * @param standby            true for a message received on Meta {@code field: standby} (another owner handled the chat)
 * @param webhookField       Meta {@code field} the message came in when not {@code messages} ({@code standby},
 *                           {@code smb_message_echoes}, {@code history})
 * @param mediaDownload      {@code pending} when the message is stored with media the gateway downloads (the durable
 *                           pending mark, docs/media.md); the lifecycle later projects {@code stored} or {@code failed}
 * @param operator           the named operator who sent an outbound message through the send API (issue 21,
 *                           docs/handover.md); null otherwise
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageDetails(
        String senderUserId,
        String senderParentUserId,
        String senderUsername,
        String senderPhone,
        JsonNode interactive,
        JsonNode button,
        List<Media> attachments,
        String channel,
        Boolean history,
        Boolean standby,
        String webhookField,
        String mediaDownload,
        String operator) {

    /** No details. */
    public static final MessageDetails NONE = new MessageDetails(null, null, null, null, null, null, null, null, null,
            null, null, null, null);

    /** Details without {@code media_download} (see the canonical constructor for the parameters). */
    public MessageDetails(String senderUserId, String senderParentUserId, String senderUsername, String senderPhone,
            JsonNode interactive, JsonNode button, List<Media> attachments, String channel, Boolean history,
            Boolean standby, String webhookField) {
        this(senderUserId, senderParentUserId, senderUsername, senderPhone, interactive, button, attachments, channel,
                history, standby, webhookField, null, null);
    }

    /** @return a copy with the Meta identity fields set */
    public MessageDetails withIdentity(String userId, String parentUserId, String username, String phone) {
        return new MessageDetails(userId, parentUserId, username, phone, interactive, button, attachments, channel,
                history, standby, webhookField, mediaDownload, operator);
    }

    /** @return a copy with Meta's interactive answer and template button tap set */
    public MessageDetails withAnswer(JsonNode newInteractive, JsonNode newButton) {
        return new MessageDetails(senderUserId, senderParentUserId, senderUsername, senderPhone, newInteractive,
                newButton, attachments, channel, history, standby, webhookField, mediaDownload, operator);
    }

    /** @return a copy with the attachments and channel set */
    public MessageDetails withAttachments(List<Media> newAttachments, String newChannel) {
        return new MessageDetails(senderUserId, senderParentUserId, senderUsername, senderPhone, interactive, button,
                newAttachments, newChannel, history, standby, webhookField, mediaDownload, operator);
    }

    /** @return a copy with the Meta coexistence flags set */
    public MessageDetails withOrigin(Boolean newHistory, Boolean newStandby, String newWebhookField) {
        return new MessageDetails(senderUserId, senderParentUserId, senderUsername, senderPhone, interactive, button,
                attachments, channel, newHistory, newStandby, newWebhookField, mediaDownload, operator);
    }

    /** @return a copy with {@code media_download} set ({@code pending}: the durable mark of a download to do) */
    public MessageDetails withMediaDownload(String newMediaDownload) {
        return new MessageDetails(senderUserId, senderParentUserId, senderUsername, senderPhone, interactive, button,
                attachments, channel, history, standby, webhookField, newMediaDownload, operator);
    }

    /** @return a copy with {@code operator} set: the operator who sent this outbound message (issue 21) */
    public MessageDetails withOperator(String newOperator) {
        return new MessageDetails(senderUserId, senderParentUserId, senderUsername, senderPhone, interactive, button,
                attachments, channel, history, standby, webhookField, mediaDownload, newOperator);
    }
}
