package io.wagateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code application.yaml} as the properties file Camel JBang takes ({@code camel run --properties=...}; 4.17 does
 * not load application.yaml itself): every key flattened to dotted form, and every Spring placeholder turned into
 * Camel's, nested ones included, so the same environment variables configure both runtimes the same way:
 * <ul>
 *   <li>{@code ${ENV_NAME:default}} (an upper-case name: an environment variable) becomes
 *       {@code {{env:ENV_NAME:default}}};</li>
 *   <li>{@code ${some.key:default}} (a property) becomes {@code {{some.key:default}}};</li>
 *   <li>a default is converted the same way, so {@code ${MESSAGES_PAGE_TOKEN:${gateway.admin.token:}}} becomes
 *       {@code {{env:MESSAGES_PAGE_TOKEN:{{gateway.admin.token:}}}}}, which Camel resolves as Spring does.</li>
 * </ul>
 * Usage: {@code java -cp <classpath> io.wagateway.ops.JBangProperties application.yaml > gateway.properties}.
 */
public final class JBangProperties {

    /** An environment variable's name, as application.yaml spells them (a property key is lower-case, dotted). */
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]*");

    /**
     * Keys of the Spring Boot starters that Camel Main (JBang) 4.17 does not have and refuses at start-up: left out
     * (under JBang every route has its route metrics).
     */
    private static final java.util.Set<String> SPRING_BOOT_ONLY = java.util.Set.of(
            "camel.metrics.route-policy-exclude-pattern");

    private JBangProperties() {
    }

    /**
     * @param yaml the application.yaml
     * @return the flattened properties (keys sorted)
     * @throws IOException when the file cannot be read
     */
    public static Properties convert(Path yaml) throws IOException {
        Map<String, Object> tree;
        try (InputStream in = Files.newInputStream(yaml)) {
            tree = new Yaml().load(in);
        }
        Map<String, String> flat = new TreeMap<>();
        flatten("", tree, flat);
        flat.keySet().removeAll(SPRING_BOOT_ONLY);
        Properties p = new Properties();
        flat.forEach(p::setProperty);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out));
        } else if (node != null) {
            out.put(prefix, toCamel(String.valueOf(node)));
        }
    }

    /**
     * Converts Spring placeholders to Camel's, recursively (see the class comment); other text is kept as it is.
     *
     * @param value a value of application.yaml
     * @return the value with Camel placeholders
     * @throws IllegalArgumentException when a {@code ${} has no matching closing brace
     */
    public static String toCamel(String value) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            int start = value.indexOf("${", i);
            if (start < 0) {
                out.append(value, i, value.length());
                break;
            }
            out.append(value, i, start);
            int end = closingBrace(value, start + 2);
            String inner = value.substring(start + 2, end);
            int colon = topLevelColon(inner);
            String key = colon < 0 ? inner : inner.substring(0, colon);
            out.append("{{").append(ENV_NAME.matcher(key).matches() ? "env:" + key : key);
            if (colon >= 0) {
                out.append(':').append(toCamel(inner.substring(colon + 1)));
            }
            out.append("}}");
            i = end + 1;
        }
        return out.toString();
    }

    /** @return the index of the {@code }} closing the placeholder whose content starts at {@code from} */
    private static int closingBrace(String value, int from) {
        int depth = 0;
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            }
        }
        throw new IllegalArgumentException("unclosed placeholder in: " + value);
    }

    /** @return the index of the first {@code :} outside nested braces, or -1 */
    private static int topLevelColon(String inner) {
        int depth = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ':' && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Writes the properties to a stream.
     *
     * @param properties the properties
     * @param out        where to
     * @throws IOException on write failure
     */
    public static void write(Properties properties, OutputStream out) throws IOException {
        StringWriter w = new StringWriter();
        properties.store(w, "generated from application.yaml by io.wagateway.ops.JBangProperties - do not edit");
        out.write(w.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** @param args the application.yaml path (default {@code application.yaml}); the properties go to stdout */
    public static void main(String[] args) throws IOException {
        write(convert(Path.of(args.length > 0 ? args[0] : "application.yaml")), System.out);
    }
}
