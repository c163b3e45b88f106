package io.wagateway.ops;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Service;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces end to end (docs/tracing.md), off unless {@code gateway.tracing.enabled} ({@code TRACING_ENABLED}) is true.
 * Off, nothing is built or installed: no SDK, no Camel tracer, no span anywhere (the store's {@code _bulk} span and
 * the outcome line's {@code trace_id} use the OpenTelemetry API, which is a no-op without an SDK).
 *
 * <p>On, {@link #start()} builds an OpenTelemetry SDK with the SDK's autoconfiguration, which reads the standard
 * variables ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_PROTOCOL}, {@code OTEL_SERVICE_NAME},
 * {@code OTEL_TRACES_EXPORTER}, {@code OTEL_TRACES_SAMPLER}, {@code OTEL_RESOURCE_ATTRIBUTES}, ... and their
 * {@code otel.*} system properties; the contract is the OpenTelemetry SDK configuration specification), and installs
 * Camel's OpenTelemetry tracer (camel-opentelemetry2) on the Camel context: a span per route and per endpoint an
 * exchange is sent to, named after the endpoint. The OTLP exporter sends with the JDK's HTTP client. The SDK is not
 * made the global one ({@code GlobalOpenTelemetry}): Camel's tracer gets it from the registry, and several gateways
 * can share a JVM (tests).
 *
 * <p>Declared first in routes/beans.camel.yaml, so it exists (and the tracer is installed) before any route is
 * created: Camel's tracer is a route policy factory and an event notifier, and a route created before it is not
 * traced. The same YAML declaration serves Spring Boot and Camel JBang.
 */
public class GatewayTracing implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayTracing.class);

    private CamelContext camelContext;
    private boolean enabled;
    private String serviceName = "whatsapp-gateway";
    private String tracesExporter = "otlp";
    private String excludePatterns = "";
    private OpenTelemetrySdk sdk;

    /** The registry name of the SDK built for a Camel context. */
    private static final String SDK_BEAN = "gatewayOpenTelemetrySdk";

    /**
     * Builds the SDK and installs Camel's tracer when enabled; does nothing otherwise. Idempotent.
     *
     * @throws IllegalStateException when enabled and no Camel context was given, or the OTEL_* configuration is
     *                               invalid (an unknown exporter name, a malformed endpoint): the gateway does not
     *                               start with a tracing configuration it cannot honour
     */
    public synchronized void start() {
        if (!enabled) {
            LOG.info("Tracing off (gateway.tracing.enabled=false)");
            return;
        }
        if (sdk != null) {
            return;
        }
        if (camelContext == null) {
            throw new IllegalStateException("GatewayTracing needs the Camel context (declare it as a YAML bean)");
        }
        // the YAML bean may be created twice for one context (under Spring Boot start ran on two instances, and with a
        // destroy method the first SDK was shut down while in use - seen in TracingIT): one SDK and one Camel tracer
        // per context, the second instance adopts the first one's
        OpenTelemetrySdk installed = camelContext.getRegistry().lookupByNameAndType(SDK_BEAN, OpenTelemetrySdk.class);
        if (installed != null) {
            sdk = installed;
            return;
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("otel.service.name", serviceName);
        defaults.put("otel.traces.exporter", tracesExporter);
        // the SDK's default is grpc, which needs a gRPC sender: the JDK sender speaks OTLP over HTTP only
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.metrics.exporter", "none"); // traces only: metrics are Micrometer's (/actuator/prometheus)
        defaults.put("otel.logs.exporter", "none");
        sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults) // below OTEL_* variables and otel.* system properties
                .disableShutdownHook()                 // shut down with the Camel context (below)
                .build()
                .getOpenTelemetrySdk();
        camelContext.getRegistry().bind(SDK_BEAN, OpenTelemetrySdk.class, sdk);
        // shut down (exporting what is left, within 10 s) when the Camel context stops: not by a destroy method, which
        // Camel also calls on an instance the registry replaces while the routes load
        OpenTelemetrySdk built = sdk;
        try {
            camelContext.addService(new Service() {
                @Override
                public void start() {
                }

                @Override
                public void stop() {
                    built.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
                }
            }, true, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the tracing shutdown with the Camel context", e);
        }
        // camel-opentelemetry2 4.17 looks its tracer and propagators up in the registry (then GlobalOpenTelemetry)
        camelContext.getRegistry().bind("gatewayOpenTelemetryTracer", Tracer.class, sdk.getTracer("camel"));
        camelContext.getRegistry().bind("gatewayOpenTelemetryPropagators", ContextPropagators.class,
                sdk.getPropagators());
        OpenTelemetryTracer tracer = new OpenTelemetryTracer();
        tracer.setExcludePatterns(excludePatterns == null || excludePatterns.isBlank() ? null : excludePatterns);
        tracer.setTraceProcessors(false); // endpoint and route spans; a span per processor costs CPU per step
        tracer.init(camelContext);
        LOG.info("Tracing on: service {} and traces exporter {} unless OTEL_SERVICE_NAME / OTEL_TRACES_EXPORTER say"
                + " otherwise, excluded endpoints [{}]", serviceName, tracesExporter, excludePatterns);
    }

    /**
     * Exports the spans ended so far (the batch processor otherwise exports every {@code OTEL_BSP_SCHEDULE_DELAY}).
     *
     * @return true when done within 10 s (also when tracing is off)
     */
    public boolean flush() {
        OpenTelemetrySdk s = sdk;
        return s == null || s.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess();
    }

    /**
     * A tracer for spans the gateway makes itself (the store's {@code _bulk}).
     *
     * @param scope the instrumentation scope, e.g. {@code io.wagateway.store}
     * @return the SDK's tracer when tracing is on, else OpenTelemetry's no-op tracer (spans cost nothing)
     */
    public Tracer tracer(String scope) {
        OpenTelemetrySdk s = sdk;
        return s == null ? OpenTelemetry.noop().getTracer(scope) : s.getTracer(scope);
    }

    /** @return whether the SDK is built and Camel's tracer installed */
    public boolean isActive() {
        return sdk != null;
    }

    /** @param enabled {@code gateway.tracing.enabled}: false (the default) installs nothing */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @param serviceName the default {@code service.name}; {@code OTEL_SERVICE_NAME} wins */
    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    /**
     * @param tracesExporter the default exporter name ({@code otlp}, {@code console}, {@code logging-otlp},
     *                       {@code none}, or one a {@code ConfigurableSpanExporterProvider} adds);
     *                       {@code OTEL_TRACES_EXPORTER} wins
     */
    public void setTracesExporter(String tracesExporter) {
        this.tracesExporter = tracesExporter;
    }

    /** @param excludePatterns endpoints not traced, Camel endpoint patterns separated by commas (e.g. {@code timer:*}) */
    public void setExcludePatterns(String excludePatterns) {
        this.excludePatterns = excludePatterns;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
