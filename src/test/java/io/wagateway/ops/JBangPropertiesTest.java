package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesFunction;
import org.junit.jupiter.api.Test;

/**
 * The application.yaml → Camel JBang properties conversion: every Spring placeholder, nested ones included, becomes
 * a Camel placeholder that Camel resolves to what Spring Boot would (issue 15 item 2).
 */
class JBangPropertiesTest {

    static final Path YAML = Path.of(System.getProperty("gateway.project-dir", ".")).resolve("application.yaml");

    @Test
    void convertsEnvironmentPropertyAndNestedPlaceholders() {
        assertThat(JBangProperties.toCamel("${PORT:8080}")).isEqualTo("{{env:PORT:8080}}");
        assertThat(JBangProperties.toCamel("${ADMIN_TOKEN:}")).isEqualTo("{{env:ADMIN_TOKEN:}}");
        assertThat(JBangProperties.toCamel("${MESSAGES_PAGE_TOKEN:${gateway.admin.token:}}"))
                .isEqualTo("{{env:MESSAGES_PAGE_TOKEN:{{gateway.admin.token:}}}}");
        assertThat(JBangProperties.toCamel("${A:${B:${c.d:x}}}")).isEqualTo("{{env:A:{{env:B:{{c.d:x}}}}}}");
        assertThat(JBangProperties.toCamel("${gateway.admin.token}")).isEqualTo("{{gateway.admin.token}}");
        assertThat(JBangProperties.toCamel("http://${HOST:localhost}:${P:9200}/x"))
                .isEqualTo("http://{{env:HOST:localhost}}:{{env:P:9200}}/x");
        // a default may hold colons (URLs) and text without placeholders is kept as it is
        assertThat(JBangProperties.toCamel("${BASE:https://openrouter.ai/api/v1}"))
                .isEqualTo("{{env:BASE:https://openrouter.ai/api/v1}}");
        assertThat(JBangProperties.toCamel("(?is).*\\b(opening hours)\\b.*")).isEqualTo("(?is).*\\b(opening hours)\\b.*");
        assertThatThrownBy(() -> JBangProperties.toCamel("${A:${b}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noSpringPlaceholderSurvivesTheConversionOfApplicationYaml() throws Exception {
        Properties p = JBangProperties.convert(YAML);
        p.forEach((k, v) -> assertThat(v.toString()).as("%s", k).doesNotContain("${"));
        assertThat(p.getProperty("gateway.page.token")).isEqualTo("{{env:MESSAGES_PAGE_TOKEN:{{gateway.admin.token:}}}}");
    }

    /** The page token as Camel resolves the converted file, with the given environment. */
    static String pageToken(Map<String, String> env) throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setInitialProperties(JBangProperties.convert(YAML));
            // the environment of the test, not of this JVM: Camel's env function, reading a map
            camel.getPropertiesComponent().addPropertiesFunction(new PropertiesFunction() {
                @Override
                public String getName() {
                    return "env";
                }

                @Override
                public String apply(String remainder) {
                    int colon = remainder.indexOf(':');
                    String name = colon < 0 ? remainder : remainder.substring(0, colon);
                    return env.getOrDefault(name, colon < 0 ? null : remainder.substring(colon + 1));
                }
            });
            camel.start();
            return camel.resolvePropertyPlaceholders("{{gateway.page.token:}}");
        }
    }

    @Test
    void pageTokenResolvesUnderCamelAsUnderSpringBoot() throws Exception {
        assertThat(pageToken(Map.of())).as("no token: the API is off").isEmpty();
        assertThat(pageToken(Map.of("ADMIN_TOKEN", "adm-secret"))).isEqualTo("adm-secret");
        assertThat(pageToken(Map.of("MESSAGES_PAGE_TOKEN", "page-secret"))).isEqualTo("page-secret");
        assertThat(pageToken(Map.of("ADMIN_TOKEN", "adm-secret", "MESSAGES_PAGE_TOKEN", "page-secret")))
                .isEqualTo("page-secret");
    }
}
