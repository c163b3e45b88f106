package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorStatus;
import org.junit.jupiter.api.Test;

/**
 * When is the store's HTTP client broken? A client just built is {@code INACTIVE} until its reactor thread runs; the
 * store took that for a dead reactor, rebuilt the client in a loop and answered a new gateway's first webhooks 503
 * (GroupCommitIT saw it now and then).
 */
class ReactorStateTest {

    private static final long GRACE = 1_000_000_000L;

    @Test
    void aClientNotStartedYetIsInactiveAndCountsAsStartingWithinTheGrace() throws Exception {
        try (CloseableHttpAsyncClient http = HttpAsyncClients.createDefault()) {
            assertThat(http.getStatus()).isEqualTo(IOReactorStatus.INACTIVE);
            assertThat(ElasticsearchStore.reactorUsable(http.getStatus(), 0, GRACE)).isTrue();
            assertThat(ElasticsearchStore.reactorUsable(http.getStatus(), 2 * GRACE, GRACE))
                    .as("a reactor that never starts is broken once the grace is over").isFalse();
        }
    }

    @Test
    void aClosedClientIsBrokenWhateverItsAge() {
        CloseableHttpAsyncClient http = HttpAsyncClients.createDefault();
        http.start();
        http.close(CloseMode.IMMEDIATE);
        assertThat(http.getStatus()).isIn(IOReactorStatus.SHUTTING_DOWN, IOReactorStatus.SHUT_DOWN);
        assertThat(ElasticsearchStore.reactorUsable(http.getStatus(), 0, GRACE)).isFalse();
    }

    @Test
    void anActiveClientIsUsable() {
        assertThat(ElasticsearchStore.reactorUsable(IOReactorStatus.ACTIVE, 5 * GRACE, GRACE)).isTrue();
    }
}
