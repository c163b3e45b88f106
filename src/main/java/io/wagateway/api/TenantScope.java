package io.wagateway.api;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import io.wagateway.tenant.Tenants;
import org.apache.camel.Exchange;

/**
 * What a tenant-scoped page or send token may see (issue 22; {@link Operators.TenantTokens}): only documents whose
 * {@code account_id} (a keyword) is one of its tenant's, which are exactly those starting with {@code <tenant>~}
 * ({@link Tenants#qualify}). A shared or an operator's token has no tenant (exchange variable {@code tenant} null) and
 * sees everything.
 */
public final class TenantScope {

    /** The exchange variable {@link Operators#authorize(Exchange, Operators.TenantTokens, String...)} sets. */
    public static final String VARIABLE = "tenant";

    private TenantScope() {
    }

    /**
     * @param exchange a checked API request
     * @return the tenant its token is scoped to, or null (every tenant)
     */
    public static String of(Exchange exchange) {
        Object tenant = exchange.getVariable(VARIABLE);
        return tenant == null || tenant.toString().isBlank() ? null : tenant.toString();
    }

    /**
     * @param tenant a tenant id, or null
     * @return a {@code prefix} query on {@code account_id} for {@code <tenant>~}, or null when {@code tenant} is null
     */
    public static Query filter(String tenant) {
        if (tenant == null) {
            return null;
        }
        String prefix = tenant + Tenants.SEPARATOR;
        return Query.of(q -> q.prefix(p -> p.field("account_id").value(prefix)));
    }

    /**
     * @param tenant    a tenant id, or null
     * @param accountId an account id as stored, may be null
     * @return true when {@code tenant} is null or the account belongs to it
     */
    public static boolean allows(String tenant, String accountId) {
        return tenant == null || tenant.equals(Tenants.tenantOf(accountId));
    }
}
