package io.wagateway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wagateway.runtime.springboot.GlobalRegistryRelease;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * A closed context's registry leaves Micrometer's global registry, so a counter of the global registry registered
 * afterwards reads the live registry's value (OpsIT's /stats counted 0 duplicates after FlowRegistrationIT had started
 * and stopped a second gateway in the same JVM).
 */
class GlobalRegistryReleaseTest {

    @Test
    void aClosedContextsRegistryLeavesTheGlobalRegistry() {
        SimpleMeterRegistry live = new SimpleMeterRegistry();
        SimpleMeterRegistry closing = new SimpleMeterRegistry();
        Metrics.addRegistry(live);
        try {
            AnnotationConfigApplicationContext other = new AnnotationConfigApplicationContext();
            other.registerBean(MeterRegistry.class, () -> closing);
            other.registerBean(GlobalRegistryRelease.class);
            other.refresh();
            Metrics.addRegistry(closing);             // as Spring Boot's MeterRegistryPostProcessor does

            other.close();
            assertThat(Metrics.globalRegistry.getRegistries()).contains(live).doesNotContain(closing);

            Counter counter = Counter.builder("gateway.test.release").register(Metrics.globalRegistry);
            counter.increment();
            assertThat(counter.count()).isEqualTo(1.0);
            assertThat(live.get("gateway.test.release").counter().count()).isEqualTo(1.0);
        } finally {
            Metrics.removeRegistry(live);
            Metrics.removeRegistry(closing);
        }
    }
}
