package io.wagateway.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.media.MediaSpool;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;

/**
 * Spools media that a provider answers as a base64 string inside a JSON object (the fifth provider's
 * {@code POST /chat/getBase64FromMediaMessage/{instance}} answers {@code {mediaType, fileName, ..., mimetype, base64}};
 * docs/media-providers.md) without holding the file in the heap: Jackson's streaming parser decodes the {@code base64} value in chunks into a
 * temporary file (capped at the type's size limit), which {@link MediaSpool} then hashes into its spool.
 */
public class Base64MediaAnswer {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * @param exchange after camel-http's call with {@code disableStreamCache=true}: body = the answer stream, header
     *                 {@code CamelHttpResponseCode}, variable {@code media} the {@link MediaItem}
     * @param spool    the {@code mediaSpool} bean (size limits, spool directory)
     * @return the spooled bytes, with the answer's {@code mimetype} (else the item's)
     * @throws MediaDownloadException final {@code not_found} on HTTP 404/410, retryable {@code http_error} on other
     *                                non-2xx answers, final {@code no_source} when the answer has no {@code base64},
     *                                final {@code too_large} beyond the type's limit
     * @throws IOException            when the answer breaks off (retried)
     */
    public MediaSpool.Spooled spool(Exchange exchange, MediaSpool spool) throws IOException {
        MediaItem media = exchange.getVariable("media", MediaItem.class);
        String type = media == null ? null : media.type();
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        try (InputStream in = exchange.getMessage().getBody(InputStream.class)) {
            if (status != null && (status < 200 || status > 299)) {
                String detail = in == null ? "" : new String(in.readNBytes(300), StandardCharsets.UTF_8);
                boolean gone = status == 404 || status == 410;
                throw new MediaDownloadException(status, gone ? "not_found" : "http_error",
                        "media answer HTTP " + status + ": " + detail.replaceAll("\\s+", " "), gone);
            }
            if (in == null) {
                throw new MediaDownloadException(status == null ? 0 : status, "http_error", "empty answer", false);
            }
            return spool(in, type, media == null ? null : media.mime(), spool);
        }
    }

    /**
     * @param in   a JSON object with a {@code base64} string field (and optionally {@code mimetype})
     * @param type the media type (picks the size limit)
     * @param mime the MIME type to keep when the answer names none; may be null
     * @param spool the {@code mediaSpool} bean
     * @return the spooled bytes
     * @throws IOException when reading or writing fails
     */
    public MediaSpool.Spooled spool(InputStream in, String type, String mime, MediaSpool spool) throws IOException {
        Path decoded = Files.createTempFile("media-", ".base64.part");
        try {
            String answerMime = null;
            boolean found = false;
            long max = spool.maxBytes(type);
            try (JsonParser parser = JSON.createParser(in)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new MediaDownloadException(200, "no_source", "the answer is not a JSON object", true);
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("base64".equals(field) && value == JsonToken.VALUE_STRING) {
                        try (OutputStream out = new Capped(Files.newOutputStream(decoded), max, type)) {
                            parser.readBinaryValue(out);
                        }
                        found = true;
                    } else if ("mimetype".equals(field) && value == JsonToken.VALUE_STRING) {
                        answerMime = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
            }
            if (!found) {
                throw new MediaDownloadException(200, "no_source", "the answer has no base64 field", true);
            }
            try (InputStream bytes = Files.newInputStream(decoded)) {
                return spool.spool(bytes, type, answerMime != null ? answerMime : mime);
            }
        } finally {
            Files.deleteIfExists(decoded);
        }
    }

    /** An output stream that refuses more than {@code max} bytes ({@code too_large}, final). */
    private static final class Capped extends FilterOutputStream {
        private final long max;
        private final String type;
        private long written;

        Capped(OutputStream out, long max, String type) {
            super(out);
            this.max = max;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(long n) {
            written += n;
            if (written > max) {
                throw new MediaDownloadException(200, "too_large",
                        "more than " + max + " bytes for a " + (type == null ? "file" : type), true);
            }
        }
    }
}
