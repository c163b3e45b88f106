package io.wagateway.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The stand-in id of an item that arrived without a usable id of its own: {@code sha256-<64 hex>}, the SHA-256 of the
 * item's JSON as received (serialised compactly, field order kept). The same item always gets the same hash, so a
 * redelivery is still recognised as a duplicate; two different items never share one.
 */
public final class ContentHash {

    /** The value of {@code id_source} for an id made by {@link #of(JsonNode)}. */
    public static final String ID_SOURCE = "content_hash";
    /** Prefix of every content-hash id. */
    public static final String PREFIX = "sha256-";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ContentHash() {
    }

    /**
     * @param item the provider's item (a message object, a payload of the wrong shape, ...); null or missing hashes as
     *             JSON {@code null}
     * @return {@code sha256-} followed by 64 lowercase hex digits
     */
    public static String of(JsonNode item) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        // streamed into the digest: a large item is never copied into a string first
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
            MAPPER.writeValue(out, item == null || item.isMissingNode() ? MAPPER.nullNode() : item);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return PREFIX + HexFormat.of().formatHex(sha256.digest());
    }
}
