package io.wagateway.ops;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/**
 * {@code camel} (Camel JBang's CLI) for a plain {@code java} command: {@code CamelJBangMain} has no {@code main}.
 * {@link JBangRunIT} starts it in a JVM of its own, as {@code camel run} would.
 */
public final class JBangLauncher {

    private JBangLauncher() {
    }

    /** @param args the {@code camel} command line, e.g. {@code run routes/*.camel.yaml --port 8080} */
    public static void main(String[] args) {
        CamelJBangMain.run(args);
    }
}
