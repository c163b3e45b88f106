package io.wagateway.tenant;

import java.util.List;

/**
 * One provider account of a tenant, as configured: a Meta app, a WAHA server, a Periskope organisation, a Unipile DSN
 * or the server of a provider mapped in YAML only, with its own webhook path, its own inbound secret and its own outbound credential.
 *
 * @param provider    {@code meta}, {@code waha}, {@code periskope}, {@code unipile} or a provider mapped in YAML only
 * @param tenant      the tenant id ({@link Tenants#DEFAULT} for the single-provider properties)
 * @param name        the entry's name within the tenant and provider; empty for the first unnamed entry
 * @param path        the webhook path of this entry ({@code /webhooks/<provider>/<tenant>[/<name>]}); null for the
 *                    default tenant, whose paths are {@code gateway.<provider>.paths}
 * @param secret      what authenticates its webhooks: Meta app secret, WAHA HMAC key, Periskope signing secret,
 *                    Unipile (or a YAML provider's) webhook secret; empty = none configured (every webhook 401)
 * @param verifyToken Meta's hub.verify_token of the GET handshake; empty for other providers
 * @param token       the outbound credential: Meta access token, WAHA / Unipile / a YAML provider's API key, Periskope API key
 * @param baseUrl     the provider API's base URL: WAHA base URL, Periskope base URL, Unipile DSN, a YAML provider's base URL;
 *                    empty for Meta (the Graph API URL is global: {@code gateway.meta.graph-base-url})
 * @param accounts    the provider account ids this entry serves: Meta phone number ids, WAHA sessions, Periskope
 *                    org phones, Unipile account ids, a YAML provider's {@code accounts}; empty = any (the tenant's only entry)
 * @param wabaId      Meta's WhatsApp Business Account id (templates); empty otherwise
 */
public record ProviderAccount(String provider, String tenant, String name, String path, String secret,
        String verifyToken, String token, String baseUrl, List<String> accounts, String wabaId) {

    /** @return true when {@code account} (a raw provider account id) is listed, or the list is empty */
    public boolean serves(String account) {
        return accounts.isEmpty() || accounts.contains(account);
    }

    /** Secrets masked: a record's generated toString would print them into any log line that shows the entry. */
    @Override
    public String toString() {
        return provider + " account of tenant " + tenant + (name.isEmpty() ? "" : " (" + name + ")")
                + (path == null ? "" : " at " + path) + " serving " + (accounts.isEmpty() ? "any account" : accounts);
    }
}
