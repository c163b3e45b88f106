package io.wagateway.inbound;

/** A webhook's signature or secret header is missing or wrong. The route answers 401 and stores nothing. */
public class SignatureVerificationException extends RuntimeException {

    private final String provider;
    private final String reason;

    /**
     * @param provider provider id
     * @param reason   short machine-readable reason: {@code missing}, {@code mismatch}, {@code not-configured}, {@code malformed}
     */
    public SignatureVerificationException(String provider, String reason) {
        super(provider + " webhook rejected: signature " + reason);
        this.provider = provider;
        this.reason = reason;
    }

    /** @return provider id */
    public String getProvider() {
        return provider;
    }

    /** @return short reason */
    public String getReason() {
        return reason;
    }
}
