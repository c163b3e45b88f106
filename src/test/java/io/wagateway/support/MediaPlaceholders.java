package io.wagateway.support;

import io.wagateway.media.MediaStore;
import io.wagateway.media.MediaUrls;
import io.wagateway.media.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * PLACEHOLDER until the "store" work of issue 20 (branch i20-store: bean {@code mediaStore}, route
 * {@code media-api-get}) is merged: when the running gateway has no {@code mediaStore} bean or no
 * {@code media-api-get} route, a minimal filesystem store and a minimal {@code GET /api/media/{sha256}} (signed URL
 * only, whole object, no Range) are added, so the page's tests can run. Once the real ones are there this adds
 * nothing; delete it then.
 */
public final class MediaPlaceholders {

    private MediaPlaceholders() {
    }

    /** Adds the placeholder store and route to the context when the real ones are missing. */
    public static void ensure(CamelContext context) throws Exception {
        if (context.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class) == null) {
            context.getRegistry().bind("mediaStore", MediaStore.class,
                    new DirectoryStore(Files.createTempDirectory("placeholder-media")));
        }
        if (context.getRoute("media-api-get") == null && context.getRoute("media-api-get-placeholder") == null) {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("platform-http:/api/media/{sha256}?httpMethodRestrict=GET").routeId("media-api-get-placeholder")
                            .process(MediaPlaceholders::serve);
                }
            });
        }
    }

    /**
     * Removes what {@link #ensure} added (the context is shared with other test classes: OpenApiIT checks every route
     * under /api is described).
     */
    public static void remove(CamelContext context) throws Exception {
        if (context.getRoute("media-api-get-placeholder") != null) {
            context.getRouteController().stopRoute("media-api-get-placeholder");
            context.removeRoute("media-api-get-placeholder");
        }
        if (context.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class) instanceof DirectoryStore) {
            context.getRegistry().unbind("mediaStore");
        }
    }

    private static void serve(Exchange exchange) throws IOException {
        String sha256 = exchange.getMessage().getHeader("sha256", String.class);
        MediaUrls urls = exchange.getContext().getRegistry().lookupByNameAndType("mediaUrls", MediaUrls.class);
        boolean signed = urls.verify(sha256, exchange.getMessage().getHeader("exp", String.class),
                exchange.getMessage().getHeader("sig", String.class));
        exchange.getMessage().removeHeaders("*");
        if (!signed) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 401);
            exchange.getMessage().setBody("");
            return;
        }
        MediaStore store = exchange.getContext().getRegistry().lookupByNameAndType("mediaStore", MediaStore.class);
        StoredObject object = store.head(sha256);
        if (object == null) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            exchange.getMessage().setBody("");
            return;
        }
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, object.mime());
        try (InputStream in = store.open(sha256, 0, -1)) {
            exchange.getMessage().setBody(in.readAllBytes());
        }
    }

    /** A filesystem store under one directory, the mime in a side file. */
    private record DirectoryStore(Path dir) implements MediaStore {
        @Override
        public String name() {
            return "filesystem";
        }

        @Override
        public StoredObject put(Path spool, String sha256, long sizeBytes, String mime) throws IOException {
            Files.move(spool, dir.resolve(sha256), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(dir.resolve(sha256 + ".mime"), mime == null ? "application/octet-stream" : mime);
            return head(sha256);
        }

        @Override
        public StoredObject head(String sha256) throws IOException {
            Path file = dir.resolve(sha256);
            return Files.exists(file) ? new StoredObject(sha256, sha256, Files.size(file),
                    Files.readString(dir.resolve(sha256 + ".mime")), name()) : null;
        }

        @Override
        public InputStream open(String sha256, long first, long last) throws IOException {
            Path file = dir.resolve(sha256);
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString());
            }
            InputStream in = Files.newInputStream(file);
            in.skipNBytes(first);
            return last < 0 ? in : new java.io.BufferedInputStream(in) {
                private long left = last - first + 1;

                @Override
                public int read() throws IOException {
                    return left-- > 0 ? super.read() : -1;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    left -= Math.max(n, 0);
                    return n;
                }
            };
        }

        @Override
        public boolean delete(String sha256) throws IOException {
            Files.deleteIfExists(dir.resolve(sha256 + ".mime"));
            return Files.deleteIfExists(dir.resolve(sha256));
        }
    }
}
