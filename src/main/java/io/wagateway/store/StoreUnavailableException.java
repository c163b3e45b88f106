package io.wagateway.store;

/**
 * Elasticsearch could not confirm a write (unreachable, timed out, overloaded). The webhook is answered
 * 503 so the provider retries; nothing is acknowledged and lost.
 */
public class StoreUnavailableException extends RuntimeException {

    /**
     * @param message what failed
     * @param cause   the underlying error, may be null
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
