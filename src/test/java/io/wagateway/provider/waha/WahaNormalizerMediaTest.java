package io.wagateway.provider.waha;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.support.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * What the media download (issue 20) needs from a WAHA message is kept in {@code media}: WAHA's "Receive messages"
 * page, Media Files - {@code media.url} (on WAHA's server), {@code mimetype}, {@code filename}, and {@code error}
 * when WAHA could not download the file.
 */
class WahaNormalizerMediaTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final WahaNormalizer normalizer = new WahaNormalizer();

    private CanonicalMessage message(ObjectNode body) {
        return (CanonicalMessage) normalizer.normalize(body).get(0);
    }

    private ObjectNode fixture() throws Exception {
        return (ObjectNode) mapper.readTree(Fixtures.bytes("webhooks/waha/message_media_image.json"));
    }

    @Test
    void mediaUrlMimeAndNoErrorAreKept() throws Exception {
        CanonicalMessage m = message(fixture());
        assertThat(m.type()).isEqualTo("image");
        assertThat(m.media().url()).isEqualTo("http://waha.internal.example:3000/api/files/default/"
                + "false_15550100003@c.us_3EB0FAKE00000000000204.jpeg");
        assertThat(m.media().mime()).isEqualTo("image/jpeg");
        assertThat(m.media().error()).isNull();                 // "error": null in the payload
    }

    @Test
    void wahasOwnDownloadErrorIsKeptAsText() throws Exception {
        ObjectNode body = fixture();
        ObjectNode media = (ObjectNode) body.path("payload").path("media");
        media.putNull("url");
        media.putObject("error").put("message", "Media download failed").put("details", "timeout");
        media.put("filename", "report.pdf");
        CanonicalMessage m = message(body);
        assertThat(m.media().url()).isNull();
        assertThat(m.media().filename()).isEqualTo("report.pdf");
        assertThat(mapper.readTree(m.media().error()))
                .isEqualTo(mapper.readTree("{\"message\":\"Media download failed\",\"details\":\"timeout\"}"));
    }
}
