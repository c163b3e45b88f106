package io.wagateway.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The embedded default: when {@code gateway.elasticsearch.url} (env {@code ELASTICSEARCH_URL}) is empty and
 * {@code gateway.elasticsearch.local.enabled} is true, starts the project's local Elasticsearch before the
 * application context (so routes and beans see a live store) and points {@code gateway.elasticsearch.url} at it.
 * The node stops when the JVM stops; one left running by a gateway killed with SIGKILL is adopted (see
 * {@link LocalElasticsearch}). Runs after {@code application.yaml} has been loaded.
 */
public class LocalElasticsearchEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    private final Log log;

    /** @param logs Spring Boot's deferred logs: this runs before logging is set up, the lines are replayed after */
    public LocalElasticsearchEnvironmentPostProcessor(DeferredLogFactory logs) {
        this.log = logs.getLog(LocalElasticsearch.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        String url = env.getProperty("gateway.elasticsearch.url");
        if (url != null && !url.isBlank()) {
            return;
        }
        if (!env.getProperty("gateway.elasticsearch.local.enabled", Boolean.class, true)) {
            return;
        }
        Path base = Path.of(env.getProperty("gateway.elasticsearch.local.dir", ".local")).toAbsolutePath();
        int port = env.getProperty("gateway.elasticsearch.local.http-port", Integer.class, 9200);
        LocalElasticsearch.Settings settings = new LocalElasticsearch.Settings(
                base.resolve("elasticsearch"),
                base.resolve("data/elasticsearch-" + port),
                base.resolve("logs/elasticsearch-" + port),
                port,
                env.getProperty("gateway.elasticsearch.local.heap", "512m"),
                env.getProperty("gateway.elasticsearch.local.user", "elasticsearch"),
                env.getProperty("gateway.elasticsearch.local.clean-data", Boolean.class, false),
                Duration.ofSeconds(env.getProperty("gateway.elasticsearch.local.start-timeout-seconds", Integer.class, 120)));
        LocalElasticsearch.Node node = LocalElasticsearch.ensure(settings);
        for (LocalElasticsearch.Note note : node.notes()) {
            if (note.warn()) {
                log.warn(note.line());
            } else {
                log.info(note.line());
            }
        }
        // an Elasticsearch of someone else's on the port is used, but not reported as the local one (no data path)
        env.getPropertySources().addFirst(new MapPropertySource("local-elasticsearch", node.local()
                ? Map.of("gateway.elasticsearch.url", node.url(),
                        "gateway.elasticsearch.local.data-path", settings.dataDir().toString())
                : Map.of("gateway.elasticsearch.url", node.url())));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
