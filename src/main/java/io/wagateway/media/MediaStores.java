package io.wagateway.media;

import java.util.Locale;

/**
 * Picks the media store {@code gateway.media.store} names (env {@code MEDIA_STORE}): the factory of the bean
 * {@code mediaStore} in routes/media-store.camel.yaml, so that both runtimes (Spring Boot, Camel JBang) select it the
 * same way from one declaration.
 */
public final class MediaStores {

    private MediaStores() {
    }

    /**
     * @param store      {@code filesystem} (the default, one instance) or {@code s3} (several replicas)
     * @param filesystem the filesystem store
     * @param s3         the S3-compatible store
     * @return the store named
     * @throws IllegalArgumentException for any other name (the gateway does not start)
     */
    public static MediaStore select(String store, MediaStore filesystem, MediaStore s3) {
        String name = store == null || store.isBlank() ? "filesystem" : store.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "filesystem", "fs", "file" -> filesystem;
            case "s3" -> s3;
            default -> throw new IllegalArgumentException(
                    "gateway.media.store (MEDIA_STORE) must be filesystem or s3, not '" + store + "'");
        };
    }
}
