package io.wagateway.reply;

/** Another worker changed an outbox entry this worker had claimed: this worker must not send it. */
public class ClaimLostException extends RuntimeException {

    /** @param id the outbox id */
    public ClaimLostException(String id) {
        super("reply " + id + " was taken over by another worker");
    }
}
