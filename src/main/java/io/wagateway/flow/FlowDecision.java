package io.wagateway.flow;

import java.util.List;
import java.util.Map;

/**
 * What the engine decided for one message (or one timeout), after the state write succeeded: whether a flow took
 * the message, the outcome word, the messages to send (each a send API request as JSON with its deterministic
 * {@code Idempotency-Key}) and, when the flow completed, its result.
 *
 * @param handled     true when a flow took the message (auto-reply leaves it alone)
 * @param outcome     {@code started}, {@code answered}, {@code invalid}, {@code completed}, {@code cancelled},
 *                    {@code timed_out}, {@code stale}, {@code duplicate}, or why no flow took it ({@code none},
 *                    {@code off}, {@code from-me}, {@code group}, {@code too-old}, {@code not-owner})
 * @param flow        the flow's name, or null
 * @param sends       {@code {"key": Idempotency-Key, "request": JSON text, "flow": name}} in order
 * @param result      the result document as JSON text, or null
 * @param resultIndex where the result is written (empty: nowhere)
 * @param resultId    its {@code _id}
 * @param resultUri   the endpoint the result is sent to (empty: none)
 */
public record FlowDecision(boolean handled, String outcome, String flow, List<Map<String, String>> sends,
        String result, String resultIndex, String resultId, String resultUri) {

    /**
     * @param outcome why no flow took the message
     * @return a decision that leaves the message to auto-reply
     */
    static FlowDecision notHandled(String outcome) {
        return new FlowDecision(false, outcome, null, List.of(), null, "", null, "");
    }

    /** @return true when a result is to be written to an index */
    public boolean hasResultIndex() {
        return result != null && resultIndex != null && !resultIndex.isEmpty();
    }

    /** @return true when a result is to be sent to an endpoint */
    public boolean hasResultUri() {
        return result != null && resultUri != null && !resultUri.isEmpty();
    }
}
