package io.wagateway.runtime.springboot;

import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.inbound.WebhookPaths;
import io.micrometer.observation.ObservationPredicate;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
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
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

/**
 * Spring Boot wiring of the HTTP layer in front of the webhook routes: on {@code /webhooks/*} and on every other path
 * of a provider's {@code gateway.<provider>.paths} list (the replaced systems' paths, issue 16 item 7), so those get
 * the same raw-byte capture, body limit, byte budgets, read deadline and 503 while starting. Spring Boot runtime
 * only (package {@code io.wagateway.runtime.springboot}: the custom HTTP entry a future Camel release would replace).
 */
@Configuration(proxyBeanMethods = false)
public class InboundHttpConfiguration {

    /**
     * A provider's webhook path list, e.g. {@code gateway.periskope.paths} (routes/signed-webhook.camel.yaml), or its
     * environment form {@code GATEWAY_PERISKOPE_PATHS}.
     */
    private static final Pattern PATHS_KEY = Pattern.compile("(?i)gateway[._][a-z0-9-]+[._]paths");

    /**
     * The webhook paths outside {@code /webhooks/}: every path of every {@code gateway.<provider>.paths} property, as
     * the environment resolves it (application.yaml and its environment variables such as
     * {@code PERISKOPE_WEBHOOK_PATHS}, {@code GATEWAY_<PROVIDER>_PATHS}, command-line and test properties). A provider
     * whose list lives only in its route file's placeholder default is served on {@code /webhooks/*} paths only.
     *
     * @param environment the Spring environment
     * @return exact paths, in the order found, each once
     * @throws IllegalArgumentException when a listed path is not an exact path starting with {@code /}
     */
    public static Set<String> aliasPaths(Environment environment) {
        Set<String> keys = new LinkedHashSet<>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            for (PropertySource<?> source : configurable.getPropertySources()) {
                if (source instanceof EnumerablePropertySource<?> enumerable) {
                    for (String name : enumerable.getPropertyNames()) {
                        if (PATHS_KEY.matcher(name).matches()) {
                            keys.add(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
                        }
                    }
                }
            }
        }
        Set<String> paths = new LinkedHashSet<>();
        for (String key : keys) {
            for (String path : WebhookPaths.parse(environment.getProperty(key))) {
                if (!path.startsWith("/webhooks/")) {
                    paths.add(path);
                }
            }
        }
        return paths;
    }

    /**
     * The raw-body filter, for the stock engine only ({@code gateway.webhooks.async=false}): with the asynchronous
     * engine {@link WebhookServlet} reads the bodies itself, without blocking and within its budgets.
     *
     * @param maxBodyBytes {@code gateway.webhooks.max-body-bytes}: larger bodies get 413
     * @param environment  where the providers' path lists are read ({@link #aliasPaths})
     * @return the raw-body filter on {@code /webhooks/*} and the other webhook paths, before every other filter
     */
    @Bean
    @ConditionalOnProperty(name = "gateway.webhooks.async", havingValue = "false")
    public FilterRegistrationBean<RawBodyFilter> rawBodyFilter(
            @Value("${gateway.webhooks.max-body-bytes:3145728}") long maxBodyBytes, Environment environment) {
        FilterRegistrationBean<RawBodyFilter> registration = new FilterRegistrationBean<>(new RawBodyFilter(maxBodyBytes));
        registration.addUrlPatterns("/webhooks/*");
        registration.addUrlPatterns(aliasPaths(environment).toArray(String[]::new));
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
     * The servlet of {@code /webhooks/*} and of the other webhook paths ({@link #aliasPaths}; {@link WebhookServlet}):
     * webhooks go straight to their Camel consumer, with admission control, byte budgets and a read deadline. Only
     * with the asynchronous engine.
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
     * @param environment        where the providers' path lists are read
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
            MeterRegistry registry, Environment environment) {
        WebhookServlet.Limits limits = new WebhookServlet.Limits(maxInFlight, maxInFlightBytes, maxUnverifiedBytes,
                maxBodyBytes, readTimeoutMs, retryAfterSeconds, asyncTimeoutMs);
        ServletRegistrationBean<WebhookServlet> registration = new ServletRegistrationBean<>(
                new WebhookServlet((AsyncPlatformHttpEngine) engine, camelContext::isStarted, limits, registry),
                "/webhooks/*");
        registration.addUrlMappings(aliasPaths(environment).toArray(String[]::new));
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
     * @param environment where the providers' path lists are read ({@link #aliasPaths})
     * @return the predicate
     */
    @Bean
    public ObservationPredicate webhooksNotObservedTwice(Environment environment) {
        Set<String> aliases = aliasPaths(environment);
        return (name, context) -> !(context instanceof ServerRequestObservationContext server
                && server.getCarrier() != null && (server.getCarrier().getRequestURI().startsWith("/webhooks/")
                        || aliases.contains(server.getCarrier().getRequestURI())));
    }
}
