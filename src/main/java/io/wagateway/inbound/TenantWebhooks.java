package io.wagateway.inbound;

import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.WebhookItem;
import io.wagateway.ops.RateLimitedLog;
import io.wagateway.tenant.ProviderAccount;
import io.wagateway.tenant.Tenants;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound side of the tenants (issue 22 item 1; docs/tenants.md): which tenant entry a webhook came in through
 * and what that means for its items. A tenant path's route ({@code webhook-path} / {@code webhook-get-path} templates,
 * routes/signed-webhook.camel.yaml, made by {@link WebhookPaths}) sets the exchange properties {@link #TENANT} and
 * {@link #ENTRY}; nothing a client sends can set them (exchange properties, not headers). A shared path
 * ({@code gateway.<provider>.paths}) sets {@link #TENANT} to empty: the default tenant.
 *
 * <p>Declared in routes/beans.camel.yaml as {@code tenantWebhooks}; called by every payload route right after its
 * normaliser ({@link #qualify}) and by Meta's handshake ({@link #verifyTokenMatches}).
 */
public class TenantWebhooks {

    /** Exchange property: the tenant id of the path the webhook came in on; empty or absent = the default tenant. */
    public static final String TENANT = "tenant";
    /** Exchange property: the name of the tenant's provider entry (empty for the unnamed entry). */
    public static final String ENTRY = "tenantEntry";

    private static final Logger LOG = LoggerFactory.getLogger(TenantWebhooks.class);

    private Tenants tenants;

    /**
     * @param tenants  the configured tenants
     * @param provider provider id
     * @param tenant   tenant id (blank or {@link Tenants#DEFAULT} = the default tenant)
     * @param entry    entry name (blank = the unnamed entry)
     * @return the provider entry the path belongs to, or null when the tenant or entry is not configured
     */
    public static ProviderAccount entry(Tenants tenants, String provider, String tenant, String entry) {
        Tenants.Tenant t = tenants == null ? null : tenants.tenant(tenant);
        if (t == null) {
            return null;
        }
        String name = entry == null ? "" : entry;
        for (ProviderAccount a : t.accounts()) {
            if (a.provider().equals(provider) && a.name().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** @return true when {@code tenant} names the default tenant (blank, null or {@link Tenants#DEFAULT}) */
    public static boolean isDefault(String tenant) {
        return tenant == null || tenant.isBlank() || Tenants.DEFAULT.equals(tenant);
    }

    /**
     * Qualifies the account id of every item of a webhook that came in on a tenant path
     * ({@code <tenant>~<account>}, {@link Tenants#qualify}), so every document {@code _id} and cache key built from
     * it carries the tenant; the default tenant's items are returned as they are. An item whose raw account the
     * entry does not list (e.g. a Meta phone number id not in the entry's {@code phone-number-ids}) is still qualified
     * and processed - never lost - but counted ({@code gateway.tenants.unlisted_account{provider,tenant}}) and logged
     * (at most once per interval per provider and tenant).
     *
     * @param exchange the payload route's exchange: body the normaliser's {@code List<WebhookItem>} (or one item);
     *                 properties {@code provider}, {@link #TENANT}, {@link #ENTRY} (absent = an event replay: the
     *                 tenant's first entry of the provider, no listing check)
     * @return the items, qualified
     * @throws IllegalStateException when the tenant or its entry is not configured (an admin replay of a tenant that
     *                               was removed from the tenants file)
     */
    public Object qualify(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        String tenant = exchange.getProperty(TENANT, String.class);
        if (isDefault(tenant)) {
            return qualifyDefault(body);
        }
        String provider = exchange.getProperty("provider", String.class);
        String name = exchange.getProperty(ENTRY, String.class);
        ProviderAccount entry = name == null ? anyEntry(provider, tenant) : entry(tenants, provider, tenant, name);
        if (entry == null) {
            throw new IllegalStateException("no " + provider + " entry of tenant " + tenant
                    + (name == null || name.isEmpty() ? "" : " named " + name) + " in the tenants file");
        }
        boolean checkListed = name != null;
        if (body instanceof WebhookItem item) {
            return qualify(item, entry, checkListed);
        }
        if (body instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(o instanceof WebhookItem item ? qualify(item, entry, checkListed) : o);
            }
            return out;
        }
        return body;
    }

    /**
     * The default tenant's items keep today's account ids, except one that contains {@code ~} (free-text WAHA
     * sessions, a YAML provider's instances): {@code default~<account>} ({@link Tenants#qualify}), never read as another
     * tenant's. One {@code indexOf} per item.
     */
    private static Object qualifyDefault(Object body) {
        if (body instanceof WebhookItem item) {
            return qualifyDefault(item);
        }
        if (body instanceof List<?> list) {
            List<Object> out = null;
            for (int i = 0; i < list.size(); i++) {
                Object o = list.get(i);
                Object q = o instanceof WebhookItem item ? qualifyDefault(item) : o;
                if (q != o && out == null) {
                    out = new ArrayList<>(list);
                }
                if (out != null) {
                    out.set(i, q);
                }
            }
            return out == null ? body : out;
        }
        return body;
    }

    private static WebhookItem qualifyDefault(WebhookItem item) {
        String account = item.accountId();
        return account == null || account.indexOf(Tenants.SEPARATOR) < 0 ? item
                : item.withAccountId(Tenants.qualify(Tenants.DEFAULT, account));
    }

    /** The tenant's first entry of the provider (an event replay names no entry: the tenant is what qualifies). */
    private ProviderAccount anyEntry(String provider, String tenant) {
        Tenants.Tenant t = tenants == null ? null : tenants.tenant(tenant);
        return t == null ? null : t.accounts().stream().filter(a -> a.provider().equals(provider)).findFirst()
                .orElse(null);
    }

    private WebhookItem qualify(WebhookItem item, ProviderAccount entry, boolean checkListed) {
        String account = item.accountId();
        if (account == null) {
            return item;
        }
        if (checkListed && !entry.serves(account)) {
            Metrics.counter("gateway.tenants.unlisted_account", "provider", entry.provider(), "tenant", entry.tenant())
                    .increment();
            RateLimitedLog.warn(LOG, "unlisted-account:" + entry.provider() + ":" + entry.tenant(),
                    "{} webhook on {} for account {}, which the entry does not list: stored under tenant {} anyway"
                            + " (add it to the entry, or point that account's webhook at its own tenant's path)",
                    entry.provider(), entry.path(), io.wagateway.ops.LogMask.id(account), entry.tenant());
        }
        return item.withAccountId(Tenants.qualify(entry.tenant(), account));
    }

    /**
     * Meta's subscription handshake (providers.md §1.1) on any Meta path: {@code hub.mode=subscribe} and
     * {@code hub.verify_token} equal (constant-time) to the verify token of the path's entry - the tenant entry's
     * {@code verify-token} on a tenant path, {@code gateway.meta.verify-token} on a shared path. No token configured =
     * nothing verifies.
     *
     * @param mode   query parameter {@code hub.mode}
     * @param token  query parameter {@code hub.verify_token}
     * @param tenant exchange property {@link #TENANT}
     * @param entry  exchange property {@link #ENTRY}
     * @return true when the route should answer 200 with the bare {@code hub.challenge}; false → 403
     */
    public boolean verifyTokenMatches(@Header("hub.mode") String mode, @Header("hub.verify_token") String token,
            @ExchangeProperty(TENANT) String tenant, @ExchangeProperty(ENTRY) String entry) {
        ProviderAccount account = entry(tenants, "meta", isDefault(tenant) ? Tenants.DEFAULT : tenant, entry);
        String expected = account == null ? "" : account.verifyToken();
        if (expected == null || expected.isEmpty() || token == null || !"subscribe".equals(mode)) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    /** @param tenants the tenants bean */
    public void setTenants(Tenants tenants) {
        this.tenants = tenants;
    }
}
