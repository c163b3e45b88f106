package io.wagateway.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the project's own single-node Elasticsearch (the embedded default of the run command and of the
 * tests): the 9.2.0 {@code integ-test-zip} distribution that the build unpacks into {@code .local/elasticsearch}.
 * <ul>
 *   <li>It needs a JDK ≥ 21, found in {@code ES_JAVA_HOME}, {@code JAVA_HOME} or under {@code /usr/lib/jvm};</li>
 *   <li>Elasticsearch refuses to run as root, so when we are root it runs as the unprivileged user
 *       {@code settings.runAsUser} (created with {@code useradd} if missing) via {@code runuser};</li>
 *   <li>security is off and it listens on 127.0.0.1 only.</li>
 * </ul>
 * One node per JVM; it is stopped by a JVM shutdown hook, i.e. when the gateway (or the test JVM) stops.
 */
public final class LocalElasticsearch {

    private static final Logger LOG = LoggerFactory.getLogger(LocalElasticsearch.class);
    private static final int MIN_JAVA = 21;

    private static LocalElasticsearch running;

    private final Settings settings;
    private final boolean ownsProcess;

    /**
     * What to start.
     *
     * @param home          unpacked distribution (contains {@code bin/elasticsearch})
     * @param dataDir       path.data
     * @param logsDir       path.logs
     * @param httpPort      HTTP port on 127.0.0.1
     * @param heap          JVM heap, e.g. {@code 512m}
     * @param runAsUser     unprivileged user when started as root
     * @param cleanData     delete {@code dataDir} before starting (tests)
     * @param startTimeout  how long to wait for cluster health
     */
    public record Settings(Path home, Path dataDir, Path logsDir, int httpPort, String heap, String runAsUser,
            boolean cleanData, Duration startTimeout) {

        /** @return {@code http://127.0.0.1:<httpPort>} */
        public String url() {
            return "http://127.0.0.1:" + httpPort;
        }
    }

    private LocalElasticsearch(Settings settings, boolean ownsProcess) {
        this.settings = settings;
        this.ownsProcess = ownsProcess;
    }

    /**
     * Makes sure a local node answers on {@code settings.httpPort()}: reuses one already running there, else starts
     * it and registers a shutdown hook that stops it.
     *
     * @param settings what to start
     * @return the node's base URL
     * @throws IllegalStateException with a one-line explanation (missing distribution, no JDK ≥ 21, start failure)
     */
    public static synchronized String ensureRunning(Settings settings) {
        if (running != null && running.settings.httpPort() == settings.httpPort()) {
            return settings.url();
        }
        if (clusterHealthy(settings.url())) {
            LOG.info("Elasticsearch already running at {}; using it", settings.url());
            running = new LocalElasticsearch(settings, false);
            return settings.url();
        }
        Path home = findHome(settings.home());
        Settings resolved = new Settings(home, settings.dataDir(), settings.logsDir(), settings.httpPort(),
                settings.heap(), settings.runAsUser(), settings.cleanData(), settings.startTimeout());
        LocalElasticsearch node = new LocalElasticsearch(resolved, true);
        node.start();
        running = node;
        Runtime.getRuntime().addShutdownHook(new Thread(node::stop, "local-elasticsearch-stop"));
        return resolved.url();
    }

    /** Stops the node this JVM started, keeping its data (tests that simulate an Elasticsearch outage). */
    public static synchronized void stopLocal() {
        if (running != null) {
            running.stop();
        }
    }

    /**
     * Starts the node stopped by {@link #stopLocal()} again on its data (never cleaned).
     *
     * @return its base URL
     */
    public static synchronized String startLocalAgain() {
        if (running == null) {
            throw new IllegalStateException("no local Elasticsearch was started in this JVM");
        }
        Settings s = running.settings;
        LocalElasticsearch node = new LocalElasticsearch(new Settings(s.home(), s.dataDir(), s.logsDir(), s.httpPort(),
                s.heap(), s.runAsUser(), false, s.startTimeout()), true);
        node.start();
        running = node;
        return s.url();
    }

    private static Path findHome(Path home) {
        if (Files.isExecutable(home.resolve("bin/elasticsearch"))) {
            return home.toAbsolutePath();
        }
        // the zip unpacks to elasticsearch-<version>/ below the configured folder
        if (Files.isDirectory(home)) {
            try (Stream<Path> dirs = Files.list(home)) {
                Optional<Path> found = dirs.filter(d -> Files.isExecutable(d.resolve("bin/elasticsearch"))).findFirst();
                if (found.isPresent()) {
                    return found.get().toAbsolutePath();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("No local Elasticsearch under " + home.toAbsolutePath()
                + ": run './mvnw generate-resources' (unpacks Elasticsearch 9.2.0 into .local/) or set ELASTICSEARCH_URL");
    }

    private void start() {
        Path javaHome = findJava().orElseThrow(() -> new IllegalStateException(
                "Elasticsearch 9.2.0 needs a JDK >= 21 and none was found in ES_JAVA_HOME, JAVA_HOME or /usr/lib/jvm:"
                        + " install one (e.g. Temurin 21+) and set ES_JAVA_HOME, or set ELASTICSEARCH_URL to an existing cluster"));
        try {
            if (settings.cleanData()) {
                deleteTree(settings.dataDir());
            }
            Files.createDirectories(settings.dataDir());
            Files.createDirectories(settings.logsDir());
            Path pidFile = settings.logsDir().resolve("elasticsearch.pid");
            Files.deleteIfExists(pidFile);

            List<String> command = new ArrayList<>();
            boolean root = isRoot();
            if (root) {
                prepareUnprivilegedUser();
                command.addAll(List.of("runuser", "-u", settings.runAsUser(), "--"));
            }
            command.addAll(List.of("env", "ES_JAVA_HOME=" + javaHome,
                    "ES_JAVA_OPTS=-Xms" + settings.heap() + " -Xmx" + settings.heap(),
                    "ES_PATH_CONF=" + settings.home().resolve("config"),
                    settings.home().resolve("bin/elasticsearch").toString(), "-d", "-p", pidFile.toString(),
                    "-E", "discovery.type=single-node",
                    "-E", "xpack.security.enabled=false",
                    "-E", "network.host=127.0.0.1",
                    "-E", "http.port=" + settings.httpPort(),
                    "-E", "transport.port=" + (settings.httpPort() + 100),
                    "-E", "path.data=" + settings.dataDir(),
                    "-E", "path.logs=" + settings.logsDir(),
                    "-E", "cluster.name=whatsapp-gateway-local",
                    "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
                    // the gateway creates its indices explicitly (templates + aliases): a write to a missing alias must
                    // fail (503, redelivered) rather than silently create a mis-mapped index of the alias' name
                    "-E", "action.auto_create_index=false"));
            LOG.info("Starting local Elasticsearch on {} (JDK {}, data {}{})", settings.url(), javaHome,
                    settings.dataDir(), root ? ", as user " + settings.runAsUser() : "");
            Path startLog = settings.logsDir().resolve("startup.out");
            Process launcher = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(startLog.toFile()).start();
            long deadline = System.nanoTime() + settings.startTimeout().toNanos();
            boolean exited = launcher.waitFor(settings.startTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!exited || launcher.exitValue() != 0) {
                throw new IllegalStateException("Elasticsearch did not start (exit "
                        + (exited ? launcher.exitValue() : "timeout") + "); see " + startLog + " and " + settings.logsDir());
            }
            while (!clusterHealthy(settings.url())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Elasticsearch did not report cluster health within "
                            + settings.startTimeout() + "; see " + settings.logsDir());
                }
                Thread.sleep(250);
            }
            LOG.info("Local Elasticsearch is up at {}", settings.url());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start local Elasticsearch: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Elasticsearch", e);
        }
    }

    /** Stops the node this JVM started (SIGTERM, then SIGKILL after 30 s). */
    public void stop() {
        if (!ownsProcess) {
            return;
        }
        Path pidFile = settings.logsDir().resolve("elasticsearch.pid");
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isEmpty()) {
                return;
            }
            LOG.info("Stopping local Elasticsearch (pid {})", pid);
            handle.get().destroy();
            try {
                handle.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.get().destroyForcibly();
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("Could not stop local Elasticsearch: {}", e.toString());
        }
    }

    /**
     * @param url base URL
     * @return true when {@code GET /_cluster/health} answers 200 (this distribution answers 405 to {@code GET /})
     */
    public static boolean clusterHealthy(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url + "/_cluster/health").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            int code = c.getResponseCode();
            c.disconnect();
            return code == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Finds a JDK of at least version 21 for Elasticsearch.
     *
     * @return its home, or empty
     */
    public static Optional<Path> findJava() {
        List<Path> candidates = new ArrayList<>();
        for (String env : new String[] {"ES_JAVA_HOME", "JAVA_HOME"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                candidates.add(Path.of(v));
            }
        }
        Path jvmDir = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvmDir)) {
            try (Stream<Path> dirs = Files.list(jvmDir)) {
                dirs.sorted(Comparator.comparingInt(LocalElasticsearch::javaVersion).reversed()).forEach(candidates::add);
            } catch (IOException e) {
                LOG.debug("cannot list {}", jvmDir, e);
            }
        }
        return candidates.stream().filter(p -> javaVersion(p) >= MIN_JAVA && Files.isExecutable(p.resolve("bin/java")))
                .findFirst();
    }

    private static int javaVersion(Path javaHome) {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        try (var in = Files.newInputStream(release)) {
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
            String major = v.startsWith("1.") ? v.substring(2, 3) : v.split("[.+-]")[0];
            return Integer.parseInt(major);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void prepareUnprivilegedUser() throws IOException, InterruptedException {
        String user = settings.runAsUser();
        if (run("id", "-u", user) != 0) {
            int rc = run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
            if (rc != 0 && run("id", "-u", user) != 0) {
                throw new IllegalStateException("Elasticsearch refuses to run as root and user '" + user
                        + "' could not be created (useradd exit " + rc + ")");
            }
        }
        for (Path dir : List.of(settings.home(), settings.dataDir(), settings.logsDir())) {
            run("chown", "-R", user + ":", dir.toString());
            makeTraversable(dir.getParent());
        }
    }

    /** The unprivileged user must be able to reach the folders: grant o+x on ancestors that lack it. */
    private static void makeTraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
