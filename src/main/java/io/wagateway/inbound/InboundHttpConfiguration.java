package io.wagateway.inbound;

import java.util.concurrent.Executor;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Spring Boot wiring of the HTTP layer in front of the webhook routes. */
@Configuration(proxyBeanMethods = false)
public class InboundHttpConfiguration {

    /**
     * @param maxBodyBytes {@code gateway.webhooks.max-body-bytes}: larger bodies get 413
     * @return the raw-body filter on {@code /webhooks/*}, before every other filter
     */
    @Bean
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
}
