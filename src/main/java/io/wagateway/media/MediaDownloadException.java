package io.wagateway.media;

/**
 * A media download that failed. {@link #isFinal()} failures (the provider answered 404 or 410, the media id expired,
 * the bytes exceed the size limit, the provider's sha256 does not match) are recorded and dead-lettered at once;
 * the others are retried with back-off first.
 */
public class MediaDownloadException extends RuntimeException {

    private final int status;
    private final String reason;
    private final boolean finalFailure;

    /**
     * @param status       the provider's HTTP status, or 0 when no answer came
     * @param reason       a short code: {@code not_found}, {@code expired}, {@code too_large}, {@code sha256_mismatch},
     *                     {@code http_error}, {@code no_source}, {@code unsupported}...
     * @param message      the detail (no secrets: never a token or a signed URL's query string)
     * @param finalFailure true when retrying cannot help
     */
    public MediaDownloadException(int status, String reason, String message, boolean finalFailure) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.finalFailure = finalFailure;
    }

    /** @return the provider's HTTP status, or 0 */
    public int getStatus() {
        return status;
    }

    /** @return the short reason code */
    public String getReason() {
        return reason;
    }

    /** @return true when the failure is final (no retry) */
    public boolean isFinal() {
        return finalFailure;
    }
}
