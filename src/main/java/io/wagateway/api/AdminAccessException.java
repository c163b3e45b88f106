package io.wagateway.api;

/** An admin request refused: 404 when admin endpoints are off (no token configured), 401 for a wrong token. */
public class AdminAccessException extends RuntimeException {

    private final int status;

    /**
     * @param status  HTTP status to answer (401 or 404)
     * @param message why
     */
    public AdminAccessException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** @return HTTP status to answer */
    public int getStatus() {
        return status;
    }
}
