package io.wagateway.reply;

/**
 * A provider's send API did not accept the message because of a rate or throughput limit: "not accepted, retry
 * later". Thrown by {@link ProviderSendApi#messageId} for HTTP 429 from any provider and for Meta
 * {@code error.code} 4, 80007, 130429 or 131056 whatever the HTTP status (providers.md §1.8, §4.6). Nothing was
 * sent; the caller may retry with backoff.
 */
public class RateLimitedException extends SendFailedException {

    /**
     * @param provider provider id ({@code meta}, {@code waha}, {@code periskope}, {@code unipile})
     * @param status   HTTP status of the answer
     * @param detail   short description (e.g. the Meta error code and message, or the truncated body)
     */
    public RateLimitedException(String provider, int status, String detail) {
        super(provider + " send rate-limited (HTTP " + status + "): " + detail, provider, status, detail);
    }
}
