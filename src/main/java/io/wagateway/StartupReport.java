package io.wagateway;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Logs, once the gateway is ready, how many routes started, where it listens and where the data goes. */
@Component
public class StartupReport {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);

    private final CamelContext camelContext;
    private final String elasticsearchUrl;
    private final String messagesIndex;
    private final String routesPattern;

    /**
     * @param camelContext     the running context
     * @param elasticsearchUrl {@code gateway.elasticsearch.url}
     * @param messagesIndex    {@code gateway.elasticsearch.index.messages}
     * @param routesPattern    {@code camel.main.routes-include-pattern}
     */
    public StartupReport(CamelContext camelContext,
            @Value("${gateway.elasticsearch.url:}") String elasticsearchUrl,
            @Value("${gateway.elasticsearch.index.messages:whatsapp-messages}") String messagesIndex,
            @Value("${camel.main.routes-include-pattern:}") String routesPattern) {
        this.camelContext = camelContext;
        this.elasticsearchUrl = elasticsearchUrl;
        this.messagesIndex = messagesIndex;
        this.routesPattern = routesPattern;
    }

    /** @param event Spring Boot's ready event (carries the web server port) */
    @EventListener
    public void onReady(ApplicationReadyEvent event) {
        String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port", "?");
        long started = camelContext.getRoutes().stream()
                .filter(r -> camelContext.getRouteController().getRouteStatus(r.getRouteId()).isStarted()).count();
        LOG.info("Gateway started {} routes ({} defined) from {}: {}", started, camelContext.getRoutes().size(),
                routesPattern, camelContext.getRoutes().stream().map(Route::getRouteId).sorted().toList());
        String localData = event.getApplicationContext().getEnvironment()
                .getProperty("gateway.elasticsearch.local.data-path");
        List<String> endpoints = camelContext.getRoutes().stream()
                .map(r -> r.getEndpoint().getEndpointBaseUri())
                .filter(uri -> uri.startsWith("platform-http:"))
                .map(uri -> uri.replaceFirst("^platform-http:/*", "/"))
                .distinct().sorted().toList();
        LOG.info("Listening on http://localhost:{} {}; messages go to {} index '{}'{}",
                port, endpoints, elasticsearchUrl, messagesIndex,
                localData == null ? "" : " (local Elasticsearch, data in " + localData + ")");
    }
}
