package io.wagateway.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The packaged gateway ({@code target/whatsapp-gateway-*.jar}) as a process of its own, for the tests that kill it
 * mid-work and start it again (GatewayKillIT, SendKillIT).
 */
public final class PackagedGateway {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private PackagedGateway() {
    }

    /** @return a TCP port free at the time of the call */
    public static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts the jar with {@code -Xmx384m} and waits until {@code /actuator/health} answers 200.
     *
     * @param httpPort the gateway's port ({@code PORT})
     * @param log      file the process's output is appended to
     * @param env      environment variables besides {@code PORT}
     * @param args     command-line arguments after the jar (e.g. {@code --some.property=value})
     * @param timeout  how long to wait for the health answer
     * @return the running process
     * @throws IllegalStateException when target/ holds no jar (the package phase did not run)
     */
    public static Process start(int httpPort, Path log, Map<String, String> env, List<String> args, Duration timeout)
            throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("whatsapp-gateway-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("run the package phase first: no jar in target/"));
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-jar", jar.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("PORT", Integer.toString(httpPort));
        Process p = pb.start();
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(() -> {
                try {
                    return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort
                            + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (Exception e) {
                    assertThat(p.isAlive()).as("gateway process died; see %s", log).isTrue();
                    return false;
                }
            });
        } catch (RuntimeException | AssertionError e) {
            p.destroyForcibly();      // a gateway that never became healthy must not outlive its test (port, CPU)
            throw e;
        }
        return p;
    }
}
