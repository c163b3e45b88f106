package io.wagateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import io.wagateway.tenant.Tenants;
import org.apache.camel.Exchange;

/**
 * The people who work in the page (issue 21): named operators, each with a token of its own, so a take-over or a reply
 * says who made it. Configured as {@code gateway.operators} ({@code GATEWAY_OPERATORS}), a comma list of
 * {@code name:sha256hex}, where {@code sha256hex} is the hex SHA-256 of the operator's token (the token itself is
 * never configured, stored or logged; {@code scripts/operator-token.sh} makes one).
 *
 * <p>SHA-256, not bcrypt: an operator token is a random 32-byte value, not a password a person chose, so there is
 * nothing to guess that a slow hash would protect, and every API request checks one (a slow hash would cost each
 * request tens of milliseconds of CPU).
 *
 * <p>{@link #authorize(Exchange, String...)} is the one check of the page and send APIs: the shared tokens a route
 * accepts (the page token, the send token) or an operator's token; it puts the operator's name (null for a shared
 * token) in the exchange variable {@code operator}. The admin API never calls it: an operator token is never an
 * admin token.
 *
 * <p>Tenant-scoped tokens (issue 22; docs/tenants-outbound.md): a tenant of the tenants file may have its own
 * {@code page-token} and {@code send-token}. The checks that say which kind they take
 * ({@link #authorize(Exchange, TenantTokens, String...)}) accept them too, and set the exchange variable
 * {@code tenant} to that tenant's id (null for a shared or an operator's token: every tenant), which the send API and
 * the searches then hold the request to ({@link TenantScope}).
 */
public class Operators {

    /** What an operator's name may be: it is logged and recorded, so nothing a log or a query could misread. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Map<String, byte[]> hashes = Map.of();
    private String pageToken = "";
    private String sendToken = "";
    private String adminToken = "";
    private Tenants tenants;

    /** Which tenant-scoped tokens a check accepts beside the shared and operators' tokens. */
    public enum TenantTokens {
        /** none: only the shared tokens and the operators' */
        NONE,
        /** a tenant's page token ({@code page-token}): the page's read APIs */
        PAGE,
        /** a tenant's send token ({@code send-token}): the send API */
        SEND,
        /** either (reading a sent message's state) */
        PAGE_OR_SEND
    }

    /**
     * Who a bearer token is.
     *
     * @param operator the operator's name, or null
     * @param tenant   the tenant a tenant-scoped token belongs to, or null (a shared or operator's token: all tenants)
     */
    public record Access(String operator, String tenant) {
    }

    /**
     * @param operators {@code gateway.operators}: {@code name:sha256hex,...}; blank = no operators
     * @throws IllegalArgumentException naming the entry (by its name or position, never its hash) when an entry is
     *                                  malformed, its name not {@code [A-Za-z0-9._-]{1,64}}, its hash not 64 hex
     *                                  digits, or a name repeated: the gateway does not start
     */
    public void setOperators(String operators) {
        hashes = parse(operators);
    }

    /**
     * Parses an operators list (see {@link #setOperators}).
     *
     * @param operators the list
     * @return name → SHA-256 bytes, in the list's order
     */
    static Map<String, byte[]> parse(String operators) {
        Map<String, byte[]> parsed = new LinkedHashMap<>();
        if (operators == null || operators.isBlank()) {
            return parsed;
        }
        String[] entries = operators.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon < 0) {
                // the entry may be a token pasted by mistake: say where it is, not what it is
                throw new IllegalArgumentException("gateway.operators entry #" + (i + 1)
                        + " is not name:sha256hex (no ':')");
            }
            String name = entry.substring(0, colon).trim();
            String hash = entry.substring(colon + 1).trim();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("gateway.operators entry #" + (i + 1)
                        + ": the name must match [A-Za-z0-9._-]{1,64}");
            }
            if (!HEX64.matcher(hash).matches()) {
                throw new IllegalArgumentException("gateway.operators entry '" + name
                        + "': the hash must be the 64 hex digits of the token's SHA-256 (not the token itself)");
            }
            if (parsed.put(name, HexFormat.of().parseHex(hash.toLowerCase(java.util.Locale.ROOT))) != null) {
                throw new IllegalArgumentException("gateway.operators names '" + name + "' twice");
            }
        }
        return parsed;
    }

    /**
     * @param token an operator token
     * @return the lowercase hex SHA-256 of the token: what {@code gateway.operators} holds for it
     */
    public static String hash(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** @return the configured operators' names, in configuration order */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(hashes.keySet()));
    }

    /** @return true when at least one operator is configured */
    public boolean any() {
        return !hashes.isEmpty();
    }

    /**
     * Finds the operator whose token an {@code Authorization} header carries. Every configured hash is compared, each
     * in constant time ({@link MessageDigest#isEqual}), so the time taken says nothing about which one or how much of
     * it matched.
     *
     * @param authorization the request's {@code Authorization} header, may be null
     * @return the operator's name, or null when the header is not {@code Bearer <an operator's token>}
     */
    public String match(String authorization) {
        if (hashes.isEmpty() || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String presented = authorization.substring(7).trim();
        if (presented.isEmpty()) {
            return null;
        }
        byte[] digest = sha256(presented);
        String found = null;
        for (Map.Entry<String, byte[]> e : hashes.entrySet()) {
            if (MessageDigest.isEqual(digest, e.getValue()) && found == null) {
                found = e.getKey();
            }
        }
        return found;
    }

    /**
     * The check of a page or send API request: the bearer token ({@code Authorization} header only,
     * {@link BearerAuth#header}) is one of {@code sharedTokens} or an operator's. Sets the exchange variable
     * {@code operator} to the operator's name, or null for a shared token, and {@code tenant} to null.
     *
     * @param exchange     the request
     * @param sharedTokens the shared tokens this API accepts (blank ones are not configured, skipped)
     * @return the operator's name, or null for a shared token
     * @throws AdminAccessException 404 when no shared token is configured and no operator either (the API is off),
     *                              401 when the token is missing or matches none
     */
    public String authorize(Exchange exchange, String... sharedTokens) {
        return authorize(exchange, TenantTokens.NONE, sharedTokens);
    }

    /**
     * {@link #authorize(Exchange, String...)} that also accepts the tenants' scoped tokens of a kind: sets the exchange
     * variables {@code operator} (the operator's name or null) and {@code tenant} (the tenant of a tenant-scoped
     * token, else null).
     *
     * @param exchange     the request
     * @param kind         which tenant tokens count
     * @param sharedTokens the shared tokens this API accepts (blank ones are not configured, skipped)
     * @return the operator's name, or null for a shared or a tenant's token
     * @throws AdminAccessException 404 when nothing is configured (no shared token, operator or tenant token of that
     *                              kind), 401 when the token is missing or matches none
     */
    public String authorize(Exchange exchange, TenantTokens kind, String... sharedTokens) {
        Access access = access(BearerAuth.header(exchange, "Authorization"), kind, sharedTokens);
        exchange.setVariable("operator", access.operator());
        exchange.setVariable("tenant", access.tenant());
        return access.operator();
    }

    /**
     * {@link #authorize(Exchange, String...)} for a caller that holds the header itself (the event stream's
     * controller).
     *
     * @param authorization the {@code Authorization} header, may be null
     * @param sharedTokens  the shared tokens accepted
     * @return the operator's name, or null for a shared token
     * @throws AdminAccessException 404 when nothing is configured, 401 when the token matches none
     */
    public String authorize(String authorization, String... sharedTokens) {
        return access(authorization, TenantTokens.NONE, sharedTokens).operator();
    }

    /**
     * The one check behind every {@code authorize}: shared tokens, operators' tokens, then the tenants' tokens of
     * {@code kind}. Every tenant token of that kind is compared, each in constant time.
     *
     * @param authorization the {@code Authorization} header, may be null
     * @param kind          which tenant tokens count
     * @param sharedTokens  the shared tokens accepted
     * @return who the token is
     * @throws AdminAccessException 404 when nothing is configured, 401 when the token matches none
     */
    public Access access(String authorization, TenantTokens kind, String... sharedTokens) {
        boolean configured = any();
        boolean shared = false;
        for (String t : sharedTokens) {
            if (t != null && !t.isBlank()) {
                configured = true;
                shared |= BearerAuth.matches(authorization, t);
            }
        }
        String tenant = null;
        if (tenants != null && kind != TenantTokens.NONE) {
            for (Tenants.Tenant t : tenants.all()) {
                for (String token : tenantTokens(t, kind)) {
                    if (isSet(token)) {
                        configured = true;
                        if (BearerAuth.matches(authorization, token) && tenant == null) {
                            tenant = t.id();
                        }
                    }
                }
            }
        }
        if (!configured) {
            throw new AdminAccessException(404, "this API is off (no token and no operator configured)");
        }
        String operator = match(authorization);
        if (operator != null) {
            return new Access(operator, null);
        }
        if (shared) {
            return new Access(null, null);
        }
        if (tenant != null) {
            return new Access(null, tenant);
        }
        throw new AdminAccessException(401, "missing or wrong bearer token");
    }

    private static List<String> tenantTokens(Tenants.Tenant t, TenantTokens kind) {
        if (Tenants.DEFAULT.equals(t.id())) {
            return List.of();           // the default tenant's tokens are the shared ones
        }
        return switch (kind) {
            case PAGE -> List.of(t.pageToken());
            case SEND -> List.of(t.sendToken());
            case PAGE_OR_SEND -> List.of(t.pageToken(), t.sendToken());
            case NONE -> List.of();
        };
    }

    /**
     * {@code GET /api/me}: who the bearer token is and what it may do.
     *
     * @param exchange the request
     * @return JSON {@code {"operator":name|null,"can_read":bool,"can_send":bool,"can_admin":bool}}, plus
     *         {@code "tenant":id} for a tenant-scoped token
     * @throws AdminAccessException 404 when no page token, send token or operator is configured, 401 for a token
     *                              that is none of them
     */
    public String me(Exchange exchange) {
        String authorization = BearerAuth.header(exchange, "Authorization");
        Access access = access(authorization, TenantTokens.PAGE_OR_SEND, pageToken, sendToken);
        String operator = access.operator();
        exchange.setVariable("operator", operator);
        exchange.setVariable("tenant", access.tenant());
        boolean canSend = operator != null || (isSet(sendToken) && BearerAuth.matches(authorization, sendToken))
                || tenantMatches(access.tenant(), TenantTokens.SEND, authorization);
        boolean canAdmin = operator == null && access.tenant() == null && isSet(adminToken)
                && BearerAuth.matches(authorization, adminToken);
        ObjectNode out = MAPPER.createObjectNode();
        if (operator == null) {
            out.putNull("operator");
        } else {
            out.put("operator", operator);
        }
        // a shared send token that is not also the page token does not open the page's read APIs
        boolean canRead = operator != null || (isSet(pageToken) && BearerAuth.matches(authorization, pageToken))
                || tenantMatches(access.tenant(), TenantTokens.PAGE, authorization);
        out.put("can_read", canRead);
        out.put("can_send", canSend);
        out.put("can_admin", canAdmin);
        if (access.tenant() != null) {
            out.put("tenant", access.tenant());     // a tenant-scoped token: only that tenant's accounts
        }
        return out.toString();
    }

    private boolean tenantMatches(String tenant, TenantTokens kind, String authorization) {
        Tenants.Tenant t = tenant == null || tenants == null ? null : tenants.tenant(tenant);
        if (t == null) {
            return false;
        }
        for (String token : tenantTokens(t, kind)) {
            if (isSet(token) && BearerAuth.matches(authorization, token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSet(String token) {
        return token != null && !token.isBlank();
    }

    /** @param pageToken {@code gateway.page.token}: what {@code /api/me} reports as able to read */
    public void setPageToken(String pageToken) {
        this.pageToken = pageToken;
    }

    /** @param sendToken {@code gateway.api.send-token}: what {@code /api/me} reports as able to send */
    public void setSendToken(String sendToken) {
        this.sendToken = sendToken;
    }

    /** @param tenants the tenants whose page and send tokens are accepted, scoped to their tenant; null = none */
    public void setTenants(Tenants tenants) {
        this.tenants = tenants;
    }

    /** @param adminToken {@code gateway.admin.token}: what {@code /api/me} reports as admin (never an operator) */
    public void setAdminToken(String adminToken) {
        this.adminToken = adminToken;
    }
}
