package io.wagateway.provider.meta;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.camel.Header;

/**
 * The Meta webhook subscription handshake check (providers.md §1.1): {@code GET ?hub.mode=subscribe&hub.challenge=..
 * &hub.verify_token=..} is verified when the mode is {@code subscribe} and the token equals the configured
 * {@code WHATSAPP_VERIFY_TOKEN} (constant-time). With no token configured nothing verifies.
 */
public class MetaVerifyToken {

    private String verifyToken;

    /**
     * @param mode  query parameter {@code hub.mode}
     * @param token query parameter {@code hub.verify_token}
     * @return true when the route should answer 200 with the bare {@code hub.challenge}; false → 403
     */
    public boolean matches(@Header("hub.mode") String mode, @Header("hub.verify_token") String token) {
        if (verifyToken == null || verifyToken.isEmpty() || token == null || !"subscribe".equals(mode)) {
            return false;
        }
        return MessageDigest.isEqual(verifyToken.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    /** @param verifyToken the token configured in the Meta App Dashboard */
    public void setVerifyToken(String verifyToken) {
        this.verifyToken = verifyToken;
    }
}
