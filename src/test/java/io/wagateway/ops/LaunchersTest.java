package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.yaml.snakeyaml.Yaml;

/**
 * Every way the project starts the gateway ends the JVM on an {@code OutOfMemoryError}
 * ({@code -XX:+ExitOnOutOfMemoryError}, issue 15 item 7): a JVM that lost a thread to one keeps answering 503 and
 * is never restarted, while a process that exits is restarted by whatever supervises it.
 */
class LaunchersTest {

    static final Path PROJECT = Path.of(System.getProperty("gateway.project-dir", "."));
    static final String FLAG = "-XX:+ExitOnOutOfMemoryError";

    @Test
    void springBootRunForksTheGatewayWithTheFlag() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(PROJECT.resolve("pom.xml").toFile());
        String jvmArguments = XPathFactory.newInstance().newXPath().evaluate(
                "/project/build/plugins/plugin[artifactId='spring-boot-maven-plugin']/configuration/jvmArguments", pom);
        assertThat(jvmArguments).contains(FLAG);
    }

    @Test
    void theJarRunOfTheDocumentationHasTheFlag() throws Exception {
        List<String> jarRuns = Files.readAllLines(PROJECT.resolve("docs/running.md")).stream()
                .filter(l -> l.contains("java ") && l.contains(" -jar ")).toList();
        assertThat(jarRuns).isNotEmpty().allSatisfy(l -> assertThat(l).contains(FLAG));
    }

    @Test
    void camelRunScriptStartsTheJvmWithTheFlag() throws Exception {
        List<String> javaLines = Files.readAllLines(PROJECT.resolve("scripts/camel-run.sh")).stream()
                .filter(l -> l.startsWith("exec java ")).toList();
        assertThat(javaLines).hasSize(1).allSatisfy(l -> assertThat(l).contains(FLAG));
    }

    @Test
    @SuppressWarnings("unchecked")
    void camelKIntegrationAndDeploymentHaveTheFlag() throws Exception {
        Map<String, Object> integration = new Yaml().load(
                Files.readString(PROJECT.resolve("deploy/camel-k/whatsapp-gateway.yaml")));
        Map<String, Object> traits = (Map<String, Object>) ((Map<String, Object>) integration.get("spec")).get("traits");
        List<String> options = (List<String>) ((Map<String, Object>) traits.get("jvm")).get("options");
        assertThat(options).contains(FLAG);
        // the Deployment fragment (JKube): JAVA_OPTIONS, read by the image's run-java.sh
        assertThat(Files.readString(PROJECT.resolve("src/main/jkube/deployment.yml")))
                .containsPattern("name: JAVA_OPTIONS\\s+value: [^\\n]*" + FLAG.replace("+", "\\+"));
    }
}
