package io.wagateway.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Media attached to a message, as far as the provider describes it. The gateway never downloads media.
 *
 * @param mime     MIME type, e.g. {@code image/jpeg}; may be null
 * @param url      download URL when the provider gives one (often needs the provider's credentials); may be null
 * @param id       provider media id (Meta media id, Unipile attachment id); may be null
 * @param caption  caption text; may be null
 * @param filename file name for documents; may be null
 * @param sizeBytes size in bytes when known; may be null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Media(String mime, String url, String id, String caption, String filename, Long sizeBytes) {
}
