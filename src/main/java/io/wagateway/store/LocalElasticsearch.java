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
 * <p>
 * The node belongs to the JVM that started it: its logs folder holds {@code elasticsearch.pid} (the node, written
 * by Elasticsearch) and {@code owner.pid} (the JVM that started or adopted it). A JVM killed with SIGKILL runs no
 * shutdown hook and leaves its node running; the next start finds that orphan (its owner is no longer alive),
 * adopts it, says so in the log, and stops it on exit. A node owned by another live JVM is used, never stopped; an
 * Elasticsearch on the port without our pid file is someone else's: used, never stopped, not called "local".
 */
public final class LocalElasticsearch {

    private static final Logger LOG = LoggerFactory.getLogger(LocalElasticsearch.class);
    private static final int MIN_JAVA = 21;
    /** In the logs folder: the node's pid, written by Elasticsearch ({@code -p}). */
    static final String PID_FILE = "elasticsearch.pid";
    /** In the logs folder: the pid of the JVM that owns the node (started or adopted it) and stops it on exit. */
    static final String OWNER_FILE = "owner.pid";

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
     * Makes sure a local node answers on {@code settings.httpPort()}: reuses one already running there (adopting it
     * when the gateway that started it is gone, see the class comment), else starts it; a node this JVM started or
     * adopted is stopped by a shutdown hook.
     *
     * @param settings what to start
     * @return the node's base URL
     * @throws IllegalStateException with a one-line explanation (missing distribution, no JDK ≥ 21, start failure)
     */
    public static synchronized String ensureRunning(Settings settings) {
        return ensure(settings).url();
    }

    /**
     * What {@link #ensureRunning} found or did on the port.
     *
     * @param url   the node's base URL
     * @param local true when the node is the project's own (started or adopted by this JVM, or owned by another live
     *              gateway on the same folders); false for an Elasticsearch of someone else's on that port
     * @param notes what was found and done, one line each (also logged here; a caller that runs before its logging
     *              is set up, such as Spring Boot's environment post-processor, logs them again once it is)
     */
    public record Node(String url, boolean local, List<Note> notes) {
    }

    /**
     * A line of {@link Node#notes()}.
     *
     * @param warn true for a warning (an orphan adopted or stopped)
     * @param line the text
     */
    public record Note(boolean warn, String line) {
    }

    /** Logs a line and keeps it for {@link Node#notes()}. */
    private static void note(List<Note> notes, boolean warn, String line) {
        if (warn) {
            LOG.warn(line);
        } else {
            LOG.info(line);
        }
        notes.add(new Note(warn, line));
    }

    /**
     * {@link #ensureRunning}, saying whether the node found is the project's own.
     *
     * @param settings what to start
     * @return the node
     * @throws IllegalStateException as {@link #ensureRunning}
     */
    public static synchronized Node ensure(Settings settings) {
        List<Note> notes = new ArrayList<>();
        if (running != null && running.settings.httpPort() == settings.httpPort()) {
            return new Node(settings.url(), true, notes);
        }
        Optional<ProcessHandle> node = livePid(settings.logsDir().resolve(PID_FILE)).filter(LocalElasticsearch::isElasticsearch);
        Optional<ProcessHandle> owner = livePid(settings.logsDir().resolve(OWNER_FILE));
        boolean ownerAlive = owner.isPresent() && owner.get().pid() != ProcessHandle.current().pid();
        boolean healthy = clusterHealthy(settings.url());
        if (healthy) {
            if (node.isEmpty()) {
                note(notes, false, "Elasticsearch already running at " + settings.url() + ", not started by this"
                        + " project (no live pid in " + settings.logsDir().resolve(PID_FILE) + "); using it, it will not"
                        + " be stopped");
                running = new LocalElasticsearch(settings, false);
                return new Node(settings.url(), false, notes);
            }
            if (ownerAlive) {
                note(notes, false, "Local Elasticsearch at " + settings.url() + " (pid " + node.get().pid()
                        + ") belongs to the running gateway pid " + owner.get().pid() + "; using it, it will not be"
                        + " stopped by this one");
                running = new LocalElasticsearch(settings, false);
                return new Node(settings.url(), true, notes);
            }
        }
        if (node.isPresent() && ownerAlive) {
            throw new IllegalStateException("The local Elasticsearch (pid " + node.get().pid() + ", data "
                    + settings.dataDir() + ") belongs to the running gateway pid " + owner.get().pid()
                    + " but does not answer at " + settings.url() + " yet: stop that gateway or wait for it");
        }
        if (node.isPresent() && healthy && !settings.cleanData()) {
            note(notes, true, "Adopting the local Elasticsearch at " + settings.url() + " (pid " + node.get().pid()
                    + ") left running by gateway pid " + readPid(settings.logsDir().resolve(OWNER_FILE))
                    .map(String::valueOf).orElse("(unknown)") + ", which is gone: it will be stopped when this gateway"
                    + " stops");
            LocalElasticsearch adopted = new LocalElasticsearch(settings, true);
            adopted.writeOwner();
            running = adopted;
            Runtime.getRuntime().addShutdownHook(new Thread(adopted::stop, "local-elasticsearch-stop"));
            return new Node(settings.url(), true, notes);
        }
        if (node.isPresent()) {
            // an orphan that does not answer (still starting, or hung), or whose data are to be cleaned: it holds the
            // data folder's lock, so it goes
            note(notes, true, "Stopping the local Elasticsearch pid " + node.get().pid() + " left by a gateway that is"
                    + " gone (" + (settings.cleanData() ? "fresh data requested" : "it does not answer at "
                    + settings.url()) + ")");
            terminate(node.get());
        }
        Path home = findHome(settings.home());
        Settings resolved = new Settings(home, settings.dataDir(), settings.logsDir(), settings.httpPort(),
                settings.heap(), settings.runAsUser(), settings.cleanData(), settings.startTimeout());
        LocalElasticsearch fresh = new LocalElasticsearch(resolved, true);
        fresh.start();
        fresh.writeOwner();
        running = fresh;
        Runtime.getRuntime().addShutdownHook(new Thread(fresh::stop, "local-elasticsearch-stop"));
        note(notes, false, "Started local Elasticsearch at " + resolved.url() + " (pid "
                + readPid(resolved.logsDir().resolve(PID_FILE)).map(String::valueOf).orElse("?") + ", data "
                + resolved.dataDir() + "); it stops when this gateway stops");
        return new Node(resolved.url(), true, notes);
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
        node.writeOwner();
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
        start(List.of("discovery.type=single-node", "transport.port=" + (settings.httpPort() + 100),
                "cluster.name=whatsapp-gateway-local"), true);
    }

    /**
     * One node of a multi-node cluster on this machine (the cluster tests): the same distribution, user and settings as
     * the single node, but with its own name, transport port and the others as seed hosts. The process is started and
     * left alone: no owner file, no shutdown hook (the caller stops it, or kills it to test a failure).
     *
     * @param settings           home, data and logs folders, HTTP port, heap, user, clean data, start timeout
     * @param clusterName        {@code cluster.name}, unique per test run
     * @param nodeName           {@code node.name}
     * @param transportPort      {@code transport.port} of this node
     * @param seedTransportPorts every node's transport port on 127.0.0.1 ({@code discovery.seed_hosts})
     * @param initialMasterNodes {@code cluster.initial_master_nodes} (the node names), used on the first start only
     * @return the node's process (its pid file is {@code elasticsearch.pid} in the logs folder)
     * @throws IllegalStateException when the node does not start; it does not wait for the cluster to form (a node
     *                               alone has no master: start them all, then wait for the cluster's health)
     */
    public static ProcessHandle startClusterNode(Settings settings, String clusterName, String nodeName,
            int transportPort, List<Integer> seedTransportPorts, List<String> initialMasterNodes) {
        Path home = findHome(settings.home());
        LocalElasticsearch node = new LocalElasticsearch(new Settings(home, settings.dataDir(), settings.logsDir(),
                settings.httpPort(), settings.heap(), settings.runAsUser(), settings.cleanData(),
                settings.startTimeout()), true);
        node.start(List.of("cluster.name=" + clusterName, "node.name=" + nodeName,
                "transport.port=" + transportPort,
                "discovery.seed_hosts=" + String.join(",",
                        seedTransportPorts.stream().map(p -> "127.0.0.1:" + p).toList()),
                "cluster.initial_master_nodes=" + String.join(",", initialMasterNodes)), false);
        return livePid(settings.logsDir().resolve(PID_FILE)).orElseThrow(() -> new IllegalStateException(
                "Elasticsearch node " + nodeName + " wrote no pid into " + settings.logsDir()));
    }

    /**
     * @param topology        the {@code -E} settings that make it a single node or a member of a cluster
     * @param waitUntilHealthy wait until {@code GET /_cluster/health} answers 200 (not for a cluster member: it answers
     *                        only once a master is elected)
     */
    private void start(List<String> topology, boolean waitUntilHealthy) {
        Path javaHome = findJava().orElseThrow(() -> new IllegalStateException(
                "Elasticsearch 9.2.0 needs a JDK >= 21 and none was found in ES_JAVA_HOME, JAVA_HOME or /usr/lib/jvm:"
                        + " install one (e.g. Temurin 21+) and set ES_JAVA_HOME, or set ELASTICSEARCH_URL to an existing cluster"));
        try {
            if (settings.cleanData()) {
                deleteTree(settings.dataDir());
            }
            Files.createDirectories(settings.dataDir());
            Files.createDirectories(settings.logsDir());
            Path pidFile = settings.logsDir().resolve(PID_FILE);
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(settings.logsDir().resolve(OWNER_FILE));

            List<String> command = new ArrayList<>();
            boolean root = isRoot();
            if (root) {
                prepareUnprivilegedUser();
                command.addAll(List.of("runuser", "-u", settings.runAsUser(), "--"));
            }
            if (!waitUntilHealthy) {
                // nodes of a cluster start at once from one config folder: each would create the missing keystore
                // and they trip over each other's temporary file. Create it first, once.
                createKeystore(new ArrayList<>(command), javaHome);
            }
            command.addAll(List.of("env", "ES_JAVA_HOME=" + javaHome,
                    "ES_JAVA_OPTS=-Xms" + settings.heap() + " -Xmx" + settings.heap(),
                    "ES_PATH_CONF=" + settings.home().resolve("config"),
                    settings.home().resolve("bin/elasticsearch").toString(), "-d", "-p", pidFile.toString()));
            for (String setting : topology) {
                command.addAll(List.of("-E", setting));
            }
            command.addAll(List.of(
                    "-E", "xpack.security.enabled=false",
                    "-E", "network.host=127.0.0.1",
                    "-E", "http.port=" + settings.httpPort(),
                    "-E", "path.data=" + settings.dataDir(),
                    "-E", "path.logs=" + settings.logsDir(),
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
            while (waitUntilHealthy && !clusterHealthy(settings.url())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Elasticsearch did not report cluster health within "
                            + settings.startTimeout() + "; see " + settings.logsDir());
                }
                Thread.sleep(250);
            }
            LOG.info("Local Elasticsearch {} at {}", waitUntilHealthy ? "is up" : "started", settings.url());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start local Elasticsearch: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Elasticsearch", e);
        }
    }

    /** Creates {@code config/elasticsearch.keystore} when missing (once per JVM at a time), as the node's user. */
    private void createKeystore(List<String> asUser, Path javaHome) throws IOException, InterruptedException {
        synchronized (LocalElasticsearch.class) {
            if (Files.exists(settings.home().resolve("config/elasticsearch.keystore"))) {
                return;
            }
            asUser.addAll(List.of("env", "ES_JAVA_HOME=" + javaHome, "ES_PATH_CONF=" + settings.home().resolve("config"),
                    settings.home().resolve("bin/elasticsearch-keystore").toString(), "create"));
            int rc = new ProcessBuilder(asUser).redirectErrorStream(true)
                    .redirectOutput(settings.logsDir().resolve("keystore.out").toFile()).start().waitFor();
            if (rc != 0 && !Files.exists(settings.home().resolve("config/elasticsearch.keystore"))) {
                throw new IllegalStateException("elasticsearch-keystore create failed (exit " + rc + "); see "
                        + settings.logsDir().resolve("keystore.out"));
            }
        }
    }

    /** Stops the node this JVM started or adopted (SIGTERM, then SIGKILL after 30 s) and removes its owner file. */
    public void stop() {
        if (!ownsProcess) {
            return;
        }
        Optional<ProcessHandle> handle = livePid(settings.logsDir().resolve(PID_FILE));
        if (handle.isPresent()) {
            LOG.info("Stopping local Elasticsearch (pid {})", handle.get().pid());
            terminate(handle.get());
        }
        try {
            Files.deleteIfExists(settings.logsDir().resolve(OWNER_FILE));
        } catch (IOException e) {
            LOG.warn("Could not remove {}: {}", settings.logsDir().resolve(OWNER_FILE), e.toString());
        }
    }

    /** SIGTERM, then SIGKILL when the process has not exited 30 s later. */
    private static void terminate(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } catch (Exception e) {
            process.destroyForcibly();
        }
    }

    /** Records this JVM as the node's owner ({@code owner.pid} in the logs folder). */
    private void writeOwner() {
        try {
            Files.writeString(settings.logsDir().resolve(OWNER_FILE), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            LOG.warn("Could not record the owner of the local Elasticsearch in {}: {}", settings.logsDir(), e.toString());
        }
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Long.parseLong(Files.readString(file).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** @return the live process whose pid the file holds, if any */
    private static Optional<ProcessHandle> livePid(Path file) {
        return readPid(file).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive);
    }

    /** @return false when the process is known to be something else than Elasticsearch (a pid reused since) */
    private static boolean isElasticsearch(ProcessHandle process) {
        return process.info().commandLine().map(c -> c.contains("org.elasticsearch")).orElse(true);
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
