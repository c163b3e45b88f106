package io.wagateway.runtime.springboot;

import io.wagateway.inbound.WebhookSignatureVerifier;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConsumer;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpEngine;
import org.apache.camel.http.common.HttpHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform-http engine of the Spring Boot runtime, with asynchronous routing end to end: no thread waits while a
 * webhook's documents are being written.
 *
 * <p>Camel 4.17's Spring Boot consumer hands each request to Spring's task executor (8 threads by default) and runs
 * the route there with the blocking {@code Processor.process}, so each waiting webhook holds one of those threads
 * until Elasticsearch confirms its bulk item: at most 8 webhooks are in flight, whatever the bulk could take. This
 * consumer starts the route on the servlet thread with Camel's {@code AsyncProcessor} and returns at the first
 * asynchronous step (the store's {@code CompletableFuture}); Spring MVC keeps the request open (Servlet async) and
 * the response is written by whichever thread completes the exchange. Under Camel JBang the Vert.x platform-http
 * consumer is asynchronous already.
 *
 * <p>Endpoints that use Camel's cookie handler keep the stock behaviour.
 *
 * <p>Started consumers are also listed by path ({@link #consumer(String, String)}): {@link WebhookServlet} serves
 * {@code /webhooks/*} with them directly, without Spring MVC's dispatch.
 *
 * <p>Why it is custom (issue 17 item 5): {@link WebhookServlet} reads a body without blocking and then needs a
 * consumer it can hand the read request to; the stock engine is reached only through Spring MVC, on a task-executor
 * thread that is held until the exchange completes. Against the stock consumer with a sized Spring task executor
 * ({@code spring.task.execution.pool.core-size} 8, 64, 200) it used 24-35 % less gateway CPU per webhook at maximum
 * rate (docs/http-entry.md, "Stock platform-http or the custom entry"). An asynchronous Spring Boot platform-http
 * consumer in a future Camel release (the Vert.x one is asynchronous already) would replace it.
 */
public class AsyncPlatformHttpEngine extends SpringBootPlatformHttpEngine {

    private final Executor executor;
    private final Map<String, List<AsyncConsumer>> byPath = new ConcurrentHashMap<>();

    /**
     * @param port     the server port (reported to Camel)
     * @param executor the executor the stock consumer would use (kept for endpoints served the stock way)
     */
    public AsyncPlatformHttpEngine(int port, Executor executor) {
        super(port, executor);
        this.executor = executor;
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new AsyncConsumer(endpoint, processor, executor, this);
    }

    /**
     * The started consumer of an exact path (no path template) that accepts a method.
     *
     * @param path   the request path, e.g. {@code /webhooks/waha}
     * @param method the HTTP method
     * @return the consumer, or null when none is started for that path and method
     */
    public AsyncConsumer consumer(String path, String method) {
        List<AsyncConsumer> candidates = byPath.get(path);
        if (candidates == null) {
            return null;
        }
        for (AsyncConsumer c : candidates) {
            String restrict = c.getEndpoint().getHttpMethodRestrict();
            if (c.isRunAllowed() && (restrict == null || restrict.isBlank() || accepts(restrict, method))) {
                return c;
            }
        }
        return null;
    }

    private static boolean accepts(String restrict, String method) {
        for (String m : restrict.split(",")) {
            if (m.trim().equalsIgnoreCase(method)) {
                return true;
            }
        }
        return false;
    }

    /** A platform-http consumer that routes asynchronously and completes the servlet request from the callback. */
    public static final class AsyncConsumer extends SpringBootPlatformHttpConsumer {

        private static final Logger LOG = LoggerFactory.getLogger(AsyncConsumer.class);
        private final SpringBootPlatformHttpBinding binding = new SpringBootPlatformHttpBinding();
        private final AsyncPlatformHttpEngine engine;

        AsyncConsumer(PlatformHttpEndpoint endpoint, Processor processor, Executor executor,
                AsyncPlatformHttpEngine engine) {
            super(endpoint, processor, executor);
            this.engine = engine;
            // configured as the stock consumer configures its own binding
            binding.setHeaderFilterStrategy(endpoint.getHeaderFilterStrategy());
            binding.setMuteException(endpoint.isMuteException());
            binding.setFileNameExtWhitelist(endpoint.getFileNameExtWhitelist());
            binding.setUseReaderForPayload(!endpoint.isUseStreaming());
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            String path = getEndpoint().getPath();
            if (!path.contains("{") && !getEndpoint().isUseCookieHandler()) {
                engine.byPath.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(this);
            }
        }

        @Override
        protected void doStop() throws Exception {
            List<AsyncConsumer> list = engine.byPath.get(getEndpoint().getPath());
            if (list != null) {
                list.remove(this);
            }
            super.doStop();
        }

        /**
         * Routes the request without blocking: the returned future completes once the response is written.
         *
         * @return a future Spring MVC waits on with Servlet async (no thread held meanwhile)
         */
        @Override
        public CompletableFuture<Void> service(HttpServletRequest request, HttpServletResponse response) {
            if (getEndpoint().isUseCookieHandler()) {
                return super.service(request, response);
            }
            CompletableFuture<Void> written = new CompletableFuture<>();
            route(request, response, () -> written.complete(null));
            return written;
        }

        /**
         * Routes the request without blocking and calls {@code done} once the response is written (or could not be).
         * A body already read by {@link WebhookServlet} or {@link RawBodyFilter} (request attribute
         * {@link RawBodyFilter#RAW_BODY_ATTRIBUTE}) becomes the message body as is, without another copy; the
         * servlet's {@link WebhookServlet#ON_VERIFIED_ATTRIBUTE} becomes exchange property
         * {@link WebhookSignatureVerifier#ON_VERIFIED_PROPERTY}.
         *
         * @param request  the servlet request (Servlet async started by the caller, or by Spring MVC)
         * @param response the servlet response
         * @param done     called exactly once, on whichever thread completes the exchange
         */
        public void route(HttpServletRequest request, HttpServletResponse response, Runnable done) {
            Exchange exchange = null;
            try {
                if (isSuspended()) {
                    response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                    done.run();
                    return;
                }
                exchange = createExchange(true);
                exchange.setPattern(ExchangePattern.InOut);
                HttpHelper.setCharsetFromContentType(request.getContentType(), exchange);
                PlatformHttpMessage in = new PlatformHttpMessage(request, response, exchange, binding, false);
                exchange.setIn(in);
                in.init(exchange, binding, request, response);
                if (request.getAttribute(RawBodyFilter.RAW_BODY_ATTRIBUTE) instanceof byte[] raw) {
                    in.setBody(raw);
                }
                if (request.getAttribute(WebhookServlet.ON_VERIFIED_ATTRIBUTE) instanceof Runnable onVerified) {
                    exchange.setProperty(WebhookSignatureVerifier.ON_VERIFIED_PROPERTY, onVerified);
                }
                exchange.getIn().setHeader("CamelPlatformHttpContextPath", getEndpoint().getPath());
                createUoW(exchange);
            } catch (Exception e) {
                fail(response, done, e);
                return;
            }
            Exchange routed = exchange;
            getAsyncProcessor().process(routed, doneSync -> {
                try {
                    afterProcess(response, routed);
                } catch (Exception e) {
                    io.wagateway.ops.RateLimitedLog.warn(LOG, "response-write:" + e.getClass().getName(),
                            "Error writing the response of {}: {}", request.getRequestURI(), e.toString());
                } finally {
                    done.run();
                }
            });
        }

        private static void fail(HttpServletResponse response, Runnable done, Exception e) {
            io.wagateway.ops.RateLimitedLog.warn(LOG, "request:" + e.getClass().getName(), "Error handling request: {}",
                    e.getMessage(), e);
            try {
                if (!response.isCommitted()) {
                    response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                }
            } catch (Exception ignored) {
                // the client is gone
            }
            done.run();
        }
    }
}
