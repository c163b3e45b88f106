package io.wagateway.enrich;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * The {@code enrich} step's strategy for the provider API tier: keeps the {@link NameLoad} as the body and takes the
 * lookup route's answer (a name, or blank when the provider knows none) as its name, source {@code api}. The lookup
 * route's HTTP headers do not come back.
 */
public class NameLookupAnswer implements AggregationStrategy {

    /**
     * @param original the {@code names-load} item, body {@link NameLoad}
     * @param answer   the exchange {@code direct:name-lookup} answered, body the name or blank
     * @return the original, its body the load answered by the API
     */
    @Override
    public Exchange aggregate(Exchange original, Exchange answer) {
        NameLoad load = original.getMessage().getBody(NameLoad.class);
        original.getMessage().setBody(load.answered(answer.getMessage().getBody(String.class), "api"));
        return original;
    }
}
