package io.wagateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wagateway.support.LocalS3;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link MediaStore} contract, run against both stores: the filesystem one and the S3 one through camel-aws2-s3
 * against a real S3-compatible server (s3proxy, {@link LocalS3}), never a mock of the S3 client.
 */
class MediaStoreContractTest {

    @TempDir
    static Path tmp;

    private static DefaultCamelContext camel;
    private static FileMediaStore fileStore;
    private static S3MediaStore s3Store;

    @BeforeAll
    static void startStores() {
        fileStore = new FileMediaStore();
        fileStore.setDir(tmp.resolve("media").toString());
        camel = new DefaultCamelContext();
        camel.start();
        LocalS3 s3 = LocalS3.get();
        s3Store = new S3MediaStore();
        s3Store.setCamelContext(camel);
        s3Store.setEndpoint(s3.endpoint());
        s3Store.setBucket(LocalS3.BUCKET);
        s3Store.setRegion(LocalS3.REGION);
        s3Store.setAccessKey(LocalS3.ACCESS_KEY);
        s3Store.setSecretKey(LocalS3.SECRET_KEY);
        s3Store.setPathStyle(true);
        s3Store.setPrefix("contract/");
    }

    @AfterAll
    static void stop() {
        camel.stop();
    }

    static Stream<MediaStore> stores() {
        return Stream.of(fileStore, s3Store);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void putStoresTheSpoolUnderItsHashAndHeadDescribesIt(MediaStore store) throws Exception {
        byte[] bytes = random(200_000);
        String sha = sha256(bytes);
        Path spool = spool(bytes);

        StoredObject stored = store.put(spool, sha, bytes.length, "image/jpeg");

        assertThat(spool).doesNotExist();
        assertThat(stored.sha256()).isEqualTo(sha);
        assertThat(stored.sizeBytes()).isEqualTo(bytes.length);
        assertThat(stored.mime()).isEqualTo("image/jpeg");
        assertThat(stored.store()).isEqualTo(store.name());
        assertThat(stored.key()).endsWith(sha.substring(0, 2) + "/" + sha);
        assertThat(store.head(sha)).isEqualTo(stored);
        try (InputStream in = store.open(sha, 0, -1)) {
            assertThat(sha256(in.readAllBytes())).isEqualTo(sha);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aHashStoredAlreadyStoresNothingNew(MediaStore store) throws Exception {
        byte[] bytes = random(10_000);
        String sha = sha256(bytes);
        store.put(spool(bytes), sha, bytes.length, "audio/ogg");
        // other bytes under the same hash: were anything written, the object would change
        Path second = spool(random(10_000));

        StoredObject again = store.put(second, sha, 10_000, "audio/ogg");

        assertThat(second).doesNotExist();
        assertThat(again.sha256()).isEqualTo(sha);
        try (InputStream in = store.open(sha, 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void openReadsByteRanges(MediaStore store) throws Exception {
        byte[] bytes = random(100_000);
        String sha = sha256(bytes);
        store.put(spool(bytes), sha, bytes.length, "video/mp4");

        assertThat(read(store, sha, 0, 99)).isEqualTo(slice(bytes, 0, 99));
        assertThat(read(store, sha, 40_000, 40_009)).isEqualTo(slice(bytes, 40_000, 40_009));
        assertThat(read(store, sha, 99_990, -1)).isEqualTo(slice(bytes, 99_990, 99_999));
        assertThat(read(store, sha, 99_999, 99_999)).isEqualTo(slice(bytes, 99_999, 99_999));
    }

    @ParameterizedTest
    @MethodSource("stores")
    void deleteRemovesTheObjectOnce(MediaStore store) throws Exception {
        byte[] bytes = random(1_000);
        String sha = sha256(bytes);
        store.put(spool(bytes), sha, bytes.length, null);

        assertThat(store.delete(sha)).isTrue();

        assertThat(store.head(sha)).isNull();
        assertThat(store.delete(sha)).isFalse();
        assertThatThrownBy(() -> store.open(sha, 0, -1)).isInstanceOf(NoSuchFileException.class);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void anUnknownHashIsNothing(MediaStore store) throws Exception {
        String sha = sha256(random(16));
        assertThat(store.head(sha)).isNull();
        assertThatThrownBy(() -> store.open(sha, 0, -1)).isInstanceOf(NoSuchFileException.class);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aKeyIsAlwaysAHexHashNeverAPath(MediaStore store) {
        assertThatThrownBy(() -> store.head("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.head("AB" + "0".repeat(62))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFilesystemStoreLaysObjectsOutByHashPrefix() throws Exception {
        byte[] bytes = random(500);
        String sha = sha256(bytes);
        fileStore.put(spool(bytes), sha, bytes.length, "image/webp");

        Path file = tmp.resolve("media").resolve(sha.substring(0, 2)).resolve(sha);
        assertThat(file).hasBinaryContent(bytes);
        assertThat(file.resolveSibling(sha + ".mime")).hasContent("image/webp");
    }

    @Test
    void theS3StoreKeepsTheObjectUnderItsKeyInTheBucket() throws Exception {
        byte[] bytes = random(500);
        String sha = sha256(bytes);
        s3Store.put(spool(bytes), sha, bytes.length, "image/webp");

        // s3proxy's filesystem backend: one file per key under the bucket's directory
        assertThat(LocalS3.get().bucketDir().resolve("contract").resolve(sha.substring(0, 2)).resolve(sha))
                .hasBinaryContent(bytes);
        assertThat(s3Store.toString()).doesNotContain(LocalS3.SECRET_KEY).doesNotContain(LocalS3.ACCESS_KEY);
    }

    private static byte[] read(MediaStore store, String sha, long first, long last) throws IOException {
        try (InputStream in = store.open(sha, first, last)) {
            return in.readAllBytes();
        }
    }

    private static byte[] slice(byte[] bytes, int first, int last) {
        return java.util.Arrays.copyOfRange(bytes, first, last + 1);
    }

    private static Path spool(byte[] bytes) throws IOException {
        Files.createDirectories(tmp.resolve("spool"));
        Path p = Files.createTempFile(tmp.resolve("spool"), "download-", ".part");
        Files.write(p, bytes);
        return p;
    }

    private static final Random RANDOM = new Random();

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
