package io.wagateway;

import io.wagateway.ops.StopSignals;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;

/**
 * Spring Boot entry point. The flow itself lives in the YAML routes ({@code routes/*.camel.yaml}); this class only
 * boots Camel. Spring Boot's own Elasticsearch client is disabled on purpose: the gateway's
 * {@code ElasticsearchStore} bean (declared in the routes) owns the connection, so Camel JBang and Spring Boot
 * are configured the same way.
 */
@SpringBootApplication(exclude = {ElasticsearchClientAutoConfiguration.class,
        ElasticsearchRestClientAutoConfiguration.class})
public class GatewayApplication {

    /**
     * Starts the gateway; SIGTERM / SIGINT stop it gracefully with exit status 0 ({@link StopSignals}).
     *
     * @param args command-line arguments, passed to Spring Boot
     */
    public static void main(String[] args) {
        StopSignals.install();
        SpringApplication.run(GatewayApplication.class, args);
    }
}
