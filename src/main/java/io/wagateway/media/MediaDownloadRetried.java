package io.wagateway.media;

import io.micrometer.core.instrument.Metrics;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Counts each redelivery of a media download ({@code gateway.media.downloads}, tags {@code provider} and
 * {@code outcome=retried}) in variable {@value #REDELIVERIES} and in the meter: the {@code onRedeliveryRef} of the download worker's error handler
 * (routes/media.camel.yaml, route configuration {@code media-download-errors}).
 */
public class MediaDownloadRetried implements Processor {

    /** The exchange variable counting the redeliveries of the current claim (the attempts are one more). */
    public static final String REDELIVERIES = "mediaRedeliveries";

    /** @param exchange the exchange about to be redelivered, with variable {@code media} (a {@link MediaItem}) */
    @Override
    public void process(Exchange exchange) {
        MediaItem item = exchange.getVariable("media", MediaItem.class);
        // the redelivery counter header does not last: the provider route removes every header before its call
        Integer before = exchange.getVariable(REDELIVERIES, Integer.class);
        exchange.setVariable(REDELIVERIES, before == null ? 1 : before + 1);
        Metrics.counter("gateway.media.downloads", "provider", item == null ? "unknown" : item.provider(), "outcome",
                "retried").increment();
    }
}
