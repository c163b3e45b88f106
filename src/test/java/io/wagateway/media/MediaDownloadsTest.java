package io.wagateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.Media;
import io.wagateway.message.MessageDetails;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending mark and the items of a message (docs/media.md sections 1 and 2), without Elasticsearch. */
class MediaDownloadsTest {

    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");

    private static CanonicalMessage message(String type, Media media) {
        return new CanonicalMessage("waha", "default", "m1", "chat", "direct", null, "chat", null, false, type, null,
                media, null, T, T, "received", null);
    }

    @Test
    void aMessageWithDownloadableMediaIsMarkedPendingAndGivesOneItem() {
        MediaDownloads downloads = new MediaDownloads();
        CanonicalMessage marked = downloads.markPending(
                message("image", new Media("image/jpeg", "http://waha/f.jpeg", null, null, null, 12L)));
        assertThat(marked.details().mediaDownload()).isEqualTo("pending");
        assertThat(downloads.items(marked)).singleElement().satisfies(i -> {
            assertThat(i.jobId()).isEqualTo("waha:default:m1:media:0");
            assertThat(i.type()).isEqualTo("image");
            assertThat(i.url()).isEqualTo("http://waha/f.jpeg");
            assertThat(i.sizeBytes()).isEqualTo(12L);
        });
        assertThat(io.wagateway.store.JsonMapperFactory.create().valueToTree(marked).path("media_download").asText()).isEqualTo("pending");
    }

    @Test
    void textAndLocationsAreNotMarked() {
        MediaDownloads downloads = new MediaDownloads();
        assertThat(downloads.markPending(message("text", null)).details().mediaDownload()).isNull();
        assertThat(downloads.markPending(message("location", new Media(null, "http://x", null, null, null, null)))
                .details().mediaDownload()).isNull();
        assertThat(io.wagateway.store.JsonMapperFactory.create().valueToTree(message("text", null)).has("media_download")).isFalse();
    }

    /**
     * A media message without a source (WAHA media.error, hasMedia without media) is marked and gets its item: the
     * provider's route records the final reason, so it never ends without a download state.
     */
    @Test
    void mediaWithoutASourceIsMarkedSoItsFailureIsRecorded() {
        MediaDownloads downloads = new MediaDownloads();
        CanonicalMessage noSource = downloads.markPending(
                message("image", new Media("image/jpeg", null, null, "c", null, null, null, "{\"message\":\"gone\"}")));
        assertThat(noSource.details().mediaDownload()).isEqualTo("pending");
        assertThat(downloads.items(noSource)).singleElement().satisfies(item -> {
            assertThat(item.url()).isNull();
            assertThat(item.id()).isNull();
            assertThat(item.type()).isEqualTo("image");
        });
        CanonicalMessage noMedia = downloads.markPending(message("video", null));
        assertThat(downloads.items(noMedia)).extracting(MediaItem::type).containsExactly("video");
    }

    @Test
    void voiceNotesAreAudioAndEveryAttachmentIsAnItem() {
        MediaDownloads downloads = new MediaDownloads();
        assertThat(downloads.items(downloads.markPending(
                message("ptt", new Media("audio/ogg", null, "id-1", null, null, null)))))
                .extracting(MediaItem::type).containsExactly("audio");
        CanonicalMessage unipile = message("image", new Media("image/png", null, "att-0", null, null, null))
                .withDetails(MessageDetails.NONE.withAttachments(List.of(
                        new Media("image/png", null, "att-0", null, null, null),
                        new Media("application/pdf", null, "att-1", null, "a.pdf", null)), "WHATSAPP"));
        assertThat(downloads.items(downloads.markPending(unipile)))
                .extracting(MediaItem::n, MediaItem::type, MediaItem::id)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, "image", "att-0"),
                        org.assertj.core.groups.Tuple.tuple(1, "document", "att-1"));
    }

    @Test
    void disabledMarksNothing() {
        MediaDownloads downloads = new MediaDownloads();
        downloads.setEnabled(false);
        CanonicalMessage m = downloads.markPending(message("image", new Media("image/jpeg", "http://x", null, null,
                null, null)));
        assertThat(m.details().mediaDownload()).isNull();
        assertThat(downloads.items(m)).isEmpty();
    }
}
