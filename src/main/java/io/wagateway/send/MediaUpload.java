package io.wagateway.send;

import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.media.MediaStore;
import io.wagateway.media.StoredObject;
import io.wagateway.reply.ProviderSendApi;
import io.wagateway.reply.SendRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.hc.client5.http.entity.mime.AbstractContentBody;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * Sends a stored media item ({@code media_sha256} of the flat send request, issue 20) as a multipart upload whose
 * file part is streamed from the media store (bean {@code mediaStore}) with its known length: never the whole file in
 * the heap, and a {@code Content-Length} on the request. Used by {@code media-upload-meta}
 * (routes/meta-cloud-api.camel.yaml): Meta's Cloud API "Upload media", {@code POST /{phone-number-id}/media} with
 * {@code messaging_product=whatsapp}, {@code type} (the MIME type) and {@code file}; and by
 * {@code send-message-unipile}: the {@code attachments} part of Unipile's multipart send (providers.md 4.6).
 */
public class MediaUpload implements CamelContextAware {

    private static final ProviderSendApi SEND_API = new ProviderSendApi();

    private CamelContext camelContext;

    /**
     * @param request the flat send request (its {@code media_sha256}; {@code mime_type} and {@code filename} when
     *                given, else the stored MIME type and the hash)
     * @return the multipart body for camel-http: {@code messaging_product}, {@code type}, {@code file}
     * @throws SendRejectedException (final) when nothing is stored under the hash any more (deleted since the request
     *                               was accepted)
     * @throws IOException when the media store cannot be read
     */
    public HttpEntity metaUpload(JsonNode request) throws IOException {
        StoredBody file = storedPart("meta", request);
        return MultipartEntityBuilder.create()
                .addTextBody("messaging_product", "whatsapp")
                .addTextBody("type", file.getMimeType())
                .addPart("file", file)
                .build();
    }

    /**
     * The stored item of a send request as one multipart part (Meta's {@code file}, Unipile's {@code attachments}):
     * its content type is the request's {@code mime_type}, else the stored MIME type; its file name the request's
     * {@code filename}, else the hash; its bytes are read from the store only while the request is written.
     *
     * @param provider the provider it is sent to (named in the exception)
     * @param request  the flat send request, with {@code media_sha256}
     * @return the part, with its known length
     * @throws SendRejectedException (final) when nothing is stored under the hash any more (deleted since the request
     *                               was accepted)
     * @throws IOException when the media store cannot be read
     */
    public StoredBody storedPart(String provider, JsonNode request) throws IOException {
        String sha256 = request.path("media_sha256").asText();
        MediaStore store = camelContext.getRegistry().lookupByNameAndType(SendApi.MEDIA_STORE, MediaStore.class);
        StoredObject stored = store == null ? null : store.head(sha256);
        if (stored == null) {
            throw new SendRejectedException(provider, 422, "no media stored with sha256 " + sha256);
        }
        String mime = text(request, "mime_type", stored.mime() == null ? "application/octet-stream" : stored.mime());
        return new StoredBody(store, stored, ContentType.parse(mime), text(request, "filename", sha256));
    }

    /**
     * @param status the HTTP status of Meta's answer to the upload
     * @param body   its body, {@code {"id":"<media id>"}}
     * @return the media id to send by
     * @throws io.wagateway.reply.RateLimitedException on 429 (retried with back-off by the send worker)
     * @throws SendRejectedException on any other non-2xx answer, or a 2xx answer without an id
     */
    public String mediaId(int status, String body) {
        String id = SEND_API.messageIdAt("meta", status, body, "/id");
        if (id == null) {
            String detail = body == null ? "" : body.length() > 300 ? body.substring(0, 300) : body;
            throw new SendRejectedException("meta", status, "the media upload answered no id: " + detail);
        }
        return id;
    }

    private static String text(JsonNode request, String field, String otherwise) {
        JsonNode v = request.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : otherwise;
    }

    /** One stored object as a multipart part: its known length, its bytes read from the store while they are sent. */
    public static final class StoredBody extends AbstractContentBody {
        private final MediaStore store;
        private final StoredObject stored;
        private final String filename;

        StoredBody(MediaStore store, StoredObject stored, ContentType contentType, String filename) {
            super(contentType);
            this.store = store;
            this.stored = stored;
            this.filename = filename;
        }

        @Override
        public String getFilename() {
            return filename;
        }

        @Override
        public long getContentLength() {
            return stored.sizeBytes();
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try (InputStream in = store.open(stored.sha256(), 0, -1)) {
                long copied = in.transferTo(out);
                if (copied != stored.sizeBytes()) {
                    throw new IOException("stored object " + stored.sha256() + " has " + copied + " bytes, not "
                            + stored.sizeBytes());
                }
            }
        }
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
