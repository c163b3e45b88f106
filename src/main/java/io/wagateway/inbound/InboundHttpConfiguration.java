package io.wagateway.inbound;

import org.springframework.beans.factory.annotation.Value;
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
}
