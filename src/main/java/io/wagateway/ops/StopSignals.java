package io.wagateway.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Makes a requested stop a clean one: on SIGTERM or SIGINT (Ctrl-C) the JVM runs its shutdown hooks as usual (Spring
 * Boot's graceful shutdown, the local Elasticsearch's stop) and then exits with status 0 instead of the JVM's
 * 143 / 130.
 * <p>
 * Why: {@code ./mvnw spring-boot:run} runs the gateway in a forked JVM and counts only 0 and 130 as success; on
 * Ctrl-C it waits 5 s, then sends SIGTERM, and the 143 that followed printed {@code BUILD FAILURE ... exit code 143}
 * on every normal stop (issue 15 item 6). Kubernetes and systemd treat a stop they asked for the same either way.
 * SIGKILL and {@code -XX:+ExitOnOutOfMemoryError} (exit 3) are not affected.
 */
public final class StopSignals {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {
    }

    /** Installs the handlers; a signal the JVM does not let us handle (e.g. under {@code -Xrs}) keeps its default. */
    public static void install() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    // System.exit blocks when a stop is already under way (a second signal): the first one finishes
                    Thread stop = new Thread(() -> System.exit(0), "stop-on-SIG" + name);
                    stop.start();
                });
            } catch (IllegalArgumentException e) {
                LOG.debug("SIG{} keeps the JVM's handling: {}", name, e.getMessage());
            }
        }
    }
}
