package io.wagateway.inbound;

import io.micrometer.core.instrument.Metrics;
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
        if (!signatureRequired) {
            return;
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        String presented = exchange.getMessage().getHeader(header, String.class);
        String failure = check(body == null ? new byte[0] : body, presented);
        if (failure != null) {
            Metrics.counter("gateway.webhooks.rejected", "provider", provider, "reason", failure).increment();
            throw new SignatureVerificationException(provider, failure);
        }
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
        byte[] expected = sign(body);
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
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(provider + ": unusable HMAC algorithm " + algorithm, e);
        }
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

    /** @param signatureRequired false only to accept unsigned webhooks on purpose (development) */
    public void setSignatureRequired(boolean signatureRequired) {
        this.signatureRequired = signatureRequired;
    }
}
