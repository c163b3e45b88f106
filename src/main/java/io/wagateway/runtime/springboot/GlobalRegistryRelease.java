package io.wagateway.runtime.springboot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;

/**
 * Takes this application context's meter registries out of Micrometer's global registry when the context closes.
 *
 * <p>Spring Boot adds every registry to {@link Metrics#globalRegistry} ({@code management.metrics.use-global-registry},
 * the registry the gateway's counters use: {@link io.wagateway.ops.GatewayMetrics#registry()}) but leaves it there when
 * the context closes. A closed registry hands out no-op meters, and a global counter first registered after that close
 * may read its value from that no-op child: {@code /stats} of another context in the same JVM (a DevTools restart, a
 * second gateway started and stopped by a test) then answers 0 for it while the counter moves.
 */
@Component
public class GlobalRegistryRelease implements ApplicationListener<ContextClosedEvent> {

    private final ApplicationContext context;
    private final ObjectProvider<MeterRegistry> registries;

    /**
     * @param context    the context whose close is awaited (events of parent or child contexts are ignored)
     * @param registries this context's meter registries
     */
    public GlobalRegistryRelease(ApplicationContext context, ObjectProvider<MeterRegistry> registries) {
        this.context = context;
        this.registries = registries;
    }

    /** @param event a context is closing; when it is this one, its registries leave the global registry */
    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        if (event.getApplicationContext() == context) {
            registries.orderedStream().forEach(Metrics.globalRegistry::remove);
        }
    }
}
