package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The HTTP rules of {@link MediaApi} that need no request: byte ranges, ETags, inline or attachment. */
class MediaApiTest {

    @Test
    void oneByteRangeIsReadAsRfc9110Says() {
        assertThat(MediaApi.range("bytes=0-99", 1000)).containsExactly(0, 99);
        assertThat(MediaApi.range("bytes=500-", 1000)).containsExactly(500, 999);
        assertThat(MediaApi.range("bytes=-100", 1000)).containsExactly(900, 999);
        assertThat(MediaApi.range("bytes=-5000", 1000)).as("a suffix longer than the object: all of it")
                .containsExactly(0, 999);
        assertThat(MediaApi.range("bytes=900-5000", 1000)).as("a last byte beyond the end: up to the end")
                .containsExactly(900, 999);
    }

    @Test
    void aRangeNothingOfTheObjectSatisfiesIsEmpty() {
        assertThat(MediaApi.range("bytes=1000-", 1000)).isEmpty();
        assertThat(MediaApi.range("bytes=1000-1001", 1000)).isEmpty();
        assertThat(MediaApi.range("bytes=-0", 1000)).isEmpty();
        assertThat(MediaApi.range("bytes=99999999999999999999-", 1000)).isEmpty();
        assertThat(MediaApi.range("bytes=0-", 0)).isEmpty();
    }

    @Test
    void whatIsNotOneByteRangeIsIgnored() {
        assertThat(MediaApi.range("bytes=0-1,5-6", 1000)).isNull();
        assertThat(MediaApi.range("bytes=5-3", 1000)).isNull();
        assertThat(MediaApi.range("items=0-1", 1000)).isNull();
        assertThat(MediaApi.range("bytes=-", 1000)).isNull();
    }

    @Test
    void ifNoneMatchTakesTheStrongOrWeakTagOrAStar() {
        String sha = "a".repeat(64);
        assertThat(MediaApi.etagMatches("\"" + sha + "\"", sha)).isTrue();
        assertThat(MediaApi.etagMatches("W/\"" + sha + "\"", sha)).isTrue();
        assertThat(MediaApi.etagMatches("\"x\", \"" + sha + "\"", sha)).isTrue();
        assertThat(MediaApi.etagMatches("*", sha)).isTrue();
        assertThat(MediaApi.etagMatches(sha, sha)).as("unquoted is not an ETag").isFalse();
        assertThat(MediaApi.etagMatches("\"" + "b".repeat(64) + "\"", sha)).isFalse();
    }

    @Test
    void onlyImagesAudioAndVideoAreInlineAndNeverSvg() {
        assertThat(MediaApi.disposition("image/jpeg")).isEqualTo("inline");
        assertThat(MediaApi.disposition("audio/ogg")).isEqualTo("inline");
        assertThat(MediaApi.disposition("video/mp4")).isEqualTo("inline");
        assertThat(MediaApi.disposition("image/svg+xml")).isEqualTo("attachment");
        assertThat(MediaApi.disposition("text/html")).isEqualTo("attachment");
        assertThat(MediaApi.disposition("application/pdf")).isEqualTo("attachment");
        assertThat(MediaApi.disposition("application/octet-stream")).isEqualTo("attachment");
    }
}
