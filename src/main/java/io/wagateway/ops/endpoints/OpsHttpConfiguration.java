package io.wagateway.ops.endpoints;

import io.wagateway.api.BearerAuth;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring Boot side of the operational endpoints (Camel JBang has neither Spring's {@code /error} nor the
 * actuator):
 * <ul>
 *   <li>{@code /error} asked for directly answers 404 like any unknown path (Spring Boot's error controller answered
 *       500, having no error to show); errors forwarded there by the container are rendered as before;</li>
 *   <li>{@code /actuator/prometheus} needs {@code gateway.metrics.token} ({@code METRICS_TOKEN}) as a bearer token in
 *       the Authorization header when one is set (401 otherwise), like {@code GET /stats} ({@link OpsAccess}).</li>
 * </ul>
 * Plain servlet filters: no security framework is brought in for two paths.
 */
@Configuration(proxyBeanMethods = false)
public class OpsHttpConfiguration {

    /**
     * @return a filter on direct requests to {@code /error} (dispatcher type REQUEST only): 404, rendered by Spring
     *         Boot's error page as JSON
     */
    @Bean
    public FilterRegistrationBean<Filter> directErrorPathFilter() {
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(
                (request, response, chain) -> ((HttpServletResponse) response).sendError(HttpServletResponse.SC_NOT_FOUND));
        registration.addUrlPatterns("/error", "/error/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setName("directErrorPathFilter");
        return registration;
    }

    /**
     * @param token {@code gateway.metrics.token}: the bearer token {@code /actuator/prometheus} needs; blank = open
     * @return the filter on {@code /actuator/prometheus}
     */
    @Bean
    public FilterRegistrationBean<Filter> metricsTokenFilter(@Value("${gateway.metrics.token:}") String token) {
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
            String authorization = ((HttpServletRequest) request).getHeader("Authorization"); // the header only
            if (token == null || token.isBlank() || BearerAuth.matches(authorization, token)) {
                chain.doFilter(request, response);
                return;
            }
            HttpServletResponse http = (HttpServletResponse) response;
            http.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            http.setHeader("WWW-Authenticate", "Bearer");
            http.setContentType("application/json");
            http.getOutputStream().write("{\"error\":\"missing or wrong bearer token (METRICS_TOKEN)\"}"
                    .getBytes(StandardCharsets.UTF_8));
        });
        registration.addUrlPatterns("/actuator/prometheus", "/actuator/prometheus/*");
        registration.setName("metricsTokenFilter");
        return registration;
    }
}
