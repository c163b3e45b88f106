package io.wagateway.ops.endpoints;

import io.wagateway.store.ElasticsearchStore;
import org.apache.camel.CamelContext;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Spring Boot health contributor {@code elasticsearchClient}, part of the liveness group
 * ({@code management.endpoint.health.group.liveness} in application.yaml): DOWN only when the store's Elasticsearch
 * client is broken beyond repair ({@link ElasticsearchStore#brokenBeyondRepair()}: its I/O reactor died and
 * rebuilding it failed {@code gateway.elasticsearch.client-rebuild-attempts} times in a row), so Kubernetes restarts
 * the pod. An Elasticsearch outage never makes it DOWN (readiness covers that; a restart would not help). It asks
 * nothing of Elasticsearch.
 */
@Component("elasticsearchClient")
public class ElasticsearchClientHealthIndicator implements HealthIndicator {

    private final CamelContext camelContext;

    /** @param camelContext where the {@code elasticsearchStore} bean lives */
    public ElasticsearchClientHealthIndicator(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public Health health() {
        ElasticsearchStore store;
        try {
            store = ElasticsearchStore.in(camelContext);
        } catch (IllegalStateException e) {
            return Health.unknown().withDetail("error", e.getMessage()).build();
        }
        return (store.brokenBeyondRepair() ? Health.down() : Health.up()).withDetails(store.clientState()).build();
    }
}
