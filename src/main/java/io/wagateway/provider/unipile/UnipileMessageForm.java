package io.wagateway.provider.unipile;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
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
     * @throws IllegalArgumentException when the request is not a text with a {@code text}: Unipile's media needs the
     *                                  bytes uploaded, which the gateway does not do yet
     */
    public HttpEntity request(JsonNode request) {
        JsonNode text = request.path("text");
        if (!"text".equals(request.path("type").asText()) || !text.isTextual()) {
            throw new IllegalArgumentException("unipile cannot send " + request.path("type").asText());
        }
        JsonNode replyTo = request.path("reply_to");
        return text(text.asText(), replyTo.isTextual() && !replyTo.asText().isEmpty() ? replyTo.asText() : null);
    }
}
