package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 15 item 1: a concrete index squats an alias name ({@code whatsapp-names} exists as an index, so the alias
 * cannot be created). The gateway says exactly that in its log, readiness and {@code GET /health}, never "not
 * reachable", refuses webhooks with 503 meanwhile, and recovers without a restart after the documented repair
 * (docs/operations-store.md: the names index holds cache data only, so it is deleted).
 */
class SquattedAliasIT extends GatewayIntegrationTest {

    private static final String SQUAT = "concrete index named 'whatsapp-names'";

    @Test
    void aSquattedAliasIsNamedInLogReadinessAndHealthAndTheDocumentedRepairRecovers() throws Exception {
        Logger storeLog = (Logger) LoggerFactory.getLogger(ElasticsearchStore.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        storeLog.addAppender(lines);
        try {
            assertThat(es("DELETE", "/whatsapp-names-000001", null).statusCode()).isEqualTo(200);
            HttpResponse<String> squat = es("PUT", "/whatsapp-names", null);
            assertThat(squat.statusCode()).as(squat.body()).isEqualTo(200);
            store().resetIndices();

            HttpResponse<String> webhook = postMeta(Fixtures.bytes("webhooks/meta/inbound_text.json"));
            assertThat(webhook.statusCode()).isEqualTo(503);
            assertThat(webhook.headers().firstValue("Retry-After")).isPresent();

            HttpResponse<String> readiness = get("/actuator/health/readiness");
            System.out.printf("SQUAT readiness %d: %s%n", readiness.statusCode(), readiness.body());
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains(SQUAT).doesNotContain("unreachable").doesNotContain("not reachable");

            HttpResponse<String> health = get("/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains(SQUAT).doesNotContain("unreachable").doesNotContain("not reachable");

            List<String> logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(logged).as("store log").anyMatch(l -> l.contains(SQUAT))
                    .noneMatch(l -> l.contains("not reachable"));

            // the documented repair for the names cache: delete the squatting index; no restart
            assertThat(es("DELETE", "/whatsapp-names", null).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> get("/actuator/health/readiness").statusCode() == 200);
            assertThat(postMeta(Fixtures.bytes("webhooks/meta/inbound_text.json")).statusCode()).isEqualTo(200);
            assertThat(es("GET", "/_alias/whatsapp-names", null).body()).contains("whatsapp-names-000001");
        } finally {
            storeLog.detachAppender(lines);
            if (es("GET", "/_alias/whatsapp-names", null).statusCode() != 200) {
                es("DELETE", "/whatsapp-names", null);
                store().resetIndices();
                store().ensureIndices();
            }
        }
    }
}
