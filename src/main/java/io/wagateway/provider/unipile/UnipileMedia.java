package io.wagateway.provider.unipile;

import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.provider.ProviderUrls;

/**
 * Where the {@code media-download-unipile} route (routes/unipile.camel.yaml) fetches a Unipile attachment: the API
 * reference's "Retrieve an attachment from a message", {@code GET {dsn}/api/v1/messages/{message_id}/attachments/
 * {attachment_id}} with {@code X-API-KEY} (providers.md 4.1, 4.5: attachments carry {@code id} and an {@code att://}
 * url that only this call resolves). The answer is the file itself.
 */
public class UnipileMedia {

    private String dsn = "";

    /**
     * @param media the item (variable {@code media}); {@code id} is the attachment id, {@code messageId} Unipile's
     *              message id
     * @return the attachment's URL on {@code gateway.unipile.dsn}
     * @throws MediaDownloadException final {@code no_source} without an attachment id, final {@code unsupported}
     *                                when {@code gateway.unipile.dsn} is not set
     */
    public String url(MediaItem media) {
        return url(media, dsn);
    }

    /**
     * {@link #url(MediaItem)} on the DSN of the item's tenant entry (issue 22).
     *
     * @param media the item
     * @param dsn   the Unipile DSN of the entry whose key is sent; blank = not configured
     * @return the attachment's URL on that DSN
     * @throws MediaDownloadException as {@link #url(MediaItem)}
     */
    public String url(MediaItem media, String dsn) {
        if (media.id() == null || media.id().isBlank() || media.messageId() == null) {
            throw new MediaDownloadException(0, "no_source", "the Unipile attachment has no id", true);
        }
        if (dsn == null || dsn.isBlank()) {
            throw new MediaDownloadException(0, "unsupported",
                    "gateway.unipile.dsn is not set: attachments are fetched from the account's DSN only", true);
        }
        return dsn.trim().replaceAll("/+$", "") + "/api/v1/messages/" + ProviderUrls.segment(media.messageId())
                + "/attachments/" + ProviderUrls.segment(media.id());
    }

    /** @param dsn {@code gateway.unipile.dsn}, e.g. https://api1.unipile.com:13111 */
    public void setDsn(String dsn) {
        this.dsn = dsn;
    }
}
