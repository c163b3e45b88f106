package io.wagateway.ops;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/**
 * {@code camel} (Camel JBang's CLI) for a plain {@code java} command: {@code CamelJBangMain} has no {@code main}.
 * {@code scripts/camel-run.sh} and {@link JBangRunIT} start it in a JVM of its own, as {@code camel run} would.
 * <p>
 * A {@code run} on an HTTP port that is already taken exits with status 2 and one line on stderr: Camel 4.17's
 * Vert.x server only logs a warning when it cannot bind, and the run would go on and report "started" while the
 * webhooks went to whatever holds the port (e.g. a Spring Boot gateway on 8080). A {@code run} also gets the
 * {@link VertxBodyLimit} bean: 413 for a body over {@code gateway.webhooks.max-body-bytes}.
 */
public final class JBangLauncher {

    /** Exit status of a run whose HTTP port is taken. */
    static final int PORT_TAKEN = 2;

    private JBangLauncher() {
    }

    /** @param args the {@code camel} command line, e.g. {@code run routes/*.camel.yaml --port=8080} */
    public static void main(String[] args) {
        if (args.length > 0 && "run".equals(args[0])) {
            int port = httpPort(args);
            String taken = portTaken(port);
            if (taken != null) {
                System.err.println("camel run: cannot listen on port " + port + " (" + taken + "): another process holds"
                        + " it (a gateway already running?); set PORT to a free port");
                System.exit(PORT_TAKEN);
            }
            // the webhook body bound, which Camel's own camel.server.max-body-size does not apply to streamed bodies
            String[] withLimit = java.util.Arrays.copyOf(args, args.length + 2);
            withLimit[args.length] = "--prop=camel.beans.webhookBodyLimit=#class:" + VertxBodyLimit.class.getName();
            withLimit[args.length + 1] =
                    "--prop=camel.beans.webhookBodyLimit.maxBodyBytes={{gateway.webhooks.max-body-bytes:3145728}}";
            args = withLimit;
        }
        CamelJBangMain.run(args);
    }

    /** @return the value of {@code --port=N} or {@code --port N}; 8080 (camel run's default) when absent */
    static int httpPort(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--port=")) {
                return Integer.parseInt(args[i].substring("--port=".length()));
            }
            if (args[i].equals("--port") && i + 1 < args.length) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return 8080;
    }

    /** @return why the port cannot be bound on all interfaces (as Vert.x binds it), or null when it is free */
    static String portTaken(int port) {
        if (port <= 0) {
            return null;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Vert.x does: a port in TIME_WAIT is free, a listening one is not
            s.bind(new InetSocketAddress(port));
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
