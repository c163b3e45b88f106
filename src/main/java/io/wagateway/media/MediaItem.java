package io.wagateway.media;

/**
 * One media item of a stored message that the gateway downloads: the message's {@code media}, or item {@code n} of its
 * {@code attachments[]} (Unipile). It is what a provider's {@code media-download-<provider>} route receives (variable
 * {@code media}) to fetch the bytes the way the provider documents it.
 *
 * @param jobId          the download job's {@code _id} in {@code whatsapp-media}: {@code {messageDocId}:media:{n}}
 * @param messageDocId   the message document's {@code _id} ({@code {provider}:{account_id}:{message_id}})
 * @param provider       the provider id (meta, waha, ...)
 * @param accountId      Meta phone_number_id, WAHA session, Periskope phone, Unipile account id
 * @param messageId      the provider's message id
 * @param chatId         the chat id
 * @param n              0 for {@code media}; the index in {@code attachments[]} otherwise
 * @param type           image | audio | video | document | sticker (a voice note is audio)
 * @param mime           the MIME type the webhook gave; may be null
 * @param url            the download URL or path the webhook gave (WAHA {@code media.url}, Periskope media path);
 *                       may be null
 * @param id             the provider's media id (Meta media id, Unipile attachment id); may be null
 * @param filename       the file name for documents; may be null
 * @param sizeBytes      the size the webhook gave, in bytes; may be null
 * @param expectedSha256 the hash the provider states for the bytes, as it states it (Meta: base64 in webhooks; hex
 *                       accepted too); may be null
 */
public record MediaItem(String jobId, String messageDocId, String provider, String accountId, String messageId,
        String chatId, int n, String type, String mime, String url, String id, String filename, Long sizeBytes,
        String expectedSha256) {

    /**
     * @param messageDocId the message document's {@code _id}
     * @param n            0 for {@code media}, else the index in {@code attachments[]}
     * @return the download job's {@code _id}: {@code {messageDocId}:media:{n}}
     */
    public static String jobId(String messageDocId, int n) {
        return messageDocId + ":media:" + n;
    }
}
