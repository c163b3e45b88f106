package io.wagateway.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.LifecycleUpdate;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle update kind {@code media} (docs/media.md): its merge into the lifecycle document and its projection
 * onto the message ({@code media.stored}, {@code attachments[n].stored}, {@code download_error}, {@code media_download}).
 */
class MediaProjectionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");

    private static LifecycleUpdate media(int n, String outcome, String value, String at) throws Exception {
        ObjectNode raw = JSON.createObjectNode().put("n", n);
        switch (outcome) {
            case "stored" -> raw.putObject("stored").put("sha256", value).put("size_bytes", 3);
            case "download_error" -> raw.putObject("download_error").put("reason", value).put("at", at);
            default -> raw.put("deleted_at", value);
        }
        return new LifecycleUpdate("unipile", "acct", "m1", "chat", MessageLifecycle.MEDIA, null, null, null,
                n + ":" + outcome + ":" + at, null, T, T, raw);
    }

    private static ObjectNode message(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void everyAttachmentStoredMakesTheMessageStoredAndItemZeroIsAlsoMedia() throws Exception {
        ObjectNode lifecycle = JSON.createObjectNode();
        MessageLifecycle.merge(lifecycle, media(1, "stored", "bbb", "1"));
        ObjectNode stored = message("""
                {"media_download":"pending","media":{"id":"a0"},"attachments":[{"id":"a0"},{"id":"a1"}]}""");
        ObjectNode half = MessageLifecycle.projection(stored, lifecycle);
        assertThat(half.path("media_download").asText()).isEqualTo("pending");
        assertThat(half.at("/attachments/1/stored/sha256").asText()).isEqualTo("bbb");
        assertThat(half.path("media").has("stored")).isFalse();

        MessageLifecycle.merge(lifecycle, media(0, "stored", "aaa", "2"));
        ObjectNode all = MessageLifecycle.projection(stored, lifecycle);
        assertThat(all.path("media_download").asText()).isEqualTo("stored");
        assertThat(all.at("/attachments/0/stored/sha256").asText()).isEqualTo("aaa");
        assertThat(all.at("/media/stored/sha256").asText()).isEqualTo("aaa");
    }

    @Test
    void aFailureShowsUntilTheItemIsStoredWhateverTheOrder() throws Exception {
        ObjectNode stored = message("{\"media_download\":\"pending\",\"type\":\"image\",\"media\":{\"url\":\"u\"}}");
        ObjectNode lifecycle = JSON.createObjectNode();
        MessageLifecycle.merge(lifecycle, media(0, "download_error", "not_found", "2026-01-05T10:00:01Z"));
        ObjectNode failed = MessageLifecycle.projection(stored, lifecycle);
        assertThat(failed.path("media_download").asText()).isEqualTo("failed");
        assertThat(failed.at("/media/download_error/reason").asText()).isEqualTo("not_found");

        // replayed and stored: the error goes; a late duplicate of the old error changes nothing
        MessageLifecycle.merge(lifecycle, media(0, "stored", "aaa", "x"));
        MessageLifecycle.merge(lifecycle, media(0, "download_error", "not_found", "2026-01-05T10:00:00Z"));
        ObjectNode ok = MessageLifecycle.projection(failed, lifecycle);
        assertThat(ok.path("media_download").asText()).isEqualTo("stored");
        assertThat(ok.path("media").has("download_error")).isFalse();
        assertThat(ok.at("/media/stored/sha256").asText()).isEqualTo("aaa");
        // the first stored object wins
        MessageLifecycle.merge(lifecycle, media(0, "stored", "zzz", "y"));
        assertThat(MessageLifecycle.projection(ok, lifecycle).at("/media/stored/sha256").asText()).isEqualTo("aaa");
    }

    @Test
    void retentionAddsDeletedAtToTheStoredObject() throws Exception {
        ObjectNode stored = message("{\"media_download\":\"pending\",\"type\":\"image\",\"media\":{\"url\":\"u\"}}");
        ObjectNode lifecycle = JSON.createObjectNode();
        MessageLifecycle.merge(lifecycle, media(0, "stored", "aaa", "1"));
        MessageLifecycle.merge(lifecycle, media(0, "deleted_at", "2026-03-01T00:00:00Z", "2"));
        ObjectNode m = MessageLifecycle.projection(stored, lifecycle);
        assertThat(m.at("/media/stored/deleted_at").asText()).isEqualTo("2026-03-01T00:00:00Z");
        assertThat(m.path("media_download").asText()).isEqualTo("stored");
    }
}
