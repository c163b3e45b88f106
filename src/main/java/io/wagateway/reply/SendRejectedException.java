package io.wagateway.reply;

/**
 * A provider's send API answered with a non-2xx status that is not a rate limit (bad request, auth failure,
 * unknown chat, server error, ...). Thrown by {@link ProviderSendApi#messageId}; carries the HTTP status and a
 * short, truncated body so the caller can decide whether to retry (5xx) or give up (4xx).
 */
public class SendRejectedException extends RuntimeException {

    private final String provider;
    private final int status;
    private final String detail;

    /**
     * @param provider provider id ({@code meta}, {@code waha}, {@code periskope}, {@code unipile})
     * @param status   HTTP status of the answer
     * @param detail   short, truncated response body (may be empty)
     */
    public SendRejectedException(String provider, int status, String detail) {
        super(provider + " send rejected (HTTP " + status + "): " + detail);
        this.provider = provider;
        this.status = status;
        this.detail = detail;
    }

    /** @return provider id */
    public String getProvider() {
        return provider;
    }

    /** @return HTTP status of the answer */
    public int getStatus() {
        return status;
    }

    /** @return short, truncated response body */
    public String getDetail() {
        return detail;
    }
}
