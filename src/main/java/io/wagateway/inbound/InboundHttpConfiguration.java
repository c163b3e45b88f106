package io.wagateway.inbound;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationPredicate;
import java.util.concurrent.Executor;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Spring Boot wiring of the HTTP layer in front of the webhook routes. */
@Configuration(proxyBeanMethods = false)
public class InboundHttpConfiguration {

    /**
     * The raw-body filter, for the stock engine only ({@code gateway.webhooks.async=false}): with the asynchronous
     * engine {@link WebhookServlet} reads the bodies itself, without blocking and within its budgets.
     *
     * @param maxBodyBytes {@code gateway.webhooks.max-body-bytes}: larger bodies get 413
     * @return the raw-body filter on {@code /webhooks/*}, before every other filter
     */
    @Bean
    @ConditionalOnProperty(name = "gateway.webhooks.async", havingValue = "false")
    public FilterRegistrationBean<RawBodyFilter> rawBodyFilter(
            @Value("${gateway.webhooks.max-body-bytes:3145728}") long maxBodyBytes) {
        FilterRegistrationBean<RawBodyFilter> registration = new FilterRegistrationBean<>(new RawBodyFilter(maxBodyBytes));
        registration.addUrlPatterns("/webhooks/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.setName("rawBodyFilter");
        return registration;
    }

    /**
     * The platform-http engine with asynchronous routing ({@link AsyncPlatformHttpEngine}): replaces Camel's stock
     * engine, whose auto-configuration backs off when this bean exists. {@code gateway.webhooks.async=false} brings
     * the stock engine back (one task-executor thread held per waiting request), e.g. to compare in the benchmark.
     *
     * @param port     {@code server.port}
     * @param executor Spring's task executor (used by the stock engine and for cookie-handler endpoints)
     * @return the engine
     */
    @Bean(name = "platform-http-engine")
    @ConditionalOnProperty(name = "gateway.webhooks.async", havingValue = "true", matchIfMissing = true)
    public PlatformHttpEngine asyncPlatformHttpEngine(@Value("${server.port:8080}") int port,
            @Qualifier("applicationTaskExecutor") Executor executor) {
        return new AsyncPlatformHttpEngine(port, executor);
    }

    /**
     * The servlet of {@code /webhooks/*} ({@link WebhookServlet}): webhooks go straight to their Camel consumer, with
     * admission control, byte budgets and a read deadline. Only with the asynchronous engine.
     *
     * @param engine             the asynchronous platform-http engine
     * @param camelContext       the Camel context: while it is not started, webhook paths answer 503 (not 404)
     * @param maxInFlight        {@code gateway.webhooks.max-in-flight}: webhooks processed at once, above = 503
     * @param maxInFlightBytes   {@code gateway.webhooks.max-in-flight-bytes}: body bytes held at once, above = 503
     * @param maxUnverifiedBytes {@code gateway.webhooks.max-unverified-bytes}: body bytes held by webhooks not yet
     *                           authenticated, above = 503
     * @param maxBodyBytes       {@code gateway.webhooks.max-body-bytes}: larger bodies get 413
     * @param readTimeoutMs      {@code gateway.webhooks.read-timeout-ms}: a body not received by then gets 408
     * @param retryAfterSeconds  {@code gateway.webhooks.retry-after-seconds}: Retry-After of a 503
     * @param asyncTimeoutMs     {@code gateway.webhooks.timeout-ms}: a webhook not answered by then gets 503
     * @param registry           the meter registry
     * @return the servlet registration
     */
    @Bean
    @ConditionalOnProperty(name = "gateway.webhooks.async", havingValue = "true", matchIfMissing = true)
    public ServletRegistrationBean<WebhookServlet> webhookServlet(
            @Qualifier("platform-http-engine") PlatformHttpEngine engine,
            CamelContext camelContext,
            @Value("${gateway.webhooks.max-in-flight:1000}") int maxInFlight,
            @Value("${gateway.webhooks.max-in-flight-bytes:33554432}") long maxInFlightBytes,
            @Value("${gateway.webhooks.max-unverified-bytes:16777216}") long maxUnverifiedBytes,
            @Value("${gateway.webhooks.max-body-bytes:3145728}") long maxBodyBytes,
            @Value("${gateway.webhooks.read-timeout-ms:10000}") long readTimeoutMs,
            @Value("${gateway.webhooks.retry-after-seconds:1}") int retryAfterSeconds,
            @Value("${gateway.webhooks.timeout-ms:30000}") long asyncTimeoutMs,
            MeterRegistry registry) {
        WebhookServlet.Limits limits = new WebhookServlet.Limits(maxInFlight, maxInFlightBytes, maxUnverifiedBytes,
                maxBodyBytes, readTimeoutMs, retryAfterSeconds, asyncTimeoutMs);
        ServletRegistrationBean<WebhookServlet> registration = new ServletRegistrationBean<>(
                new WebhookServlet((AsyncPlatformHttpEngine) engine, camelContext::isStarted, limits, registry),
                "/webhooks/*");
        registration.setName("webhookServlet");
        registration.setAsyncSupported(true);
        registration.setLoadOnStartup(1);
        return registration;
    }

    /**
     * Leaves webhooks out of Spring's {@code http.server.requests} observation: they are timed by
     * {@code gateway.webhooks} (per provider and outcome), and observing each one again cost about a tenth of the
     * gateway's CPU in the benchmark. Every other path keeps it.
     *
     * @return the predicate
     */
    @Bean
    public ObservationPredicate webhooksNotObservedTwice() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext server
                && server.getCarrier() != null && server.getCarrier().getRequestURI().startsWith("/webhooks/"));
    }
}
