package io.wagateway.reply;

/** A provider's send API did not take a message; carries the provider, the HTTP status and a short detail. */
public abstract class SendFailedException extends RuntimeException {

    private final String provider;
    private final int status;
    private final String detail;

    /**
     * @param message  the exception message
     * @param provider provider id ({@code meta}, {@code waha}, {@code periskope}, {@code unipile})
     * @param status   HTTP status of the answer
     * @param detail   short description (e.g. the Meta error code and message, or the truncated body)
     */
    protected SendFailedException(String message, String provider, int status, String detail) {
        super(message);
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

    /** @return short description of the answer */
    public String getDetail() {
        return detail;
    }
}
