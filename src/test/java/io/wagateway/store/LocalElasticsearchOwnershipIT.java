package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The local Elasticsearch belongs to the gateway that started it (issue 15 item 3): the packaged gateway, run as a
 * process of its own with its local Elasticsearch, is killed with SIGKILL (no shutdown hook runs, its node is
 * orphaned); started again, it adopts that node (one Elasticsearch on the data folder, owned by the new gateway)
 * and stops it when it stops. That stop, a SIGTERM, ends with exit status 0 (issue 15 item 6).
 */
class LocalElasticsearchOwnershipIT {

    static final Path PROJECT = Path.of(System.getProperty("gateway.project-dir", ".")).toAbsolutePath();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A free port whose transport port (+100, see LocalElasticsearch) is free too. */
    static int freeEsPort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            if (port + 100 < 65536) {
                try (ServerSocket t = new ServerSocket(port + 100)) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The processes holding a file open under the folder (Elasticsearch holds its data folder's node.lock). */
    static List<Long> processesUsing(Path dir) throws IOException {
        Path real = dir.toRealPath();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
                    return fds.anyMatch(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).startsWith(real);
                        } catch (IOException | UnsupportedOperationException e) {
                            return false;
                        }
                    });
                } catch (IOException | SecurityException e) {
                    return false;
                }
            }).map(p -> Long.parseLong(p.getFileName().toString())).sorted().toList();
        }
    }

    static Process startGateway(Path localDir, int esPort, int httpPort, Path log) throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(PROJECT.resolve("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("whatsapp-gateway-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("run the package phase first: no jar in target/"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString())
                .directory(localDir.getParent().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ELASTICSEARCH_") || k.equals("GATEWAY_LOCAL_DIR"));
        env.put("PORT", Integer.toString(httpPort));
        env.put("GATEWAY_LOCAL_DIR", localDir.toString());
        env.put("ELASTICSEARCH_LOCAL_PORT", Integer.toString(esPort));
        env.put("ELASTICSEARCH_LOCAL_HEAP", "256m");
        env.put("DEAD_LETTER_JOURNAL_DIR", localDir.resolve("dead-letters").toString());
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).until(() -> {
            assertThat(p.isAlive()).as("gateway process died; see %s", log).isTrue();
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/actuator/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return p;
    }

    static long pidIn(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    @Test
    void aGatewayKilledWithSigkillLeavesItsElasticsearchToTheNextOneWhichStopsIt() throws Exception {
        Path base = Files.createTempDirectory(PROJECT.resolve("target"), "es-owner");
        Path localDir = Files.createDirectories(base.resolve("local"));
        // the distribution the build unpacked; data and logs of their own
        Files.createSymbolicLink(localDir.resolve("elasticsearch"), PROJECT.resolve(".local/elasticsearch"));
        int esPort = freeEsPort();
        Path dataDir = localDir.resolve("data/elasticsearch-" + esPort);
        Path logsDir = localDir.resolve("logs/elasticsearch-" + esPort);
        Path log = PROJECT.resolve("target/es-owner-gateway.log");
        Files.deleteIfExists(log);
        Process first = null;
        Process second = null;
        try {
            first = startGateway(localDir, esPort, freePort(), log);
            long esPid = pidIn(logsDir.resolve("elasticsearch.pid"));
            assertThat(pidIn(logsDir.resolve("owner.pid"))).isEqualTo(first.pid());

            first.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ProcessHandle.of(esPid).map(ProcessHandle::isAlive)).as("the orphaned node").contains(true);

            second = startGateway(localDir, esPort, freePort(), log);
            assertThat(processesUsing(dataDir)).as("Elasticsearch processes on " + dataDir).containsExactly(esPid);
            assertThat(pidIn(logsDir.resolve("owner.pid"))).as("owner of the node").isEqualTo(second.pid());
            assertThat(Files.readString(log)).contains("Adopting the local Elasticsearch");

            second.destroy(); // SIGTERM: a normal stop
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("the gateway stops").isTrue();
            assertThat(second.exitValue()).as("a requested stop exits 0 (spring-boot:run counts 143 as a failure)")
                    .isZero();
            await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(esPid).map(h -> !h.isAlive()).orElse(true));
            assertThat(processesUsing(dataDir)).isEmpty();
            assertThat(logsDir.resolve("owner.pid")).doesNotExist();
        } finally {
            for (Process p : new Process[] {first, second}) {
                if (p != null) {
                    p.destroyForcibly();
                }
            }
            if (Files.isDirectory(dataDir)) {
                for (long pid : processesUsing(dataDir)) { // whatever this test left
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }
}
