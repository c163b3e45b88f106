package io.wagateway.reply;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.wagateway.tenant.Tenants;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-tenant send rate of the {@code reply-send} route (routes/auto-reply.camel.yaml, issue 22): every send of a
 * tenant's accounts, AI replies and send API messages alike, reserves a permission of its tenant's resilience4j
 * {@link RateLimiter} ({@link #delayMs}) and waits that long in Camel's {@code delay} EIP with {@code asyncDelayed}
 * (on a scheduler, not on a send worker), so one tenant's limit or backlog never holds another's sends.
 * Camel 4.17's {@code throttle} with {@code asyncDelayed} was not used: under concurrent sends its
 * {@code TotalRequestsThrottler} failed exchanges with a NullPointerException (a race on its permit queue). The rate is the tenant's {@code sends-per-second} (tenants file), else
 * {@code gateway.tenants.default-sends-per-second}; 0 = no tenant limit (the per-account throttle,
 * {@code gateway.auto-reply.sends-per-second}, still applies).
 */
public class TenantSendRates {

    /** How far ahead a reservation may reach: a tenant's backlog is queued, never refused. */
    private static final Duration MAX_RESERVATION = Duration.ofDays(1);

    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
    private Tenants tenants;
    private int defaultSendsPerSecond;

    /**
     * Reserves one send of the account's tenant.
     *
     * @param accountKey an account id as stored ({@code <tenant>~<account>} or a default tenant's plain id)
     * @return how long the send waits before it may go, ms (0 = at once, also when the tenant has no limit)
     */
    public long delayMs(String accountKey) {
        int rate = perSecond(accountKey);
        if (rate <= 0) {
            return 0;
        }
        RateLimiter limiter = limiters.computeIfAbsent(tenant(accountKey), t -> RateLimiter.of("tenant-sends-" + t,
                RateLimiterConfig.custom().limitForPeriod(rate).limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(MAX_RESERVATION).build()));
        long nanos = limiter.reservePermission();
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
    }

    /**
     * @param accountKey an account id as stored ({@code <tenant>~<account>} or a default tenant's plain id)
     * @return the tenant id whose rate limiter a send of that account reserves
     */
    public String tenant(String accountKey) {
        return Tenants.tenantOf(accountKey);
    }

    /**
     * @param accountKey an account id as stored
     * @return the tenant's sends per second: its own {@code sends-per-second} when positive, else the gateway default;
     *         0 = unlimited. An unknown tenant gets the default (its send fails later, on its credentials)
     */
    public int perSecond(String accountKey) {
        Tenants.Tenant t = tenants == null ? null : tenants.tenant(Tenants.tenantOf(accountKey));
        int own = t == null ? 0 : t.sendsPerSecond();
        return own > 0 ? own : Math.max(0, defaultSendsPerSecond);
    }

    /** @param tenants the tenants bean */
    public void setTenants(Tenants tenants) {
        this.tenants = tenants;
    }

    /** @param defaultSendsPerSecond {@code gateway.tenants.default-sends-per-second}: a tenant's rate when it sets
     *                               none; 0 = unlimited */
    public void setDefaultSendsPerSecond(int defaultSendsPerSecond) {
        this.defaultSendsPerSecond = defaultSendsPerSecond;
    }
}
