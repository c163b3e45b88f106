package io.wagateway.inbound;

/** The webhook body is not the JSON the provider documents. The route answers 400 and dead-letters the raw bytes. */
public class MalformedPayloadException extends RuntimeException {

    /**
     * @param message what is wrong
     * @param cause   parser error, may be null
     */
    public MalformedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
