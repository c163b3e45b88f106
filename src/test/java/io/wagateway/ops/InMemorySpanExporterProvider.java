package io.wagateway.ops;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The span exporter {@code otel.traces.exporter=memory} names (the SDK's autoconfiguration finds it through
 * META-INF/services): the spans stay in {@link #SPANS} for the test to read. One per test JVM.
 */
public class InMemorySpanExporterProvider implements ConfigurableSpanExporterProvider {

    /** What every gateway of the test JVM that exports to {@code memory} exported. */
    public static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @Override
    public SpanExporter createExporter(ConfigProperties config) {
        // the SDK shuts its exporter down with itself: hand it a view that keeps SPANS usable afterwards
        return new SpanExporter() {
            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode export(
                    java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
                return SPANS.export(spans);
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                return SPANS.flush();
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
                return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }
        };
    }

    @Override
    public String getName() {
        return "memory";
    }
}
