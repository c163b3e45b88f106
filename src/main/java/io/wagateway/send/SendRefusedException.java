package io.wagateway.send;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A send request refused before anything was recorded: HTTP 400 (a rule of the request shape, issue 19 contract C1,
 * naming the field), 413 (body too large) or 422 (a kind the provider cannot send, a provider switched off, the
 * 24-hour window, an {@code Idempotency-Key} reused with another request).
 */
public class SendRefusedException extends RuntimeException {

    private final int status;
    private final ObjectNode json;

    /**
     * @param status HTTP status to answer
     * @param json   the answer's body, at least {@code {"error":..}}
     */
    public SendRefusedException(int status, ObjectNode json) {
        super(json.path("error").asText());
        this.status = status;
        this.json = json;
    }

    /** @return HTTP status to answer */
    public int getStatus() {
        return status;
    }

    /** @return the answer's JSON text */
    public String getJson() {
        return json.toString();
    }
}
