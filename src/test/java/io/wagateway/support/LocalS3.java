package io.wagateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real S3-compatible server for the tests: s3proxy (org.gaul:s3proxy, jar-with-dependencies, copied by the build
 * into {@code .local/s3proxy/}, system property {@code s3proxy.jar}) started as a separate Java process on a free port
 * of 127.0.0.1, with jclouds' filesystem backend in its own fresh directory under {@code target/s3proxy/}, AWS
 * signature v2/v4 with fixed test credentials, and one bucket. One server per test JVM, started on first use and
 * stopped at JVM exit (a shutdown hook; the data directory stays under target/ for inspection).
 *
 * <p>One line to run an integration test against it: a {@code @DynamicPropertySource} method that calls
 * {@link #register(DynamicPropertyRegistry)} (it sets {@code gateway.media.store=s3} and the
 * {@code gateway.media.s3.*} settings).
 */
public final class LocalS3 {

    /** The bucket the server is started with. */
    public static final String BUCKET = "whatsapp-media-test";
    /** The access key the server accepts (a test value, not a secret). */
    public static final String ACCESS_KEY = "local-identity";
    /** The secret key the server accepts (a test value, not a secret). */
    public static final String SECRET_KEY = "local-credential";
    /** The region the clients sign with (s3proxy accepts any). */
    public static final String REGION = "us-east-1";

    private static LocalS3 running;

    private final Process process;
    private final int port;
    private final Path dataDir;

    private LocalS3(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * @return the running server, started now if needed (about 2 s)
     * @throws IllegalStateException when the jar is missing (run the build: {@code generate-test-resources} copies it)
     *                               or the server does not answer within 60 s
     */
    public static synchronized LocalS3 get() {
        if (running == null) {
            running = start();
        }
        return running;
    }

    /**
     * Points the gateway's media store at this server: {@code gateway.media.store=s3} and every
     * {@code gateway.media.s3.*} setting (endpoint, bucket, region, keys, path-style).
     *
     * @param registry the test's dynamic properties
     */
    public static void register(DynamicPropertyRegistry registry) {
        LocalS3 s3 = get();
        registry.add("gateway.media.store", () -> "s3");
        registry.add("gateway.media.s3.endpoint", s3::endpoint);
        registry.add("gateway.media.s3.bucket", () -> BUCKET);
        registry.add("gateway.media.s3.region", () -> REGION);
        registry.add("gateway.media.s3.access-key", () -> ACCESS_KEY);
        registry.add("gateway.media.s3.secret-key", () -> SECRET_KEY);
        registry.add("gateway.media.s3.path-style", () -> "true");
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** @return the directory of the bucket's objects on disk (jclouds filesystem backend: one file per key) */
    public Path bucketDir() {
        return dataDir.resolve(BUCKET);
    }

    private static LocalS3 start() {
        String jar = System.getProperty("s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("s3proxy jar not found (system property s3proxy.jar = " + jar
                    + "): run the tests through Maven, whose generate-test-resources phase copies it into .local/s3proxy/");
        }
        try {
            int port = freePort();
            Path base = Path.of(System.getProperty("gateway.project-dir", "."), "target", "s3proxy", "s3-" + port);
            deleteTree(base);
            Path data = Files.createDirectories(base.resolve("data"));
            Files.createDirectories(data.resolve(BUCKET)); // the filesystem backend's bucket is a directory
            Path conf = base.resolve("s3proxy.conf");
            Files.writeString(conf, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data.toAbsolutePath(),
                    ""));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process process = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-jar", jar,
                    "--properties", conf.toAbsolutePath().toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(base.resolve("s3proxy.log").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                }
            }));
            LocalS3 s3 = new LocalS3(process, port, data);
            s3.awaitUp(Duration.ofSeconds(60), base.resolve("s3proxy.log"));
            return s3;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the server answers HTTP at all (403 to an unsigned request is an answer). */
    private void awaitUp(Duration timeout, Path log) {
        org.awaitility.Awaitility.await("s3proxy on " + endpoint() + " (log: " + log + ")")
                .atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("s3proxy exited with " + process.exitValue() + "; see " + log);
                    }
                    try {
                        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
                        c.setConnectTimeout(500);
                        c.setReadTimeout(2000);
                        c.getResponseCode();
                        c.disconnect();
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
