package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.junit.jupiter.api.Test;

/** The tracing switch: off installs nothing; on installs one SDK and one Camel tracer per context. */
class GatewayTracingTest {

    private static GatewayTracing tracing(CamelContext context, boolean enabled) {
        GatewayTracing tracing = new GatewayTracing();
        tracing.setCamelContext(context);
        tracing.setEnabled(enabled);
        tracing.setTracesExporter("memory"); // InMemorySpanExporterProvider
        tracing.setExcludePatterns("timer:*");
        return tracing;
    }

    @Test
    void offInstallsNothingAndItsTracerMakesNoSpans() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            GatewayTracing tracing = tracing(context, false);
            tracing.start();
            assertThat(tracing.isActive()).isFalse();
            assertThat(context.hasService(OpenTelemetryTracer.class)).isNull();
            assertThat(context.getRegistry().findByType(OpenTelemetrySdk.class)).isEmpty();
            Span span = tracing.tracer("io.wagateway.store").spanBuilder("bulk").startSpan();
            assertThat(span.getSpanContext().isValid()).isFalse();
            assertThat(tracing.flush()).isTrue();
        }
    }

    @Test
    void theOtlpExporterOfTheDefaultsBuildsWithTheJdkSender() throws Exception {
        // OTLP's default protocol in the SDK is grpc, for which no sender is on the classpath (the JDK sender is
        // http/protobuf only): the gateway's defaults must pick http/protobuf, or TRACING_ENABLED=true fails to start
        try (CamelContext context = new DefaultCamelContext()) {
            GatewayTracing tracing = tracing(context, true);
            tracing.setTracesExporter("otlp");
            tracing.start();
            assertThat(tracing.isActive()).isTrue();
        }
    }

    @Test
    void onInstallsOneTracerPerContextEvenWhenTheBeanIsCreatedTwice() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            GatewayTracing first = tracing(context, true);
            first.start();
            GatewayTracing second = tracing(context, true);
            second.start();
            assertThat(first.isActive()).isTrue();
            assertThat(second.isActive()).isTrue();
            assertThat(context.getRegistry().findByType(OpenTelemetrySdk.class)).hasSize(1);
            assertThat(context.hasService(OpenTelemetryTracer.class)).isNotNull();

            InMemorySpanExporterProvider.SPANS.reset();
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:traced").routeId("traced").to("direct:next");
                    from("direct:next").routeId("next").log("${body}");
                }
            });
            context.start();
            context.createProducerTemplate().sendBody("direct:traced", "hello");
            assertThat(second.flush()).isTrue();
            assertThat(InMemorySpanExporterProvider.SPANS.getFinishedSpanItems())
                    .extracting(s -> s.getName()).contains("traced", "next");
            // the store's tracer is the same SDK's: its spans are exported with Camel's
            Span bulk = second.tracer("io.wagateway.store").spanBuilder("bulk").startSpan();
            assertThat(bulk.getSpanContext().isValid()).isTrue();
            bulk.end();
        }
    }
}
