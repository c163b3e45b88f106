package io.wagateway.store;

/**
 * Elasticsearch refused one document for a reason a retry will not fix (mapping conflict, invalid value).
 * Only the webhook that carried it fails; its neighbours in the same bulk request are unaffected.
 */
public class DocumentRejectedException extends RuntimeException {

    /**
     * @param documentId the {@code _id} that was refused
     * @param reason     Elasticsearch's error type and reason
     */
    public DocumentRejectedException(String documentId, String reason) {
        super("Elasticsearch rejected document " + documentId + ": " + reason);
    }
}
