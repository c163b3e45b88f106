package io.wagateway.store;

/** Result of a create-if-absent write of one document. */
public enum WriteOutcome {
    /** The document did not exist and is now stored (HTTP 201 for its bulk item). */
    STORED,
    /** A document with the same {@code _id} already existed (HTTP 409 for its bulk item); nothing was changed. */
    DUPLICATE;

    /** @return the outcome as the lower-case word used in webhook responses and logs */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
