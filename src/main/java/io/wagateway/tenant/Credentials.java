package io.wagateway.tenant;

/**
 * What an outbound call to a provider needs for one account: the raw account id for the provider's URL or body and
 * the credential of the tenant's entry that serves it ({@link Tenants#credentials(String, String)}).
 *
 * @param tenant  the tenant id
 * @param account the provider's own account id (Meta phone number id, WAHA session, ...), without the tenant
 * @param token   the outbound credential (access token / API key); empty when none is configured
 * @param baseUrl the provider API's base URL of the entry; empty for Meta (global Graph API URL)
 * @param entry   the configured entry
 */
public record Credentials(String tenant, String account, String token, String baseUrl, ProviderAccount entry) {

    /** Secrets masked. */
    @Override
    public String toString() {
        return "credentials of " + entry.provider() + " account " + account + " (tenant " + tenant + ")";
    }
}
