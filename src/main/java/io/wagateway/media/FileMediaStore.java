package io.wagateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The filesystem media store (one instance; {@code gateway.media.store=filesystem}, the default): the bytes of hash
 * {@code h} are the file {@code {dir}/{h[0:2]}/{h}}, their MIME type the small file {@code {dir}/{h[0:2]}/{h}.mime}
 * beside it. A spool file is moved into place with an atomic rename (the spool directory,
 * {@code {dir}/.spool}, is on the same disk), so a reader never sees half a file; from another disk it is copied to a
 * temporary file beside the target first, then renamed.
 */
public class FileMediaStore implements MediaStore {


    private Path dir = Path.of(".local/media");

    @Override
    public String name() {
        return "filesystem";
    }

    /**
     * {@inheritDoc}
     *
     * <p>The MIME file is written before the bytes are renamed into place: an object that exists always has its type.
     */
    @Override
    public StoredObject put(Path spool, String sha256, long sizeBytes, String mime) throws IOException {
        Path target = path(sha256);
        if (Files.exists(target)) {
            Files.deleteIfExists(spool);
            return head(sha256);
        }
        Files.createDirectories(target.getParent());
        if (mime != null && !mime.isBlank()) {
            Path mimeFile = mimePath(sha256);
            Path tmp = Files.createTempFile(target.getParent(), sha256, ".mime.tmp");
            Files.writeString(tmp, mime, StandardCharsets.UTF_8);
            move(tmp, mimeFile);
        }
        try {
            move(spool, target);
        } catch (AtomicMoveNotSupportedException e) {
            // the spool is on another disk: copy beside the target, then rename atomically
            Path tmp = Files.createTempFile(target.getParent(), sha256, ".tmp");
            try {
                Files.copy(spool, tmp, StandardCopyOption.REPLACE_EXISTING);
                move(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
            Files.deleteIfExists(spool);
        }
        return new StoredObject(key(sha256), sha256, Files.size(target), mime, name());
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public StoredObject head(String sha256) throws IOException {
        Path target = path(sha256);
        if (!Files.isRegularFile(target)) {
            return null;
        }
        Path mimeFile = mimePath(sha256);
        String mime = Files.isRegularFile(mimeFile) ? Files.readString(mimeFile, StandardCharsets.UTF_8).trim() : null;
        return new StoredObject(key(sha256), sha256, Files.size(target), mime, name());
    }

    @Override
    public InputStream open(String sha256, long first, long last) throws IOException {
        Path target = path(sha256);
        if (!Files.isRegularFile(target)) {
            throw new NoSuchFileException(key(sha256));
        }
        FileChannel channel = FileChannel.open(target, StandardOpenOption.READ);
        long size = channel.size();
        long end = last < 0 || last >= size ? size - 1 : last;
        channel.position(Math.min(first, size));
        InputStream whole = Channels.newInputStream(channel);
        return new BoundedInputStream(whole, Math.max(0, end - first + 1));
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        boolean deleted = Files.deleteIfExists(path(sha256));
        Files.deleteIfExists(mimePath(sha256));
        return deleted;
    }

    /**
     * @param sha256 lowercase hex sha256
     * @return {@code {h[0:2]}/{h}}: the object's key under the media directory
     * @throws IllegalArgumentException when it is not 64 lowercase hex characters (never a path outside the store)
     */
    static String key(String sha256) {
        if (!MediaStore.isSha256(sha256)) {
            throw new IllegalArgumentException("not a lowercase hex sha256: " + sha256);
        }
        return sha256.substring(0, 2) + "/" + sha256;
    }

    private Path path(String sha256) {
        return dir.resolve(key(sha256));
    }

    private Path mimePath(String sha256) {
        return dir.resolve(key(sha256) + ".mime");
    }

    /** @param dir {@code gateway.media.dir}: the store's directory (default {@code .local/media}) */
    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }

    /** A stream that ends after {@code remaining} bytes of the one it wraps (a byte range of a file). */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
