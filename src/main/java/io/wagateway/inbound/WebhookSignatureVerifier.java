package io.wagateway.inbound;

import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a webhook's authenticity over the <b>raw request bytes</b>; one generic class for every provider, built
 * per provider by the {@code signed-webhook} route template ({@code routes/signed-webhook.camel.yaml}) from the
 * template's parameters, which a provider's {@code templatedRoute} sets. Two schemes:
 * <ul>
 *   <li>{@code hmac}: header value = {@code prefix + encode(HMAC(secret, raw body))}; e.g. Meta
 *       {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256>} (providers.md §1.2), WAHA
 *       {@code X-Webhook-Hmac: <hex HMAC-SHA512>} (§2.3), Periskope {@code x-periskope-signature} (§3.2);</li>
 *   <li>{@code static}: header value = the secret itself (Unipile's custom header, §4.3).</li>
 * </ul>
 * Comparisons are constant-time. Secure by default: with no secret configured every request is rejected unless
 * {@code signatureRequired} is explicitly false. A rejection throws {@link SignatureVerificationException} (→ 401)
 * and increments {@code gateway.webhooks.rejected{provider,reason}}.
 *
 * <p>The signature or secret is read from a real request header only: Camel's platform-http also copies query
 * parameters into headers, so a request whose query string names the header ({@code ?X-Webhook-Hmac=...}) is
 * rejected with reason {@code in-query}, under Spring Boot and Camel JBang alike (the raw query string
 * {@code CamelHttpQuery} is checked). Secrets in URLs end up in access logs and proxies.
 *
 * <p>Replays: with {@code deliveryTimestampField} set (WAHA: {@code timestamp}, the envelope's delivery time in
 * epoch ms, providers.md §2.2/§2.5, inside the signed body), an authentic delivery older than
 * {@code maxDeliveryAgeSeconds} is rejected with reason {@code replay}. Only this signed value is judged: the
 * {@code X-Webhook-Timestamp} header is not signed (anyone replaying a body can set it), and a message's own timestamp
 * is never judged (history imports and retries are old on purpose). A body without the field is accepted.
 *
 * <p>Tenants (docs/tenants.md): a webhook that came in on a tenant's path (exchange property
 * {@link TenantWebhooks#TENANT} set by its {@code webhook-path} route) is checked with that tenant entry's secret
 * only, and one on a shared path with the configured {@code secret} only: the path chooses the secret, never the body,
 * and no request is tried against several secrets. The scheme, header, replay rule and {@code signatureRequired} are
 * the provider's. A tenant or entry that is not configured answers {@code not-configured} (401). Rejections are
 * counted with a {@code tenant} tag ({@code default} on shared paths).
 */
public class WebhookSignatureVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSignatureVerifier.class);

    private String provider = "unknown";
    private String scheme = "hmac";
    private String algorithm = "HmacSHA256";
    private String header;
    private String prefix = "";
    private String encoding = "hex";
    private String secret;
    private boolean signatureRequired = true;
    private String deliveryTimestampField = "";
    private long maxDeliveryAgeSeconds;
    private io.wagateway.tenant.Tenants tenants;

    /**
     * Exchange property that may hold a {@link Runnable} run once the webhook is authentic (the Spring Boot runtime's
     * servlet, WebhookServlet, then gives the body's bytes back to its unverified budget).
     */
    public static final String ON_VERIFIED_PROPERTY = "gateway.onVerified";

    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

    /** Logs the provider's verification state (never the secret); the template's initMethod, once per route. */
    public void logState() {
        if (!signatureRequired) {
            LOG.warn("{}: signature verification is OFF (accepting unsigned webhooks) - do not run like this in production",
                    provider);
        } else if (secret == null || secret.isBlank()) {
            LOG.warn("{}: no secret configured - every {} webhook is rejected with 401 until one is set", provider, provider);
        } else if ("static".equals(scheme)) {
            LOG.info("{}: webhooks authenticated by the secret header {}", provider, header);
        } else {
            LOG.info("{}: webhooks verified with {} in header {}", provider, algorithm, header);
        }
    }

    /**
     * Verifies the exchange's body (must be the raw bytes as received) against the configured header.
     *
     * @param exchange the inbound exchange; body convertible to {@code byte[]}
     * @throws SignatureVerificationException when the request is not authentic (→ HTTP 401)
     */
    public void verify(Exchange exchange) {
        String failure = null;
        byte[] body = null;
        String tenant = exchange.getProperty(TenantWebhooks.TENANT, String.class);
        boolean shared = TenantWebhooks.isDefault(tenant);
        if (signatureRequired) {
            if (inQuery(exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class))) {
                failure = "in-query";
            } else {
                body = exchange.getMessage().getBody(byte[].class);
                String presented = exchange.getMessage().getHeader(header, String.class);
                if (shared) {
                    failure = check(body == null ? new byte[0] : body, presented);
                } else {
                    io.wagateway.tenant.ProviderAccount entry = TenantWebhooks.entry(tenants, provider, tenant,
                            exchange.getProperty(TenantWebhooks.ENTRY, "", String.class));
                    failure = check(body == null ? new byte[0] : body, presented, entry == null ? null : entry.secret());
                }
            }
        }
        if (failure == null && maxDeliveryAgeSeconds > 0 && !deliveryTimestampField.isBlank()) {
            if (body == null) {
                body = exchange.getMessage().getBody(byte[].class);
            }
            failure = replay(body, System.currentTimeMillis());
        }
        if (failure != null) {
            Metrics.counter("gateway.webhooks.rejected", "provider", provider, "reason", failure,
                    "tenant", shared ? io.wagateway.tenant.Tenants.DEFAULT : tenant).increment();
            throw new SignatureVerificationException(provider, failure);
        }
        if (exchange.getProperty(ON_VERIFIED_PROPERTY) instanceof Runnable onVerified) {
            onVerified.run();
        }
    }

    /**
     * @param rawQuery the request's raw query string ({@code CamelHttpQuery}), may be null
     * @return true when a query parameter has the name of the signature header (case-insensitive, URL-decoded)
     */
    boolean inQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty() || header == null) {
            return false;
        }
        for (String pair : rawQuery.split("[&;]")) {   // Netty's decoder (Camel JBang) also splits on ';'
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            try {
                name = java.net.URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException keepRaw) {
                // not decodable: compare as sent
            }
            if (name.trim().equalsIgnoreCase(header)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param body  the authentic raw body
     * @param nowMs the current time, epoch ms
     * @return {@code replay} when the body's top-level {@code deliveryTimestampField} (epoch ms) is older than
     *         {@code maxDeliveryAgeSeconds}; null when younger, absent or not a number
     */
    String replay(byte[] body, long nowMs) {
        Long sentMs = topLevelLong(body, deliveryTimestampField);
        if (sentMs == null || nowMs - sentMs <= maxDeliveryAgeSeconds * 1000L) {
            return null;
        }
        io.wagateway.ops.RateLimitedLog.warn(LOG, "replay:" + provider,
                "{}: authentic delivery sent at {} (epoch ms) is older than {} s: rejected as a replay", provider,
                sentMs, maxDeliveryAgeSeconds);
        return "replay";
    }

    /** A top-level number (or digit string) of a JSON object, read with the streaming parser; null if none. */
    static Long topLevelLong(byte[] body, String field) {
        if (body == null || body.length == 0) {
            return null;
        }
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                if (field.equals(name)) {
                    if (value == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                            && p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.LONG
                            || value == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                            && p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.INT) {
                        return p.getLongValue();
                    }
                    if (value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                        String text = p.getText().trim();
                        return text.matches("\\d{1,18}") ? Long.parseLong(text) : null;
                    }
                    return null;
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException notJson) {
            // malformed: the payload route answers it (400)
        }
        return null;
    }

    /**
     * Pure check, usable without Camel.
     *
     * @param body      raw request bytes
     * @param presented the header value the request carried, or null
     * @return null when authentic, otherwise the reason ({@code not-configured}, {@code missing}, {@code malformed},
     *         {@code mismatch})
     */
    public String check(byte[] body, String presented) {
        return check(body, presented, secret);
    }

    /**
     * Pure check against a given secret (a tenant entry's), with this verifier's scheme, header format and encoding.
     *
     * @param body      raw request bytes
     * @param presented the header value the request carried, or null
     * @param secret    the secret; null or blank = not configured
     * @return null when authentic, otherwise the reason (as {@link #check(byte[], String)})
     */
    public String check(byte[] body, String presented, String secret) {
        if (secret == null || secret.isBlank()) {
            return "not-configured";
        }
        if (presented == null || presented.isBlank()) {
            return "missing";
        }
        presented = presented.trim();
        if ("static".equals(scheme)) {
            return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))
                    ? null : "mismatch";
        }
        if (!prefix.isEmpty()) {
            if (!presented.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return "malformed";
            }
            presented = presented.substring(prefix.length());
        }
        byte[] expected = sign(body, secret);
        byte[] given;
        try {
            given = "base64".equals(encoding) ? Base64.getDecoder().decode(presented)
                    : HexFormat.of().parseHex(presented.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return "malformed";
        }
        return MessageDigest.isEqual(expected, given) ? null : "mismatch";
    }

    /**
     * Computes the signature bytes for a body (also used by tests and the fixture-sending script's Java twin).
     *
     * @param body raw bytes
     * @return the MAC bytes
     */
    public byte[] sign(byte[] body) {
        return sign(body, secret);
    }

    private byte[] sign(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(provider + ": unusable HMAC algorithm " + algorithm, e);
        }
    }

    /** @param tenants the tenants: a tenant path's webhooks are checked with its entry's secret; null = none */
    public void setTenants(io.wagateway.tenant.Tenants tenants) {
        this.tenants = tenants;
    }

    /** @param provider provider id used in logs, metrics and errors */
    public void setProvider(String provider) {
        this.provider = provider;
    }

    /** @param scheme {@code hmac} (default) or {@code static} */
    public void setScheme(String scheme) {
        this.scheme = scheme;
    }

    /** @param algorithm JCA MAC name: {@code HmacSHA256}, {@code HmacSHA512}, ... */
    public void setAlgorithm(String algorithm) {
        this.algorithm = algorithm;
    }

    /** @param header request header carrying the signature or secret (case-insensitive) */
    public void setHeader(String header) {
        this.header = header;
    }

    /** @param prefix literal before the encoded MAC, e.g. {@code sha256=}; empty for none */
    public void setPrefix(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    /** @param encoding {@code hex} (default) or {@code base64} */
    public void setEncoding(String encoding) {
        this.encoding = encoding;
    }

    /** @param secret the shared secret (app secret, HMAC key, static header value) */
    public void setSecret(String secret) {
        this.secret = secret;
    }

    /** @param deliveryTimestampField top-level body field holding the signed delivery time in epoch ms; empty = none */
    public void setDeliveryTimestampField(String deliveryTimestampField) {
        this.deliveryTimestampField = deliveryTimestampField == null ? "" : deliveryTimestampField;
    }

    /** @param maxDeliveryAgeSeconds oldest accepted delivery, in seconds; 0 = deliveries are not judged by age */
    public void setMaxDeliveryAgeSeconds(long maxDeliveryAgeSeconds) {
        this.maxDeliveryAgeSeconds = maxDeliveryAgeSeconds;
    }

    /** @param signatureRequired false only to accept unsigned webhooks on purpose (development) */
    public void setSignatureRequired(boolean signatureRequired) {
        this.signatureRequired = signatureRequired;
    }
}
