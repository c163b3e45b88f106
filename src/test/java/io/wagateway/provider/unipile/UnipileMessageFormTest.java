package io.wagateway.provider.unipile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.http.HttpEntity;
import org.junit.jupiter.api.Test;

class UnipileMessageFormTest {

    /** Quotes, backslash, newline and an emoji (surrogate pair). */
    private static final String TRICKY = "He said \"hi\" \\ then\nleft 👋";

    private final UnipileMessageForm form = new UnipileMessageForm();

    @Test
    void multipart() throws Exception {
        HttpEntity entity = form.text(TRICKY, null);
        assertThat(entity.getContentType()).startsWith("multipart/form-data");
        String written = written(entity);
        assertThat(written).contains("name=\"text\"");
        assertThat(written).contains(TRICKY);
        assertThat(written).contains("charset=UTF-8");
        assertThat(written).doesNotContain("quote_id");

        String quoted = written(form.text("hello", "msg_123"));
        assertThat(quoted).contains("name=\"text\"").contains("hello");
        assertThat(quoted).contains("name=\"quote_id\"").contains("msg_123");
    }

    @Test
    void mediaGoesAsTheAttachmentsPartWithTheCaptionAsText() throws Exception {
        com.fasterxml.jackson.databind.JsonNode request = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"type\":\"document\",\"media_sha256\":\"" + "a".repeat(64) + "\",\"caption\":\"your invoice\","
                        + "\"reply_to\":\"msg_1\"}");
        org.apache.hc.client5.http.entity.mime.ByteArrayBody part = new org.apache.hc.client5.http.entity.mime.ByteArrayBody(
                "%PDF-1.4".getBytes(StandardCharsets.US_ASCII), org.apache.hc.core5.http.ContentType.create("application/pdf"),
                "invoice.pdf");
        HttpEntity entity = form.request(request, part);
        assertThat(entity.getContentLength()).isPositive();   // every part has a known length: a Content-Length
        String written = written(entity);
        assertThat(written).contains("name=\"attachments\"; filename=\"invoice.pdf\"").contains("%PDF-1.4")
                .contains("Content-Type: application/pdf");
        assertThat(written).contains("name=\"text\"").contains("your invoice");
        assertThat(written).contains("name=\"quote_id\"").contains("msg_1");
        // media without its bytes is never sent as a text
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> form.request(request))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("media_sha256");
    }

    private static String written(HttpEntity entity) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entity.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
