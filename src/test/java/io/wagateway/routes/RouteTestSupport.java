package io.wagateway.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Base of the route-level tests (docs/testing.md): Camel on Spring Boot with only Camel's own auto-configuration -
 * no HTTP server, no Elasticsearch, none of the gateway's {@code @Configuration} classes - loading the ONE route file
 * a subclass names with {@code camel.main.routes-include-pattern} (application.yaml supplies every property's
 * default). The Camel context is not started by Spring ({@link UseAdviceWith}): before the first test of a class,
 * {@link #prepare()} binds the test doubles of the beans and routes the file depends on and advises its routes
 * (AdviceWith, mock endpoints); then the context starts, once per class (Spring caches it per set of properties).
 * Mock endpoints are reset before each test.
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(classes = RouteTestSupport.OneRouteFile.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
                "gateway.elasticsearch.local.enabled=false",     // no local Elasticsearch is started
                "camel.springboot.main-run-controller=false",
                "camel.main.routes-reload-enabled=false"})
public abstract class RouteTestSupport {

    /** Camel's auto-configuration only: the routes come from the file named by the test's properties. */
    @SpringBootConfiguration
    @ImportAutoConfiguration(CamelAutoConfiguration.class)
    public static class OneRouteFile {
    }

    @Autowired
    protected CamelContext context;

    @Autowired
    protected ProducerTemplate template;

    @BeforeEach
    void prepareAndStartOnce() throws Exception {
        if (!context.isStarted()) {
            prepare();
            context.start();
        }
        MockEndpoint.resetMocks(context);
    }

    /**
     * Binds the test doubles and advises the routes; runs once, before the context starts.
     *
     * @throws Exception from AdviceWith
     */
    protected abstract void prepare() throws Exception;

    /** @return the mock endpoint of that URI ({@code mock:...}, or {@code mock:direct:...} for a mocked endpoint) */
    protected MockEndpoint mock(String uri) {
        return context.getEndpoint(uri, MockEndpoint.class);
    }
}
