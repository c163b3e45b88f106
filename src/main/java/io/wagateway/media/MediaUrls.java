package io.wagateway.media;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived URLs for one stored media object, so that the page's {@code <img>}, {@code <audio>} and {@code <video>}
 * (which cannot send an {@code Authorization} header) load media without a long-lived token in a URL:
 * {@code /api/media/{sha256}?exp={epoch seconds}&sig={base64url(HMAC-SHA256(key, sha256 + "\n" + exp))}}.
 *
 * <p>The key is {@code gateway.media.url-secret} when set; else it is derived from the page token
 * (HMAC-SHA256(page token, "media-url")), so that changing the page token also voids every URL; else (no token: the
 * page is open) a random key of this instance. Replicas behind one load balancer need the same page token or secret.
 */
public class MediaUrls {

    private static final String ALGORITHM = "HmacSHA256";
    private static final ObjectMapper JSON = new ObjectMapper();

    private String urlSecret = "";
    private String pageToken = "";
    private long ttlSeconds = 300;
    private Clock clock = Clock.systemUTC();
    private volatile byte[] key;

    /**
     * @param sha256 lowercase hex sha256 of the object
     * @return the signed path {@code /api/media/{sha256}?exp=...&sig=...}, valid for {@code ttlSeconds}
     */
    public String sign(String sha256) {
        long exp = clock.instant().getEpochSecond() + ttlSeconds;
        return "/api/media/" + sha256 + "?exp=" + exp + "&sig=" + signature(sha256, exp);
    }

    /**
     * Adds {@code url} = {@link #sign(String)} of {@code stored.sha256} inside {@code media.stored} and every
     * {@code attachments[n].stored} of the message documents of a page API answer: the elements of {@code items}
     * ({@code /api/messages}, {@code /api/conversation}) and {@code message} ({@code GET /api/messages/{id}}). Nothing
     * else of the answer changes; an answer with no stored media is returned as it came. A blob deleted by retention
     * ({@code stored.deleted_at}) gets no URL.
     *
     * @param answer the API's JSON answer (an object)
     * @return the same answer, with the signed URLs
     * @throws IllegalArgumentException when {@code answer} is not JSON
     */
    public String signAnswer(String answer) {
        if (answer == null || !answer.contains("\"stored\"")) {
            return answer;
        }
        JsonNode root;
        try {
            root = JSON.readTree(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON answer", e);
        }
        for (JsonNode doc : root.path("items")) {
            signDocument(doc);
        }
        signDocument(root.path("message"));
        return root.toString();
    }

    /**
     * Adds {@code url} inside {@code media.stored} and every {@code attachments[n].stored} of one message document
     * (issue 20, M6).
     *
     * @param doc a message document (an {@link ObjectNode}; anything else is left alone)
     */
    public void signDocument(JsonNode doc) {
        if (!doc.isObject()) {
            return;
        }
        signStored(doc.path("media").path("stored"));
        for (JsonNode attachment : doc.path("attachments")) {
            signStored(attachment.path("stored"));
        }
    }

    private void signStored(JsonNode stored) {
        String sha256 = stored.path("sha256").asText("");
        // a blob retention deleted (stored.deleted_at) gets no URL: there is nothing left to serve
        if (stored instanceof ObjectNode o && MediaStore.isSha256(sha256) && !o.has("deleted_at")) {
            o.put("url", sign(sha256));
        }
    }

    /**
     * @param sha256 the hash of the object asked for
     * @param exp    the {@code exp} query parameter (epoch seconds); may be null
     * @param sig    the {@code sig} query parameter; may be null
     * @return true only when the signature is this key's for that very object and {@code exp} has not passed
     */
    public boolean verify(String sha256, String exp, String sig) {
        if (sha256 == null || exp == null || sig == null) {
            return false;
        }
        long expires;
        try {
            expires = Long.parseLong(exp);
        } catch (NumberFormatException e) {
            return false;
        }
        if (expires < clock.instant().getEpochSecond()) {
            return false;
        }
        return MessageDigest.isEqual(signature(sha256, expires).getBytes(StandardCharsets.US_ASCII),
                sig.getBytes(StandardCharsets.US_ASCII));
    }

    private String signature(String sha256, long exp) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                hmac(key(), (sha256 + "\n" + exp).getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] key() {
        byte[] k = key;
        if (k == null) {
            if (urlSecret != null && !urlSecret.isBlank()) {
                k = urlSecret.getBytes(StandardCharsets.UTF_8);
            } else if (pageToken != null && !pageToken.isBlank()) {
                k = hmac(pageToken.getBytes(StandardCharsets.UTF_8), "media-url".getBytes(StandardCharsets.UTF_8));
            } else {
                k = new byte[32];
                new SecureRandom().nextBytes(k);
            }
            key = k;
        }
        return k;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param urlSecret {@code gateway.media.url-secret}; empty = derive the key from the page token */
    public void setUrlSecret(String urlSecret) {
        this.urlSecret = urlSecret;
        this.key = null;
    }

    /** @param pageToken {@code gateway.page.token} */
    public void setPageToken(String pageToken) {
        this.pageToken = pageToken;
        this.key = null;
    }

    /** @param ttlSeconds how long a signed URL stays valid, in seconds */
    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }

    /** @param clock the clock expiries are read from (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
