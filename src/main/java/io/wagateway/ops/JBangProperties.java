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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code application.yaml} as the properties file Camel JBang takes ({@code camel run --properties=...}; 4.17 does
 * not load application.yaml itself): every key flattened to dotted form, each Spring {@code ${ENV:default}} turned
 * into Camel's {@code {{env:ENV:default}}}, so the same environment variables configure both runtimes.
 * Usage: {@code java -cp <classpath> io.wagateway.ops.JBangProperties application.yaml > gateway.properties}.
 */
public final class JBangProperties {

    private static final Pattern SPRING_ENV = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}");

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
            Matcher m = SPRING_ENV.matcher(String.valueOf(node));
            StringBuilder value = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(value, Matcher.quoteReplacement("{{env:" + m.group(1) + ":" + m.group(2) + "}}"));
            }
            m.appendTail(value);
            out.put(prefix, value.toString());
        }
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
