package io.wagateway.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider API lookups that failed lately, per name ({@link NameLoad#key()}: provider, account, {@code chat} or
 * {@code contact}, id), with exponential back-off: the route {@code names-load} ({@code routes/enrichment.camel.yaml})
 * asks no provider API for a name while it is {@link #waiting}, so a provider API that is down costs one call per chat
 * (and per group sender) per back-off period, not one per message.
 *
 * <p>A failure starts a back-off of {@code firstMs}; each further failure of that name doubles it, up to
 * {@code maxMs}; a success clears it. A bounded Caffeine cache ({@code maximumSize} names) holds the failures and
 * forgets a name's failures {@code 2 × maxMs} after its last one (its next failure starts again at {@code firstMs}).
 * Memory only: a restart forgets it, and each instance backs off on its own.
 */
public class NameLookupBackoff {

    private static final Logger LOG = LoggerFactory.getLogger(NameLookupBackoff.class);

    // a name's consecutive failures, when the last one was and when its next call may go (Ticker ns)
    private record Failures(int failures, long failedAt, long retryAt) {
    }

    private long firstMs = 30_000;
    private long maxMs = 600_000;
    private long maximumSize = 10_000;
    private Ticker ticker = Ticker.systemTicker();

    private Cache<String, Failures> failures;

    /** Creates the cache; idempotent (also called lazily on first use). */
    public synchronized void start() {
        if (failures != null) {
            return;
        }
        // Caffeine does not move an entry's write time by less than a second, so it could drop a name that failed
        // again within a second up to that much early: it keeps each a minute longer, failed() forgets exactly
        failures = Caffeine.newBuilder().maximumSize(maximumSize).expireAfterWrite(forget().plusMinutes(1))
                .ticker(ticker).build();
        LOG.info("Name lookups that fail back off per name: {} ms, doubling up to {} ms ({} names at most)", firstMs,
                maxMs, maximumSize);
    }

    private Cache<String, Failures> failures() {
        if (failures == null) {
            start();
        }
        return failures;
    }

    /**
     * @param load a name not in the names index
     * @return true while its lookups are backing off: ask the provider's API nothing for it
     */
    public boolean waiting(NameLoad load) {
        Failures f = failures().getIfPresent(load.key());
        return f != null && ticker.read() - f.retryAt() < 0;
    }

    /**
     * Remembers that the provider's API failed for this name: no call for it during {@code firstMs}, doubled per
     * further failure, at most {@code maxMs}.
     *
     * @param load the name whose lookup failed
     */
    public void failed(NameLoad load) {
        long now = ticker.read();
        long forget = forget().toNanos();
        failures().asMap().compute(load.key(), (key, before) -> {
            int n = before == null || now - before.failedAt() >= forget ? 1 : before.failures() + 1;
            long periodMs = firstMs;
            for (int i = 1; i < n && periodMs > 0 && periodMs < maxMs; i++) {
                periodMs *= 2;
            }
            return new Failures(n, now, now + Duration.ofMillis(Math.min(periodMs, maxMs)).toNanos());
        });
    }

    // a name's failures are forgotten this long after the last one
    private Duration forget() {
        return Duration.ofMillis(Math.multiplyExact(2, Math.max(firstMs, maxMs)));
    }

    /**
     * Clears the name's back-off: the provider's API answered (a name, or none).
     *
     * @param load the name the API answered for
     */
    public void succeeded(NameLoad load) {
        failures().invalidate(load.key());
    }

    /** @return names in back-off now, or whose failures are still remembered */
    public long size() {
        failures().cleanUp();
        return failures().estimatedSize();
    }

    /** Forgets every failure, as a restart would. */
    public void invalidateAll() {
        failures().invalidateAll();
    }

    /** @param firstMs back-off after a first failure, in ms (doubled per further failure) */
    public void setFirstMs(long firstMs) {
        this.firstMs = firstMs;
    }

    /** @param maxMs longest back-off, in ms */
    public void setMaxMs(long maxMs) {
        this.maxMs = maxMs;
    }

    /** @param maximumSize most names remembered, in entries (beyond it Caffeine evicts the least used) */
    public void setMaximumSize(long maximumSize) {
        this.maximumSize = maximumSize;
    }

    /** @param ticker the clock (tests); default the system's */
    public void setTicker(Ticker ticker) {
        this.ticker = ticker;
    }
}
