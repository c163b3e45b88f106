package io.wagateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * PLACEHOLDER of the "pipeline" branch until the "store" helper's stores are merged (they replace it, with bean
 * {@code mediaStore} in routes/media-store.camel.yaml): a minimal filesystem {@link MediaStore} that moves a spool
 * file to {@code {dir}/{sha256}}. Only what the download pipeline's tests need.
 */
public class PlaceholderMediaStore implements MediaStore {

    private Path dir = Path.of(".local/media");

    @Override
    public String name() {
        return "filesystem";
    }

    @Override
    public StoredObject put(Path spool, String sha256, long sizeBytes, String mime) throws IOException {
        Path target = dir.resolve(sha256);
        Files.createDirectories(dir);
        if (Files.exists(target)) {
            Files.deleteIfExists(spool);
        } else {
            Files.move(spool, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return new StoredObject(sha256, sha256, Files.size(target), mime, name());
    }

    @Override
    public StoredObject head(String sha256) throws IOException {
        Path target = dir.resolve(sha256);
        return Files.exists(target) ? new StoredObject(sha256, sha256, Files.size(target), null, name()) : null;
    }

    @Override
    public InputStream open(String sha256, long first, long last) throws IOException {
        Path target = dir.resolve(sha256);
        if (!Files.exists(target)) {
            throw new NoSuchFileException(target.toString());
        }
        InputStream in = Files.newInputStream(target);
        in.skipNBytes(first);
        return last < 0 ? in : new java.io.BufferedInputStream(in) {
            private long left = last - first + 1;

            @Override
            public int read() throws IOException {
                return left-- > 0 ? super.read() : -1;
            }
        };
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        return Files.deleteIfExists(dir.resolve(sha256));
    }

    /** @param dir the media directory ({@code gateway.media.dir}) */
    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }
}
