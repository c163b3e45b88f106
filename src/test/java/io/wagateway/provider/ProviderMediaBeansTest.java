package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.media.MediaSpool;
import io.wagateway.provider.periskope.PeriskopeMedia;
import io.wagateway.provider.unipile.UnipileMedia;
import io.wagateway.provider.waha.WahaMedia;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The URL rules and the base64 answer of the providers' media beans, without Camel (routes: MediaDownloadRoutesTest). */
class ProviderMediaBeansTest {

    @TempDir
    Path spoolDir;

    private static MediaItem item(String url, String id) {
        return new MediaItem("p:a:m:media:0", "p:a:m", "p", "a", "m/1", "c", 0, "image", null, url, id, null, null,
                null);
    }

    @Test
    void wahaKeepsThePathAndQueryAndPutsTheBasesOwnPathInFront() {
        WahaMedia waha = new WahaMedia();
        waha.setBaseUrl("https://proxy.example/waha/");
        assertThat(waha.url(item("http://localhost:3000/api/files/x.jpg?session=s%201", null)))
                .isEqualTo("https://proxy.example/waha/api/files/x.jpg?session=s%201");
        assertThat(waha.url(item("https://proxy.example/waha/api/files/x.jpg", null)))
                .isEqualTo("https://proxy.example/waha/api/files/x.jpg");
        assertThat(waha.url(item("http://evil.example:3000/api/files/x.jpg", null)))
                .startsWith("https://proxy.example/");
    }

    @Test
    void wahaWithoutABaseUrlOrAMediaUrlIsFinal() {
        WahaMedia waha = new WahaMedia();
        assertThatThrownBy(() -> waha.url(item("http://localhost:3000/api/files/x.jpg", null)))
                .isInstanceOfSatisfying(MediaDownloadException.class, e -> {
                    assertThat(e.getReason()).isEqualTo("unsupported");
                    assertThat(e.isFinal()).isTrue();
                });
        waha.setBaseUrl("http://waha:3000");
        assertThatThrownBy(() -> waha.url(item("file:///etc/passwd", null)))
                .isInstanceOfSatisfying(MediaDownloadException.class, e -> assertThat(e.isFinal()).isTrue());
    }

    @Test
    void periskopeGivesTheKeyToItsOwnOriginOnly() {
        PeriskopeMedia periskope = new PeriskopeMedia();
        assertThat(periskope.url(item("storage/v1/object/public/a.jpg", null)))
                .isEqualTo("https://api.periskope.app/storage/v1/object/public/a.jpg");
        assertThat(periskope.onApi("https://api.periskope.app/storage/v1/object/public/a.jpg")).isTrue();
        assertThat(periskope.onApi("https://api.periskope.app.evil.example/a.jpg")).isFalse();
        assertThat(periskope.onApi("http://api.periskope.app/a.jpg")).isFalse();
    }

    @Test
    void unipileEncodesTheIdsIntoThePath() {
        UnipileMedia unipile = new UnipileMedia();
        unipile.setDsn("https://api1.unipile.com:13111/");
        assertThat(unipile.url(item("att://x", "a b/c")))
                .isEqualTo("https://api1.unipile.com:13111/api/v1/messages/m%2F1/attachments/a%20b%2Fc");
        assertThatThrownBy(() -> unipile.url(item("att://x", null)))
                .isInstanceOfSatisfying(MediaDownloadException.class, e -> assertThat(e.getReason())
                        .isEqualTo("no_source"));
    }

    private MediaSpool spool() {
        MediaSpool spool = new MediaSpool();
        spool.setSpoolDir(spoolDir.toString());
        spool.setMaxImageBytes(1000);
        return spool;
    }

    @Test
    void base64AnswerIsDecodedEvenWithEscapedSlashes() throws Exception {
        byte[] bytes = new byte[700];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        String b64 = Base64.getEncoder().encodeToString(bytes).replace("/", "\\/");   // PHP-style JSON escapes
        String answer = "{\"mediaType\":\"imageMessage\",\"base64\":\"" + b64 + "\",\"mimetype\":\"image/png\"}";
        MediaSpool.Spooled spooled = new Base64MediaAnswer().spool(
                new ByteArrayInputStream(answer.getBytes(StandardCharsets.US_ASCII)), "image", "image/jpeg", spool());
        assertThat(Files.readAllBytes(spooled.path())).isEqualTo(bytes);
        assertThat(spooled.mime()).isEqualTo("image/png");
    }

    @Test
    void base64AnswerBeyondTheLimitIsFinalAndLeavesNothing() throws Exception {
        String answer = "{\"base64\":\"" + Base64.getEncoder().encodeToString(new byte[1001]) + "\"}";
        assertThatThrownBy(() -> new Base64MediaAnswer().spool(
                new ByteArrayInputStream(answer.getBytes(StandardCharsets.US_ASCII)), "image", null, spool()))
                .isInstanceOfSatisfying(MediaDownloadException.class, e -> {
                    assertThat(e.getReason()).isEqualTo("too_large");
                    assertThat(e.isFinal()).isTrue();
                });
        assertThatThrownBy(() -> new Base64MediaAnswer().spool(
                new ByteArrayInputStream("{\"status\":400}".getBytes(StandardCharsets.US_ASCII)), "image", null,
                spool()))
                .isInstanceOfSatisfying(MediaDownloadException.class, e -> assertThat(e.getReason())
                        .isEqualTo("no_source"));
        try (Stream<Path> left = Files.list(spoolDir)) {
            assertThat(left.toList()).isEmpty();
        }
    }
}
