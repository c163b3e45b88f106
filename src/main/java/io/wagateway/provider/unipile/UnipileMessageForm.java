package io.wagateway.provider.unipile;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.apache.hc.client5.http.entity.mime.ContentBody;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The body of Unipile's "send a message in a chat" call, {@code POST /api/v1/chats/{chat_id}/messages}
 * (providers.md §4.6): {@code multipart/form-data}, which a YAML route cannot build. Called by the route
 * {@code send-reply-unipile} and {@code send-message-unipile} (routes/unipile.camel.yaml). Pure and thread-safe.
 */
public class UnipileMessageForm {

    /**
     * @param text    message text (part {@code text}, {@code text/plain; charset=UTF-8})
     * @param quoteId Unipile id of the message to quote (part {@code quote_id}), or null
     * @return the multipart/form-data entity; it carries its own {@code Content-Type: multipart/form-data;
     *         boundary=…}, which camel-http sends with it
     * @throws NullPointerException when text is null
     */
    public HttpEntity text(String text, String quoteId) {
        ContentType plainUtf8 = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);
        MultipartEntityBuilder builder = MultipartEntityBuilder.create()
                .setCharset(StandardCharsets.UTF_8)
                .addTextBody("text", Objects.requireNonNull(text, "text"), plainUtf8);
        if (quoteId != null) {
            builder.addTextBody("quote_id", quoteId, plainUtf8);
        }
        return builder.build();
    }

    /**
     * The body for a flat send request (contract C1) of type {@code text}: its {@code text}, quoting {@code reply_to}.
     *
     * @param request the flat send request
     * @return the multipart/form-data entity (see {@link #text(String, String)})
     * @throws IllegalArgumentException when the request is not a text with a {@code text} (media goes with
     *                                  {@link #request(JsonNode, ContentBody)})
     */
    public HttpEntity request(JsonNode request) {
        return request(request, null);
    }

    /**
     * The body for a flat send request (contract C1): a {@code text}, or a media kind whose bytes are the given part
     * (part {@code attachments}; the {@code caption}, or {@code ""}, as {@code text}), quoting {@code reply_to}.
     *
     * @param request    the flat send request
     * @param attachment the media bytes as one part (the stored item of {@code media_sha256}, streamed from the
     *                   media store), or null for a text
     * @return the multipart/form-data entity; it carries its own {@code Content-Type: multipart/form-data;
     *         boundary=…}
     * @throws IllegalArgumentException when the request is not a text with a {@code text}, nor media with its part
     */
    public HttpEntity request(JsonNode request, ContentBody attachment) {
        String type = request.path("type").asText();
        JsonNode replyTo = request.path("reply_to");
        String quoteId = replyTo.isTextual() && !replyTo.asText().isEmpty() ? replyTo.asText() : null;
        if (attachment != null && MEDIA.contains(type)) {
            ContentType plainUtf8 = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);
            JsonNode caption = request.path("caption");
            MultipartEntityBuilder builder = MultipartEntityBuilder.create()
                    .setCharset(StandardCharsets.UTF_8)
                    .addTextBody("text", caption.isTextual() ? caption.asText() : "", plainUtf8)
                    .addPart("attachments", attachment);
            if (quoteId != null) {
                builder.addTextBody("quote_id", quoteId, plainUtf8);
            }
            return builder.build();
        }
        JsonNode text = request.path("text");
        if (!"text".equals(type) || !text.isTextual()) {
            throw new IllegalArgumentException("unipile cannot send " + type + (MEDIA.contains(type)
                    ? " without its bytes (media_sha256)" : ""));
        }
        return text(text.asText(), quoteId);
    }

    /** The media kinds Unipile takes as an {@code attachments} part. */
    private static final List<String> MEDIA = List.of("image", "video", "audio", "document");
}
