package io.wagateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.camel.Exchange;

/**
 * Streams a provider's answer into a spool file while hashing it, so that no media file is ever held whole in the
 * heap (a 100 MB document costs one 64 KB buffer), and enforces the size limit of the media type. Used by the
 * {@code media-fetch} route (routes/media.camel.yaml) on the answer of camel-http with {@code disableStreamCache=true}.
 *
 * <p>Default limits are Meta's own ("Supported media types" of the Cloud API media reference): image 5 MB, audio and
 * video 16 MB, document 100 MB, sticker 500 KB (animated stickers; static ones are 100 KB).
 */
public class MediaSpool {

    /**
     * A spooled download.
     *
     * @param path      the spool file (deleted by the store's {@code put}, or by {@link #discard(Spooled)})
     * @param sha256    lowercase hex sha256 of the bytes
     * @param sizeBytes their length, in bytes
     * @param mime      the answer's {@code Content-Type} without parameters, or null
     */
    public record Spooled(Path path, String sha256, long sizeBytes, String mime) {
    }

    private Path spoolDir = Path.of(".local/media/.spool");
    private long maxImageBytes = 5L * 1024 * 1024;
    private long maxAudioBytes = 16L * 1024 * 1024;
    private long maxVideoBytes = 16L * 1024 * 1024;
    private long maxDocumentBytes = 100L * 1024 * 1024;
    private long maxStickerBytes = 500L * 1024;

    /**
     * Spools the answer of the HTTP GET in the exchange: the body is camel-http's response stream, header
     * {@code CamelHttpResponseCode} its status, variable {@code media} the {@link MediaItem}.
     *
     * @param exchange the exchange after camel-http's GET
     * @return the spooled file
     * @throws MediaDownloadException on a non-2xx answer (404 and 410 final, others retried), or when the bytes exceed
     *                                the type's limit ({@code too_large}, final)
     * @throws IOException            when the answer breaks off or the spool cannot be written (retried)
     */
    public Spooled spool(Exchange exchange) throws IOException {
        MediaItem media = exchange.getVariable("media", MediaItem.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        try (InputStream in = exchange.getMessage().getBody(InputStream.class)) {
            if (status != null && (status < 200 || status > 299)) {
                String detail = in == null ? "" : new String(in.readNBytes(300), StandardCharsets.UTF_8);
                boolean gone = status == 404 || status == 410;
                throw new MediaDownloadException(status, gone ? "not_found" : "http_error",
                        "media download answered HTTP " + status + ": " + detail.replaceAll("\\s+", " "), gone);
            }
            if (in == null) {
                throw new MediaDownloadException(status == null ? 0 : status, "http_error", "empty answer", false);
            }
            return spool(in, media == null ? null : media.type(), contentType);
        }
    }

    /**
     * Copies a stream into a new spool file while hashing it.
     *
     * @param in          the bytes; read to the end (not closed)
     * @param type        image | audio | video | document | sticker (picks the limit); null = the document limit
     * @param contentType the answer's Content-Type, or null
     * @return the spooled file
     * @throws MediaDownloadException {@code too_large} (final) when more bytes than the limit arrive; the spool file is
     *                                deleted
     * @throws IOException            when reading or writing fails; the spool file is deleted
     */
    public Spooled spool(InputStream in, String type, String contentType) throws IOException {
        long max = maxBytes(type);
        Files.createDirectories(spoolDir);
        Path file = Files.createTempFile(spoolDir, "download-", ".part");
        MessageDigest digest = sha256();
        long size = 0;
        try (DigestInputStream hashing = new DigestInputStream(in, digest);
                OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = hashing.read(buffer)) != -1;) {
                size += n;
                if (size > max) {
                    throw new MediaDownloadException(200, "too_large",
                            "more than " + max + " bytes for a " + (type == null ? "file" : type), true);
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new Spooled(file, HexFormat.of().formatHex(digest.digest()), size, mimeOf(contentType));
    }

    /**
     * Deletes a spool file that will not be stored (for instance after a sha256 mismatch).
     *
     * @param spooled the spooled file; null is ignored
     */
    public void discard(Spooled spooled) {
        if (spooled != null) {
            try {
                Files.deleteIfExists(spooled.path());
            } catch (IOException e) {
                // a leftover .part file; the next start does not read it
            }
        }
    }

    /**
     * Compares our hex sha256 with the one a provider states, by their decoded bytes: Meta's webhooks give it in base64
     * (see the shared fixture meta/inbound_image.json), other answers in hex.
     *
     * @param hex    lowercase hex sha256 (64 characters)
     * @param stated the provider's value, base64 or hex; null or blank = nothing stated
     * @return true when nothing is stated or both decode to the same 32 bytes; false otherwise (also when the stated
     *         value decodes to no hash)
     */
    public static boolean sameSha256(String hex, String stated) {
        if (stated == null || stated.isBlank()) {
            return true;
        }
        byte[] ours = HexFormat.of().parseHex(hex);
        String s = stated.trim();
        byte[] theirs = null;
        if (s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            theirs = HexFormat.of().parseHex(s.toLowerCase(Locale.ROOT));
        } else {
            try {
                theirs = s.contains("-") || s.contains("_") ? Base64.getUrlDecoder().decode(s)
                        : Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return MessageDigest.isEqual(ours, theirs);
    }

    /**
     * @param type image | audio | video | document | sticker; anything else or null = the document limit
     * @return the size limit, in bytes
     */
    public long maxBytes(String type) {
        if (type == null) {
            return maxDocumentBytes;
        }
        return switch (type) {
            case "image" -> maxImageBytes;
            case "audio", "voice", "ptt" -> maxAudioBytes;
            case "video" -> maxVideoBytes;
            case "sticker" -> maxStickerBytes;
            default -> maxDocumentBytes;
        };
    }

    private static String mimeOf(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param spoolDir where partial downloads are written; put it on the filesystem store's disk (atomic moves) */
    public void setSpoolDir(String spoolDir) {
        this.spoolDir = Path.of(spoolDir);
    }

    /** @param bytes image limit, in bytes */
    public void setMaxImageBytes(long bytes) {
        this.maxImageBytes = bytes;
    }

    /** @param bytes audio (and voice note) limit, in bytes */
    public void setMaxAudioBytes(long bytes) {
        this.maxAudioBytes = bytes;
    }

    /** @param bytes video limit, in bytes */
    public void setMaxVideoBytes(long bytes) {
        this.maxVideoBytes = bytes;
    }

    /** @param bytes document limit, in bytes */
    public void setMaxDocumentBytes(long bytes) {
        this.maxDocumentBytes = bytes;
    }

    /** @param bytes sticker limit, in bytes */
    public void setMaxStickerBytes(long bytes) {
        this.maxStickerBytes = bytes;
    }
}
