package io.wagateway.provider.unipile;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The body of Unipile's "send a message in a chat" call, {@code POST /api/v1/chats/{chat_id}/messages}
 * (providers.md §4.6): {@code multipart/form-data}, which a YAML route cannot build. Called by the route
 * {@code send-reply-unipile} (routes/unipile.camel.yaml). Pure and thread-safe.
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
}
