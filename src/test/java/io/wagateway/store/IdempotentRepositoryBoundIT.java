package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.support.GatewayIntegrationTest;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.Test;

/**
 * The message-store's in-memory idempotency repository is bounded (gateway.idempotency.memory-size): it is an LRU of
 * recent ids in front of Elasticsearch's create-if-absent, never a record of every id seen. The benchmark's
 * 10-minute soak found one entry per webhook kept for good when it was not.
 */
class IdempotentRepositoryBoundIT extends GatewayIntegrationTest {

    @Test
    void theMemoryOfRecentIdsStaysWithinItsSize() {
        MemoryIdempotentRepository repository = camelContext.getRegistry()
                .lookupByNameAndType("messageIdempotentRepository", MemoryIdempotentRepository.class);
        int size = Integer.parseInt(camelContext.resolvePropertyPlaceholders("{{gateway.idempotency.memory-size}}"));
        for (int i = 0; i < size + 5_000; i++) {
            repository.add("bound-test:" + i);
        }
        assertThat(repository.getCache().size()).as("entries in %s", repository.getCache().getClass().getName())
                .isLessThanOrEqualTo(size);
        assertThat(repository.contains("bound-test:" + (size + 4_999))).as("the newest id is remembered").isTrue();
        repository.clear();
    }
}
