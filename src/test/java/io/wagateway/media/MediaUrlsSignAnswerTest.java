package io.wagateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** {@link MediaUrls#signAnswer}: the signed URL the page API answers carry inside each stored media item (M6). */
class MediaUrlsSignAnswerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final String C = "c".repeat(64);

    private final MediaUrls urls = new MediaUrls();

    MediaUrlsSignAnswerTest() {
        urls.setPageToken("page-token");
        urls.setClock(Clock.fixed(Instant.parse("2026-12-01T08:00:00Z"), ZoneOffset.UTC));
    }

    private static String stored(String sha256) {
        return "{\"key\":\"" + sha256 + "\",\"sha256\":\"" + sha256 + "\",\"size_bytes\":3,\"store\":\"filesystem\"}";
    }

    /** @return true when the URL is the signed path of that very hash and verifies */
    private boolean verifies(JsonNode url, String sha256) {
        URI u = URI.create(url.asText());
        String exp = u.getQuery().replaceAll(".*exp=([^&]*).*", "$1");
        String sig = u.getQuery().replaceAll(".*sig=([^&]*).*", "$1");
        return u.getPath().equals("/api/media/" + sha256) && urls.verify(sha256, exp, sig);
    }

    @Test
    void everyStoredItemOfEveryDocumentGetsItsOwnSignedUrl() throws Exception {
        String answer = "{\"total\":2,\"items\":[{\"id\":\"m1\",\"media\":{\"mime\":\"image/jpeg\",\"stored\":" + stored(A)
                + "}},{\"id\":\"m2\",\"media\":{\"stored\":" + stored(B) + "},\"attachments\":[{\"stored\":" + stored(B)
                + "},{\"download_error\":{\"reason\":\"not_found\"}},{\"stored\":" + stored(C) + "}]}]}";
        JsonNode signed = JSON.readTree(urls.signAnswer(answer));

        assertThat(verifies(signed.at("/items/0/media/stored/url"), A)).isTrue();
        assertThat(verifies(signed.at("/items/1/media/stored/url"), B)).isTrue();
        assertThat(verifies(signed.at("/items/1/attachments/0/stored/url"), B)).isTrue();
        assertThat(signed.at("/items/1/attachments/1").has("stored")).isFalse();
        assertThat(verifies(signed.at("/items/1/attachments/2/stored/url"), C)).isTrue();
        // a URL is for one object only
        assertThat(verifies(signed.at("/items/1/attachments/2/stored/url"), A)).isFalse();
        // nothing else changed
        ((com.fasterxml.jackson.databind.node.ObjectNode) signed.at("/items/0/media/stored")).remove("url");
        assertThat(signed.at("/items/0")).isEqualTo(JSON.readTree(answer).at("/items/0"));
    }

    @Test
    void theMessageOfTheSendApiStateIsSignedToo() throws Exception {
        JsonNode signed = JSON.readTree(urls.signAnswer("{\"id\":\"x\",\"state\":\"sent\",\"message\":{\"media\":{\"stored\":"
                + stored(A) + "}}}"));
        assertThat(verifies(signed.at("/message/media/stored/url"), A)).isTrue();
    }

    @Test
    void aBlobDeletedByRetentionAMalformedHashOrAnAnswerWithoutStoredMediaGetsNoUrl() throws Exception {
        String deleted = "{\"items\":[{\"media\":{\"stored\":{\"sha256\":\"" + A + "\",\"deleted_at\":\"2026-11-01T00:00:00Z\"}}},"
                + "{\"media\":{\"stored\":{\"sha256\":\"../etc/passwd\"}}}]}";
        JsonNode signed = JSON.readTree(urls.signAnswer(deleted));
        assertThat(signed.at("/items/0/media/stored").has("url")).isFalse();
        assertThat(signed.at("/items/1/media/stored").has("url")).isFalse();
        String plain = "{\"total\":1,\"items\":[{\"text\":\"hello\"}]}";
        assertThat(urls.signAnswer(plain)).isSameAs(plain);
    }

    @Test
    void rawProviderPayloadsAreNotTouched() throws Exception {
        JsonNode signed = JSON.readTree(urls.signAnswer("{\"message\":{\"raw\":{\"media\":{\"stored\":" + stored(A)
                + "}}},\"replies\":[{\"media\":{\"stored\":" + stored(B) + "}}]}"));
        assertThat(signed.at("/message/raw/media/stored").has("url")).isFalse();
        assertThat(signed.at("/replies/0/media/stored").has("url")).isFalse();
    }
}
