package io.wagateway.inbound;

import java.util.Map;
import java.util.TreeMap;
import io.wagateway.ops.GatewayMetrics;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Split aggregation for one webhook: each item's route leaves its outcome word in the body ({@code stored},
 * {@code duplicate}, {@code ignored}, ..., in any case: a {@code WriteOutcome} such as {@code STORED} counts as
 * {@code stored}); this counts them into the webhook's JSON answer, e.g.
 * {@code {"items":3,"stored":2,"duplicate":0,"ignored":1}}. An item's exception is kept on the result so the
 * webhook as a whole fails (503/500) and the provider redelivers it; items already stored are then duplicates.
 */
public class WebhookOutcomes implements AggregationStrategy {

    private static final String COUNTS = "gateway.outcomeCounts";

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange result = oldExchange == null ? newExchange : oldExchange;
        Map<String, Integer> counts = result.getProperty(COUNTS, Map.class);
        if (counts == null) {
            counts = new TreeMap<>();
            result.setProperty(COUNTS, counts);
        }
        String provider = newExchange.getProperty("provider", String.class);
        if (newExchange.getException() != null) {
            GatewayMetrics.itemOutcome(provider, null);
            result.setException(newExchange.getException());
            return result;
        }
        String outcome = newExchange.getMessage().getBody(String.class);   // a word, or a WriteOutcome's name
        if (outcome != null) {
            outcome = outcome.toLowerCase(java.util.Locale.ROOT);
        }
        GatewayMetrics.itemOutcome(provider, outcome);
        counts.merge(outcome == null ? "unknown" : outcome, 1, Integer::sum);
        return result;
    }

    /**
     * A batch of exactly one item becomes that item (the pipeline then processes it in place, with no split);
     * anything else is returned as is.
     *
     * @param body the normalised items of one webhook ({@code List<WebhookItem>})
     * @return the only item, or {@code body} unchanged
     */
    public Object unwrapSingle(Object body) {
        return body instanceof java.util.List<?> list && list.size() == 1 ? list.get(0) : body;
    }

    /**
     * The outcome of a webhook whose only item was processed in place: counts it as {@link #aggregate} counts a split
     * item, then sets the same JSON answer as {@link #onCompletion}.
     *
     * @param exchange the webhook exchange; body the item route's outcome word
     */
    public void single(Exchange exchange) {
        aggregate(null, exchange);
        onCompletion(exchange);
    }

    /** Sets the webhook's response body to the summary once every item is done (unless an item failed). */
    @Override
    public void onCompletion(Exchange exchange) {
        if (exchange != null && exchange.getException() == null) {
            exchange.getMessage().setBody(summary(exchange));
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        }
    }

    /**
     * Renders the counts collected for the exchange as the webhook's JSON response body.
     *
     * @param exchange the webhook exchange after the split
     * @return JSON such as {@code {"status":"ok","stored":2,"items":2}}
     */
    @SuppressWarnings("unchecked")
    public static String summary(Exchange exchange) {
        Map<String, Integer> counts = exchange.getProperty(COUNTS, Map.class);
        StringBuilder json = new StringBuilder("{\"status\":\"ok\"");
        int total = 0;
        if (counts != null) {
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                json.append(",\"").append(e.getKey()).append("\":").append(e.getValue());
                total += e.getValue();
            }
        }
        return json.append(",\"items\":").append(total).append('}').toString();
    }
}
