package io.wagateway.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The back-off's bookkeeping on a test clock: per name, doubling, capped, cleared, forgotten, bounded. */
class NameLookupBackoffTest {

    private final AtomicLong nanos = new AtomicLong();
    private final NameLookupBackoff backoff = new NameLookupBackoff();

    @BeforeEach
    void clock() {
        backoff.setFirstMs(1_000);
        backoff.setMaxMs(4_000);
        backoff.setMaximumSize(100);
        backoff.setTicker(nanos::get);
    }

    private static NameLoad chat(String id) {
        return new NameLoad("waha:default:chat:" + id, "waha", "default", "chat", id, "group", null, null, null);
    }

    private void after(long ms) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** @return how long the name waits after a failure now, in ms (to the nearest ms) */
    private long periodAfterFailure(NameLoad load) {
        backoff.failed(load);
        long ms = 0;
        while (backoff.waiting(load)) {
            after(1);
            ms++;
        }
        return ms;
    }

    @Test
    void aFailureBacksOffThatNameOnlyDoublingUpToTheMax() {
        NameLoad g1 = chat("g1@g.us");
        assertThat(backoff.waiting(g1)).isFalse();

        assertThat(periodAfterFailure(g1)).isEqualTo(1_000);
        assertThat(periodAfterFailure(g1)).isEqualTo(2_000);
        assertThat(periodAfterFailure(g1)).isEqualTo(4_000);
        assertThat(periodAfterFailure(g1)).isEqualTo(4_000);

        backoff.failed(g1);
        assertThat(backoff.waiting(chat("g2@g.us"))).isFalse();
        NameLoad contact = new NameLoad("waha:default:contact:g1@g.us", "waha", "default", "contact", "g1@g.us",
                "group", null, null, null);
        assertThat(backoff.waiting(contact)).as("the key names the kind").isFalse();
    }

    @Test
    void aSuccessClearsTheBackoff() {
        NameLoad g1 = chat("g1@g.us");
        periodAfterFailure(g1);
        periodAfterFailure(g1);
        backoff.failed(g1);
        assertThat(backoff.waiting(g1)).isTrue();

        backoff.succeeded(g1);

        assertThat(backoff.waiting(g1)).isFalse();
        assertThat(periodAfterFailure(g1)).as("the next failure starts over").isEqualTo(1_000);
    }

    @Test
    void failuresAreForgottenTwiceTheMaxAfterTheLastOne() {
        NameLoad g1 = chat("g1@g.us");
        periodAfterFailure(g1);                       // 1 s
        periodAfterFailure(g1);                       // 2 s; the last failure was 2 s ago
        after(2 * 4_000 - 2_000 - 1);
        assertThat(periodAfterFailure(g1)).as("still remembered: doubled").isEqualTo(4_000);

        after(2 * 4_000 - 4_000);                     // the last failure was 2 x the max ago
        assertThat(periodAfterFailure(g1)).as("forgotten: the first period again").isEqualTo(1_000);

        after(2 * 4_000 + 60_000);
        assertThat(backoff.size()).as("and dropped from memory").isZero();
    }

    @Test
    void atMostMaximumSizeNamesAreRemembered() {
        for (int i = 0; i < 1_000; i++) {
            backoff.failed(chat("g" + i + "@g.us"));
        }
        assertThat(backoff.size()).isLessThanOrEqualTo(100);
    }
}
