package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.store.LocalElasticsearch;
import io.wagateway.support.Fixtures;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The same route files under Camel JBang ({@code camel run}, Vert.x HTTP, no Spring): a JVM of its own runs
 * {@code CamelJBangMain} with every {@code routes/*.camel.yaml}, the project's classes on its classpath and the
 * properties passed explicitly; a signed Meta webhook is answered 200 and its message is in Elasticsearch.
 */
class JBangRunIT {

    static final Path PROJECT = Path.of(System.getProperty("gateway.project-dir", ".")).toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The test JVM's classpath without Spring (and its Logback): what {@code camel run --dep} would assemble. */
    static String jbangClasspath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> {
                    String name = Path.of(e).getFileName().toString();
                    // Spring Boot and Camel's Spring Boot starters go; spring-core/-beans stay (KameletMain uses them)
                    return !name.startsWith("spring-boot") && !name.startsWith("camel-spring")
                            && !name.contains("-starter") && !name.startsWith("spring-web")
                            && !name.startsWith("log4j-to-slf4j") && !name.startsWith("wiremock")
                            && !name.startsWith("camel-micrometer") // else JBang fetches its Prometheus add-on
                            && !e.endsWith("test-classes");
                })
                .collect(Collectors.joining(File.pathSeparator)) + File.pathSeparator + testLauncherDir();
    }

    /** Only the launcher of the test classes (the others bring test resources that are no business of the run). */
    static String testLauncherDir() {
        return PROJECT.resolve("target/test-classes").toString();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void routeFilesRunUnderCamelJBangAndStoreASignedWebhook() throws Exception {
        int esPort = Integer.parseInt(System.getenv().getOrDefault("TEST_ES_PORT", "9250"));
        Path local = PROJECT.resolve(".local");
        String esUrl = LocalElasticsearch.ensureRunning(new LocalElasticsearch.Settings(local.resolve("elasticsearch"),
                local.resolve("data/elasticsearch-" + esPort), local.resolve("logs/elasticsearch-" + esPort), esPort,
                "512m", "elasticsearch", false, Duration.ofSeconds(120)));

        Path work = Files.createTempDirectory(PROJECT.resolve("target"), "jbang-run");
        Path props = work.resolve("gateway.properties");
        // application.yaml as Camel properties (what README's command does), plus the test's own values
        java.util.Properties p = JBangProperties.convert(PROJECT.resolve("application.yaml"));
        p.setProperty("gateway.elasticsearch.url", esUrl);
        p.setProperty("gateway.meta.app-secret", Fixtures.SECRET);
        p.setProperty("gateway.meta.verify-token", "test-verify-token");
        p.setProperty("gateway.waha.hmac-key", Fixtures.SECRET);
        p.setProperty("gateway.periskope.signing-secret", Fixtures.SECRET);
        p.setProperty("gateway.unipile.webhook-secret", Fixtures.SECRET);
        p.setProperty("gateway.dead-letter.journal-dir", work.resolve("dead-letters").toString());
        p.setProperty("gateway.enrichment.enabled", "false");
        try (java.io.OutputStream out = Files.newOutputStream(props)) {
            JBangProperties.write(p, out);
        }
        // JBang resolves what it misses (the Kamelet catalog) through Maven into ~/.m2/repository: this machine's
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
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Duser.home=" + work, "-Dlogback.configurationFile=" + logback, "-cp", jbangClasspath(), JBangLauncher.class.getName(), "run"));
        command.addAll(routes);
        command.addAll(List.of("--port=" + port, "--properties=" + props,
                "--max-seconds=240", "--name=whatsapp-gateway-jbang"));
        Path log = PROJECT.resolve("target/jbang-run.log");
        Process camel = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(camel.isAlive()).as("camel run exited: see " + log).isTrue();
                try {
                    return get("http://localhost:" + port + "/health").statusCode() == 200;
                } catch (java.io.IOException e) {
                    return false;
                }
            });

            String id = "wamid.JBANG" + System.nanoTime();
            byte[] body = new String(Fixtures.bytes("webhooks/meta/inbound_text.json"), StandardCharsets.UTF_8)
                    .replace("wamid.HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=", id)
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/webhooks/meta")).header("Content-Type", "application/json")
                    .header("X-Hub-Signature-256", Fixtures.metaSignature(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"stored\":1");

            HttpResponse<String> doc = get(esUrl + "/whatsapp-messages/_doc/" + java.net.URLEncoder.encode(
                    "meta:100000000000002:" + id, StandardCharsets.UTF_8));
            assertThat(doc.statusCode()).isEqualTo(200);
            JsonNode source = JSON.readTree(doc.body()).path("_source");
            assertThat(source.path("text").asText()).isEqualTo("Hi, is my order #4821 ready for pickup?");
            assertThat(source.path("provider").asText()).isEqualTo("meta");

            // the raw bytes reach the verifier under Vert.x too: a forged signature is refused
            HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/webhooks/meta")).header("Content-Type", "application/json")
                    .header("X-Hub-Signature-256", "sha256=" + "0".repeat(64))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);

            JsonNode stats = JSON.readTree(get("http://localhost:" + port + "/stats").body());
            assertThat(stats.path("providers").path("meta").path("stored").asLong()).isEqualTo(1);
            assertThat(stats.path("providers").path("meta").path("signature_rejections").asLong()).isEqualTo(1);
        } finally {
            camel.destroy();
            if (!camel.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                camel.destroyForcibly();
            }
        }
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
