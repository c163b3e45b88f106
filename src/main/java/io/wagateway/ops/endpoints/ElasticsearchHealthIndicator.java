package io.wagateway.ops.endpoints;

import io.wagateway.store.ElasticsearchStore;
import org.apache.camel.CamelContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Spring Boot health contributor {@code elasticsearch}: DOWN while the store's cluster is unreachable or red, or the
 * store is not ready (an alias missing or squatted by a concrete index: the detail {@code error} says which); fields
 * of a mapping file that an existing index refused are the detail {@code mapping_conflicts} (still UP). It is
 * part of the readiness group ({@code management.endpoint.health.group.readiness} in application.yaml), so
 * {@code /actuator/health/readiness} answers 503 and Kubernetes routes no webhook to this pod until Elasticsearch is
 * back; liveness does not include it (a restart would not bring Elasticsearch back).
 */
@Component("elasticsearchHealthIndicator")
public class ElasticsearchHealthIndicator implements HealthIndicator {

    private final CamelContext camelContext;
    private final long timeoutMs;

    /**
     * @param camelContext where the {@code elasticsearchStore} bean lives
     * @param timeoutMs    how long a check waits for {@code _cluster/health}, ms
     */
    public ElasticsearchHealthIndicator(CamelContext camelContext,
            @Value("${gateway.health.elasticsearch-timeout-ms:2000}") long timeoutMs) {
        this.camelContext = camelContext;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Health health() {
        ElasticsearchStore store;
        try {
            store = ElasticsearchStore.in(camelContext);
        } catch (IllegalStateException e) {
            return Health.down().withDetail("error", e.getMessage()).build();
        }
        ElasticsearchHealth.Result r = ElasticsearchHealth.check(store, timeoutMs);
        Health.Builder b = r.up() ? Health.up() : Health.down();
        b.withDetail("cluster", r.status());
        if (r.error() != null) {
            b.withDetail("error", r.error());
        }
        if (!store.mappingConflicts().isEmpty()) { // reported, not DOWN: every other field was added
            b.withDetail("mapping_conflicts", store.mappingConflicts());
        }
        return b.build();
    }
}
