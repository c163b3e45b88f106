package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Media attached to a message, as far as the provider describes it: what the media download (issue 20,
 * {@code media-download-<provider>} routes) needs to fetch the bytes later.
 *
 * @param mime      MIME type, e.g. {@code image/jpeg}; may be null
 * @param url       download URL or path when the provider gives one (often needs the provider's credentials); may be
 *                  null
 * @param id        provider media id (Meta media id, Unipile attachment id); may be null
 * @param caption   caption text; may be null
 * @param filename  file name for documents; may be null
 * @param sizeBytes size in bytes when known; may be null
 * @param sha256    the hash of the bytes as the provider states it (Meta webhooks: base64, providers.md 1.5); may be
 *                  null
 * @param error     the provider's own report that it could not get the media (WAHA {@code media.error}, as JSON
 *                  text); may be null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Media(String mime, String url, String id, String caption, String filename, Long sizeBytes,
        String sha256, String error) {

    /** Media without a stated hash or provider error (every provider but Meta and WAHA). */
    public Media(String mime, String url, String id, String caption, String filename, Long sizeBytes) {
        this(mime, url, id, caption, filename, sizeBytes, null, null);
    }
}
