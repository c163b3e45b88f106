package io.wagateway.ops;

import static io.wagateway.ops.JBangRunIT.HTTP;
import static io.wagateway.ops.JBangRunIT.JSON;
import static io.wagateway.ops.JBangRunIT.PROJECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wagateway.store.LocalElasticsearch;
import io.wagateway.support.Fixtures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API's tokens under Camel JBang (Vert.x copies query parameters into headers too): a bearer token counts only in
 * the Authorization header on /admin, /api and /stats (METRICS_TOKEN), a bad date is a 400, and /health keeps its
 * counters for the token holder. Launched like {@link JBangRunIT} (its classpath), with tokens set.
 */
class JBangApiTokensIT {

    static final String ADMIN = "jbang-admin-token";
    static final String METRICS = "jbang-metrics-token";

    @Test
    void underJBangATokenCountsOnlyInTheAuthorizationHeader() throws Exception {
        int esPort = Integer.parseInt(System.getenv().getOrDefault("TEST_ES_PORT", "9250"));
        Path local = PROJECT.resolve(".local");
        String esUrl = LocalElasticsearch.ensureRunning(new LocalElasticsearch.Settings(local.resolve("elasticsearch"),
                local.resolve("data/elasticsearch-" + esPort), local.resolve("logs/elasticsearch-" + esPort), esPort,
                "512m", "elasticsearch", false, Duration.ofSeconds(120)));
        Path work = Files.createTempDirectory(PROJECT.resolve("target"), "jbang-api");
        java.util.Properties p = JBangProperties.convert(PROJECT.resolve("application.yaml"));
        p.setProperty("gateway.elasticsearch.url", esUrl);
        p.setProperty("gateway.meta.app-secret", Fixtures.SECRET);
        p.setProperty("gateway.enrichment.enabled", "false");
        p.setProperty("gateway.dead-letter.journal-dir", work.resolve("dead-letters").toString());
        p.setProperty("gateway.admin.token", ADMIN);
        p.setProperty("gateway.page.token", ADMIN);
        p.setProperty("gateway.metrics.token", METRICS);
        Path props = work.resolve("gateway.properties");
        try (java.io.OutputStream out = Files.newOutputStream(props)) {
            JBangProperties.write(p, out);
        }
        String m2 = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Files.createDirectories(work.resolve(".m2"));
        Files.createSymbolicLink(work.resolve(".m2").resolve("repository"), Path.of(m2).toAbsolutePath());
        Path logback = work.resolve("logback.xml");
        Files.writeString(logback, "<configuration><appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">"
                + "<encoder><pattern>%d %-5level [%thread] %logger{36} : %msg%n</pattern></encoder></appender>"
                + "<root level=\"INFO\"><appender-ref ref=\"OUT\"/></root></configuration>\n");
        List<String> routes;
        try (Stream<Path> files = Files.list(PROJECT.resolve("routes"))) {
            routes = files.filter(f -> f.toString().endsWith(".camel.yaml")).map(Path::toString).sorted().toList();
        }
        int port = JBangRunIT.freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Duser.home=" + work, "-Dlogback.configurationFile=" + logback, "-cp", JBangRunIT.jbangClasspath(), JBangLauncher.class.getName(), "run"));
        command.addAll(routes);
        command.addAll(List.of("--port=" + port, "--properties=" + props, "--max-seconds=240",
                "--name=whatsapp-gateway-jbang-api"));
        Path log = PROJECT.resolve("target/jbang-api.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeAll(List.of("ADMIN_TOKEN", "MESSAGES_PAGE_TOKEN", "METRICS_TOKEN"));
        Process camel = pb.start();
        String base = "http://localhost:" + port;
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(camel.isAlive()).as("camel run exited: see " + log).isTrue();
                try {
                    return JBangRunIT.get(base + "/health").statusCode() == 200;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            for (String path : List.of("/admin/dead-letters", "/api/messages", "/api/stats/messages-per-minute",
                    "/api/conversation?chat=c1")) {
                String sep = path.contains("?") ? "&" : "?";
                assertThat(get(base + path + sep + "Authorization=Bearer%20" + ADMIN, null).statusCode())
                        .as(path + " token in the query").isEqualTo(401);
                assertThat(get(base + path, "Bearer " + ADMIN).statusCode()).as(path).isEqualTo(200);
            }
            assertThat(get(base + "/admin/dead-letters?from=yesterday", "Bearer " + ADMIN).statusCode()).isEqualTo(400);
            assertThat(get(base + "/stats?Authorization=Bearer%20" + METRICS, null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/stats", "Bearer " + METRICS).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(get(base + "/health", null).body()).has("stats")).isFalse();
            assertThat(JSON.readTree(get(base + "/health", "Bearer " + METRICS).body()).has("stats")).isTrue();
        } finally {
            camel.destroy();
            if (!camel.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                camel.destroyForcibly();
            }
        }
    }

    /** 30 s: the first admin list also adds a mapping, slow on a loaded machine. */
    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
