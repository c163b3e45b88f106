package io.wagateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A content-addressed object store for media bytes: the key is derived from the sha256 of the bytes only, so the same
 * bytes (a forwarded image) are stored once. Implementations: the filesystem (one instance) and any S3-compatible
 * store (several replicas). The bean {@code mediaStore} is the one {@code gateway.media.store} selects.
 */
public interface MediaStore {

    /**
     * @param text a would-be key
     * @return true when it is a lowercase hex sha256 (64 characters): the only keys a store takes or serves
     */
    static boolean isSha256(String text) {
        return text != null && text.matches("[0-9a-f]{64}");
    }

    /** @return {@code filesystem} or {@code s3}: the value of {@code media.stored.store} */
    String name();

    /**
     * Stores a spooled file under its hash unless that hash is stored already (then nothing is written and the spool
     * file is deleted). The spool file is moved or uploaded with its known length, never read into the heap.
     *
     * @param spool     the spooled bytes; gone after this call
     * @param sha256    lowercase hex sha256 of those bytes
     * @param sizeBytes their length, in bytes
     * @param mime      the MIME type to keep with them; may be null
     * @return the stored object (the existing one when the hash was stored already)
     * @throws IOException when the store cannot be written (retried by the caller)
     */
    StoredObject put(Path spool, String sha256, long sizeBytes, String mime) throws IOException;

    /**
     * @param sha256 lowercase hex sha256
     * @return the stored object, or null when nothing is stored under that hash
     * @throws IOException when the store cannot be read
     */
    StoredObject head(String sha256) throws IOException;

    /**
     * Opens the stored bytes, or a range of them, for streaming; the caller closes the stream.
     *
     * @param sha256 lowercase hex sha256
     * @param first  the first byte offset (0 for the whole object)
     * @param last   the last byte offset, inclusive, or -1 for up to the end
     * @return the bytes from {@code first} to {@code last}
     * @throws java.io.FileNotFoundException (or {@link java.nio.file.NoSuchFileException}) when nothing is stored
     * @throws IOException when the store cannot be read
     */
    InputStream open(String sha256, long first, long last) throws IOException;

    /**
     * @param sha256 lowercase hex sha256
     * @return true when an object was deleted; false when there was none
     * @throws IOException when the store cannot be written
     */
    boolean delete(String sha256) throws IOException;
}
