package io.wagateway.ops.endpoints;

import io.wagateway.api.AdminAccessException;
import io.wagateway.api.BearerAuth;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read the gateway's counters: {@code GET /stats}, the counters inside {@code GET /health}, and (under Spring
 * Boot, through {@link OpsHttpConfiguration}) {@code /actuator/prometheus}. With no token configured
 * ({@code gateway.metrics.token}, env {@code METRICS_TOKEN}) they are open, as a metrics scrape usually is, and the
 * start-up log says so; with a token they need {@code Authorization: Bearer <token>} in the request header (never a
 * query parameter). {@code /health}'s status and the Kubernetes probes stay open either way.
 */
public class OpsAccess {

    private static final Logger LOG = LoggerFactory.getLogger(OpsAccess.class);

    private String token;
    /** The mode last logged: under Spring Boot the init method ran twice per context (two instances), each said it. */
    private static final java.util.concurrent.atomic.AtomicReference<Boolean> LOGGED_OPEN =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Says at start-up whether the counters are open or need the token (declared as the bean's init method). */
    public void logMode() {
        boolean open = open();
        if (Boolean.valueOf(open).equals(LOGGED_OPEN.getAndSet(open))) {
            return;
        }
        if (open) {
            LOG.info("Metrics: GET /stats and /actuator/prometheus are open to anyone who reaches the port "
                    + "(set METRICS_TOKEN to require a bearer token)");
        } else {
            LOG.info("Metrics: GET /stats and /actuator/prometheus require the bearer token METRICS_TOKEN "
                    + "(Authorization header)");
        }
    }

    /** @return true when no token is configured (the counters are open) */
    public boolean open() {
        return token == null || token.isBlank();
    }

    /**
     * @param exchange a platform-http request
     * @return true when the counters are open, or the request carries the token in its Authorization header
     */
    public boolean allowed(Exchange exchange) {
        return open() || BearerAuth.matches(BearerAuth.header(exchange, "Authorization"), token);
    }

    /**
     * @param exchange a platform-http request ({@code GET /stats})
     * @throws AdminAccessException 401 when a token is configured and the request does not carry it in its header
     */
    public void authorize(Exchange exchange) {
        if (!allowed(exchange)) {
            throw new AdminAccessException(401, "missing or wrong bearer token (METRICS_TOKEN)");
        }
    }

    /**
     * Removes the counters from a {@code /health} answer unless the request may read them.
     *
     * @param health   what {@link GatewayHealth#health} answered
     * @param exchange the request
     * @return {@code health}, without {@code stats} when not allowed
     */
    public Map<String, Object> redact(Map<String, Object> health, Exchange exchange) {
        if (!allowed(exchange)) {
            health.remove("stats");
        }
        return health;
    }

    /** @param token bearer token of the counters; blank leaves them open */
    public void setToken(String token) {
        this.token = token;
    }
}
