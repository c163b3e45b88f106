package io.wagateway.reply;

import io.wagateway.tenant.Tenants;

/**
 * The per-tenant send rate of the {@code reply-send} route (routes/auto-reply.camel.yaml, issue 22): every send of a
 * tenant's accounts, AI replies and send API messages alike, passes one throttle keyed by the tenant, so one tenant's
 * limit or backlog never holds another's sends. The rate is the tenant's {@code sends-per-second} (tenants file), else
 * {@code gateway.tenants.default-sends-per-second}; 0 = no tenant limit (the per-account throttle,
 * {@code gateway.auto-reply.sends-per-second}, still applies).
 */
public class TenantSendRates {

    private Tenants tenants;
    private int defaultSendsPerSecond;

    /**
     * @param accountKey an account id as stored ({@code <tenant>~<account>} or a default tenant's plain id)
     * @return the tenant id the throttle is keyed by
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
