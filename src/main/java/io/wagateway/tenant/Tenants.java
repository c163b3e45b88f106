package io.wagateway.tenant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The tenants (issue 22 item 1): each a set of provider accounts with their own webhook paths, secrets and
 * credentials. The single-provider properties ({@code gateway.meta.app-secret}, {@code gateway.waha.hmac-key}, ...)
 * are the {@link #DEFAULT} tenant; a YAML file ({@code gateway.tenants.file}, {@code GATEWAY_TENANTS_FILE}, mounted
 * from a Secret in Kubernetes) adds others (docs/tenants.md):
 *
 * <pre>
 * tenants:
 *   acme:                                  # [a-z0-9][a-z0-9-]{0,31}, not "default"
 *     sends-per-second: 20                 # the tenant's send rate limit; 0 or absent = the gateway's default
 *     page-token: ${ACME_PAGE_TOKEN}       # page / send API tokens scoped to this tenant (optional)
 *     send-token: ${ACME_SEND_TOKEN}
 *     meta:                                # a list: each entry its own webhook path /webhooks/meta/acme[/name]
 *       - app-secret: ${ACME_META_APP_SECRET}
 *         verify-token: ${ACME_META_VERIFY_TOKEN}
 *         access-token: ${ACME_META_ACCESS_TOKEN}
 *         phone-number-ids: ["1234567890"]
 *         waba-id: "102290129340398"
 *     waha:     [{name: eu, base-url: ..., api-key: ..., hmac-key: ..., sessions: [default]}]
 *     periskope: [{base-url: ..., api-key: ..., signing-secret: ..., phones: [...]}]
 *     unipile:  [{dsn: ..., api-key: ..., webhook-secret: ..., account-ids: [...]}]
 * </pre>
 *
 * <p>A provider mapped in YAML only (recipe 10; {@code gateway.tenants.yaml-providers}) takes the generic keys
 * {@code webhook-secret}, {@code api-key}, {@code base-url} and {@code accounts}; its default-tenant entry comes from
 * {@code gateway.<provider>.webhook-secret}, {@code .api-key} and {@code .base-url}, so no Java names it.
 *
 * <p>Values may be {@code ${VAR}} or {@code ${VAR:default}}: read from the environment (then system properties) by
 * this class, so the file behaves the same under Spring Boot and Camel JBang. A variable that is unset and has no
 * default stops the start with its name (never its value).
 *
 * <p>Keys: a tenant's provider account ids are qualified ({@link #qualify}: {@code <tenant>~<account>}) where items
 * enter the pipeline, so every document {@code _id} and cache key built from the account carries the tenant, and two
 * WAHA servers with a session called {@code default} never share a key; the default tenant's keys are today's.
 */
public class Tenants implements org.apache.camel.CamelContextAware {

    /** The tenant of the single-provider properties and of the shared webhook paths. */
    public static final String DEFAULT = "default";
    /** Between the tenant and the provider's account id in a qualified account id. */
    public static final char SEPARATOR = '~';
    /** What a tenant id may be: it is part of paths, ids and metric tags. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    /** The providers with a Java normaliser, each with its own keys; others are listed in yaml-providers. */
    public static final Set<String> PROVIDERS = Set.of("meta", "waha", "periskope", "unipile");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)(?::([^}]*))?}");

    private final Map<String, String> defaults = new LinkedHashMap<>();
    private String file = "";
    private Function<String, String> environment = name -> {
        String v = System.getenv(name);
        return v != null ? v : System.getProperty(name);
    };
    private Map<String, Tenant> tenants = Map.of();
    private List<String> yamlProviders = List.of();
    private org.apache.camel.CamelContext camelContext;

    /**
     * A tenant.
     *
     * @param id             the tenant id
     * @param sendsPerSecond the tenant's send rate limit (sends per second over all its accounts); 0 = the default
     * @param pageToken      a page / read API token scoped to this tenant; empty = none
     * @param sendToken      a send API token scoped to this tenant; empty = none
     * @param accounts       its provider accounts
     */
    public record Tenant(String id, int sendsPerSecond, String pageToken, String sendToken,
            List<ProviderAccount> accounts) {

        /** Secrets masked. */
        @Override
        public String toString() {
            return "tenant " + id + " " + accounts;
        }
    }

    /**
     * Qualifies a provider account id with its tenant.
     *
     * @param tenant  the tenant id; null, blank or {@link #DEFAULT} = the default tenant
     * @param account the provider's account id (may be null)
     * @return {@code <tenant>~<account>}; for the default tenant {@code account} itself (today's ids), unless it
     *         contains {@code ~}: then {@code default~<account>}, so that a default account named like
     *         {@code acme~x} (WAHA sessions and a YAML provider's instances are free text) never reads as tenant acme's
     */
    public static String qualify(String tenant, String account) {
        if (account == null) {
            return null;
        }
        boolean byDefault = tenant == null || tenant.isBlank() || DEFAULT.equals(tenant);
        if (byDefault && account.indexOf(SEPARATOR) < 0) {
            return account;
        }
        return (byDefault ? DEFAULT : tenant) + SEPARATOR + account;
    }

    /**
     * @param accountKey an account id as stored (qualified or not)
     * @return the tenant id it carries, or {@link #DEFAULT}
     */
    public static String tenantOf(String accountKey) {
        int i = accountKey == null ? -1 : accountKey.indexOf(SEPARATOR);
        if (i <= 0) {
            return DEFAULT;
        }
        String tenant = accountKey.substring(0, i);
        return ID.matcher(tenant).matches() ? tenant : DEFAULT;
    }

    /**
     * @param accountKey an account id as stored (qualified or not)
     * @return the provider's own account id, without the tenant
     */
    public static String accountOf(String accountKey) {
        int i = accountKey == null ? -1 : accountKey.indexOf(SEPARATOR);
        if (i <= 0 || !ID.matcher(accountKey.substring(0, i)).matches()) {
            return accountKey;
        }
        return accountKey.substring(i + 1);
    }

    /**
     * Reads the tenants file (when set) and builds the default tenant from the single-provider properties.
     *
     * @throws IllegalArgumentException naming the tenant, entry or variable (never a secret) when the file is invalid
     * @throws IllegalStateException    when the file is set, exists and cannot be read (a missing file = the
     *                                  default tenant only, with a warning: the optional Secret of Kubernetes)
     */
    public void load() {
        Map<String, Tenant> loaded = new LinkedHashMap<>();
        loaded.put(DEFAULT, defaultTenant());
        if (file != null && !file.isBlank()) {
            String yaml;
            try {
                yaml = Files.readString(Path.of(file.trim()));
            } catch (java.nio.file.NoSuchFileException e) {
                // Kubernetes mounts the file from an optional Secret: no Secret = the default tenant only, said once
                org.slf4j.LoggerFactory.getLogger(Tenants.class).warn(
                        "No tenants file at {} (gateway.tenants.file): the default tenant only", file.trim());
                tenants = loaded;
                return;
            } catch (IOException e) {
                throw new IllegalStateException("gateway.tenants.file " + file + " cannot be read: " + e.getMessage(), e);
            }
            loaded.putAll(parse(yaml));
        }
        tenants = loaded;
    }

    /**
     * Parses a tenants document (the format of the class comment).
     *
     * @param yaml the document
     * @return tenant id → tenant, in the file's order
     * @throws IllegalArgumentException when the document is invalid
     */
    Map<String, Tenant> parse(String yaml) {
        Map<String, Tenant> out = new LinkedHashMap<>();
        Object root = new Load(LoadSettings.builder().build()).loadFromString(yaml == null ? "" : yaml);
        if (root == null) {
            return out;
        }
        Object list = map(root, "tenants file").get("tenants");
        if (list == null) {
            return out;
        }
        for (Map.Entry<String, Object> t : map(list, "tenants").entrySet()) {
            String id = t.getKey();
            if (!ID.matcher(id).matches() || DEFAULT.equals(id)) {
                throw new IllegalArgumentException("tenant id '" + id + "' must match " + ID.pattern()
                        + " and not be '" + DEFAULT + "'");
            }
            Map<String, Object> tenant = map(t.getValue(), "tenant " + id);
            List<ProviderAccount> accounts = new ArrayList<>();
            for (String key : tenant.keySet()) {
                if (PROVIDERS.contains(key) || yamlProviders.contains(key)) {
                    accounts.addAll(entries(id, key, tenant.get(key)));
                } else if (!Set.of("sends-per-second", "page-token", "send-token").contains(key)) {
                    throw new IllegalArgumentException("tenant " + id + ": unknown key '" + key + "'");
                }
            }
            int rate;
            try {
                rate = Integer.parseInt(text(tenant.get("sends-per-second"), "0"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tenant " + id + ": sends-per-second is not a number");
            }
            out.put(id, new Tenant(id, rate, text(tenant.get("page-token"), ""), text(tenant.get("send-token"), ""),
                    List.copyOf(accounts)));
        }
        return out;
    }

    private List<ProviderAccount> entries(String tenant, String provider, Object value) {
        List<ProviderAccount> out = new ArrayList<>();
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("tenant " + tenant + ": " + provider + " must be a list of accounts");
        }
        Set<String> names = new java.util.HashSet<>();
        for (Object o : list) {
            Map<String, Object> e = map(o, "tenant " + tenant + " " + provider + " entry");
            String name = text(e.get("name"), "");
            if (!name.isEmpty() && !ID.matcher(name).matches()) {
                throw new IllegalArgumentException("tenant " + tenant + ": " + provider + " entry name '" + name
                        + "' must match " + ID.pattern());
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("tenant " + tenant + ": two " + provider + " entries named '"
                        + name + "' (name them: each entry gets its own webhook path)");
            }
            String path = "/webhooks/" + provider + "/" + tenant + (name.isEmpty() ? "" : "/" + name);
            out.add(switch (provider) {
                case "meta" -> new ProviderAccount(provider, tenant, name, path, text(e.get("app-secret"), ""),
                        text(e.get("verify-token"), ""), text(e.get("access-token"), ""), "",
                        strings(e.get("phone-number-ids")), text(e.get("waba-id"), ""));
                case "waha" -> new ProviderAccount(provider, tenant, name, path, text(e.get("hmac-key"), ""), "",
                        text(e.get("api-key"), ""), text(e.get("base-url"), ""), strings(e.get("sessions")), "");
                case "periskope" -> new ProviderAccount(provider, tenant, name, path,
                        text(e.get("signing-secret"), ""), "", text(e.get("api-key"), ""),
                        text(e.get("base-url"), "https://api.periskope.app/v1"), strings(e.get("phones")), "");
                case "unipile" -> new ProviderAccount(provider, tenant, name, path,
                        text(e.get("webhook-secret"), ""), "", text(e.get("api-key"), ""), text(e.get("dsn"), ""),
                        strings(e.get("account-ids")), "");
                default -> new ProviderAccount(provider, tenant, name, path, text(e.get("webhook-secret"), ""), "",
                        text(e.get("api-key"), ""), text(e.get("base-url"), ""), strings(e.get("accounts")), "");
            });
        }
        return out;
    }

    private Tenant defaultTenant() {
        List<ProviderAccount> accounts = new ArrayList<>(List.of(
                new ProviderAccount("meta", DEFAULT, "", null, d("metaAppSecret"), d("metaVerifyToken"),
                        d("metaAccessToken"), "", List.of(), d("metaWabaId")),
                new ProviderAccount("waha", DEFAULT, "", null, d("wahaHmacKey"), "", d("wahaApiKey"),
                        d("wahaBaseUrl"), List.of(), ""),
                new ProviderAccount("periskope", DEFAULT, "", null, d("periskopeSigningSecret"), "",
                        d("periskopeApiKey"), d("periskopeBaseUrl"), List.of(), ""),
                new ProviderAccount("unipile", DEFAULT, "", null, d("unipileWebhookSecret"), "", d("unipileApiKey"),
                        d("unipileDsn"), List.of(), "")));
        for (String provider : yamlProviders) { // gateway.<provider>.webhook-secret / api-key / base-url
            accounts.add(new ProviderAccount(provider, DEFAULT, "", null, property(provider, "webhook-secret"), "",
                    property(provider, "api-key"), property(provider, "base-url"), List.of(), ""));
        }
        return new Tenant(DEFAULT, 0, "", "", List.copyOf(accounts));
    }

    private String property(String provider, String key) {
        if (camelContext == null) {
            return "";
        }
        return camelContext.resolvePropertyPlaceholders("{{gateway." + provider + "." + key + ":}}").trim();
    }

    private String d(String key) {
        return defaults.getOrDefault(key, "");
    }

    /**
     * @param id a tenant id
     * @return the tenant, or null when there is none of that id
     */
    public Tenant tenant(String id) {
        return tenants.get(id == null || id.isBlank() ? DEFAULT : id);
    }

    /** @return every tenant, the default first */
    public Collection<Tenant> all() {
        return tenants.values();
    }

    /**
     * The entries of a provider that have their own webhook path (every tenant's but the default's).
     *
     * @param provider provider id
     * @return the entries, in the file's order
     */
    public List<ProviderAccount> inbound(String provider) {
        List<ProviderAccount> out = new ArrayList<>();
        for (Tenant t : tenants.values()) {
            for (ProviderAccount a : t.accounts()) {
                if (a.provider().equals(provider) && a.path() != null) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /**
     * The credentials of an outbound call for an account as stored.
     *
     * @param provider   provider id
     * @param accountKey the account id as stored ({@code <tenant>~<account>} or a default tenant's plain id)
     * @return the raw account and the credential of the tenant's entry listing that account (or its only entry of
     *         that provider; the first when none lists it)
     * @throws IllegalArgumentException when the tenant is unknown or has no account of that provider
     */
    public Credentials credentials(String provider, String accountKey) {
        String tenantId = tenantOf(accountKey);
        Tenant tenant = tenants.get(tenantId);
        if (tenant == null) {
            throw new IllegalArgumentException("no tenant " + tenantId + " (account " + accountKey + ")");
        }
        String account = accountOf(accountKey);
        ProviderAccount first = null;
        for (ProviderAccount a : tenant.accounts()) {
            if (a.provider().equals(provider)) {
                if (a.accounts().contains(account)) {
                    return new Credentials(tenantId, account, a.token(), a.baseUrl(), a);
                }
                if (first == null) {
                    first = a;
                }
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("tenant " + tenantId + " has no " + provider + " account");
        }
        return new Credentials(tenantId, account, first.token(), first.baseUrl(), first);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(what + " must be a mapping");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object v : o instanceof List<?> l ? l : List.of(o)) {
            out.add(text(v, ""));
        }
        return List.copyOf(out);
    }

    /** A scalar with its {@code ${VAR}} / {@code ${VAR:default}} placeholders resolved. */
    private String text(Object o, String absent) {
        if (o == null) {
            return absent;
        }
        String s = String.valueOf(o);
        Matcher m = PLACEHOLDER.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = environment.apply(m.group(1));
            if (value == null) {
                if (m.group(2) == null) {
                    throw new IllegalArgumentException("tenants file: variable " + m.group(1)
                            + " is not set and has no default (${" + m.group(1) + ":default})");
                }
                value = m.group(2);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString().trim();
    }

    /** @param file {@code gateway.tenants.file}: the tenants YAML file; blank = the default tenant only */
    public void setFile(String file) {
        this.file = file == null ? "" : file;
    }

    /** @param environment how {@code ${VAR}} is looked up (tests); default: environment, then system properties */
    public void setEnvironment(Function<String, String> environment) {
        this.environment = environment;
    }

    /** @param v {@code gateway.meta.app-secret} */
    public void setMetaAppSecret(String v) { defaults.put("metaAppSecret", v); }
    /** @param v {@code gateway.meta.verify-token} */
    public void setMetaVerifyToken(String v) { defaults.put("metaVerifyToken", v); }
    /** @param v {@code gateway.meta.access-token} */
    public void setMetaAccessToken(String v) { defaults.put("metaAccessToken", v); }
    /** @param v {@code gateway.meta.waba-id} */
    public void setMetaWabaId(String v) { defaults.put("metaWabaId", v); }
    /** @param v {@code gateway.waha.hmac-key} */
    public void setWahaHmacKey(String v) { defaults.put("wahaHmacKey", v); }
    /** @param v {@code gateway.waha.api-key} */
    public void setWahaApiKey(String v) { defaults.put("wahaApiKey", v); }
    /** @param v {@code gateway.waha.base-url} */
    public void setWahaBaseUrl(String v) { defaults.put("wahaBaseUrl", v); }
    /** @param v {@code gateway.periskope.signing-secret} */
    public void setPeriskopeSigningSecret(String v) { defaults.put("periskopeSigningSecret", v); }
    /** @param v {@code gateway.periskope.api-key} */
    public void setPeriskopeApiKey(String v) { defaults.put("periskopeApiKey", v); }
    /** @param v {@code gateway.periskope.base-url} */
    public void setPeriskopeBaseUrl(String v) { defaults.put("periskopeBaseUrl", v); }
    /** @param v {@code gateway.unipile.webhook-secret} */
    public void setUnipileWebhookSecret(String v) { defaults.put("unipileWebhookSecret", v); }
    /** @param v {@code gateway.unipile.api-key} */
    public void setUnipileApiKey(String v) { defaults.put("unipileApiKey", v); }
    /** @param v {@code gateway.unipile.dsn} */
    public void setUnipileDsn(String v) { defaults.put("unipileDsn", v); }
    /**
     * @param csv {@code gateway.tenants.yaml-providers}: the providers mapped in YAML only (comma list), whose
     *            tenant entries take the generic keys and whose default entry comes from their properties
     */
    public void setYamlProviders(String csv) {
        List<String> out = new ArrayList<>();
        for (String p : (csv == null ? "" : csv).split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        this.yamlProviders = List.copyOf(out);
    }

    @Override
    public void setCamelContext(org.apache.camel.CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public org.apache.camel.CamelContext getCamelContext() {
        return camelContext;
    }
}
