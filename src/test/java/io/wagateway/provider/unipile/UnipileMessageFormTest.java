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

    private static String written(HttpEntity entity) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entity.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
