package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Issue 15 item 14: a burst of identical warnings yields one line per cause per interval, naming the count. */
class RateLimitedLogTest {

    private final Logger log = (Logger) LoggerFactory.getLogger("rate-limited-log-test");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        RateLimitedLog.reset();
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void release() {
        log.detachAppender(lines);
        RateLimitedLog.setIntervalMs(10_000);
        RateLimitedLog.reset();
    }

    @Test
    void anOutageBurstOfIdenticalFailuresIsOneLinePerCausePerIntervalWithTheCount() {
        RateLimitedLog.setIntervalMs(10_000);
        RuntimeException failure = new RuntimeException("Connection refused");
        for (int i = 0; i < 10_000; i++) {
            RateLimitedLog.warn(log, "store-unavailable:waha", "webhook {} answered 503: {}", i, failure.getMessage());
            if (i % 10 == 0) {
                RateLimitedLog.warn(log, "store-unavailable:meta", "webhook {} answered 503", i);
            }
        }
        assertThat(lines.list).hasSize(2); // one per cause
        assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("webhook 0 answered 503: Connection refused");

        RateLimitedLog.setIntervalMs(50); // the interval passes: the next line names what was suppressed
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() ->
                RateLimitedLog.warn(log, "store-unavailable:waha", "webhook {} answered 503: {}", "x", "again"));
        String last = lines.list.get(lines.list.size() - 1).getFormattedMessage();
        assertThat(last).startsWith("webhook x answered 503: again (").contains("similar suppressed in the last");
        long suppressed = Long.parseLong(last.replaceAll(".*\\((\\d+) similar.*", "$1"));
        assertThat(suppressed).isGreaterThanOrEqualTo(9_999);
        assertThat(lines.list).hasSizeLessThanOrEqualTo(4);
    }

    @Test
    void aTrailingThrowableStaysTheLoggedException() {
        RateLimitedLog.setIntervalMs(0); // 0: every line
        IllegalStateException e = new IllegalStateException("boom");
        RateLimitedLog.warn(log, "c", "failed {}", "x", e);
        RateLimitedLog.warn(log, "c", "failed {}", "y", e);
        assertThat(lines.list).hasSize(2);
        assertThat(lines.list.get(1).getThrowableProxy().getMessage()).isEqualTo("boom");
    }
}
