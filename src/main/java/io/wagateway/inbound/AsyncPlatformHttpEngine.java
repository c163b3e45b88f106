package io.wagateway.inbound;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.concurrent.CompletableFuture;
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
 */
public class AsyncPlatformHttpEngine extends SpringBootPlatformHttpEngine {

    private final Executor executor;

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
        return new AsyncConsumer(endpoint, processor, executor);
    }

    /** A platform-http consumer that routes asynchronously and completes the servlet request from the callback. */
    static final class AsyncConsumer extends SpringBootPlatformHttpConsumer {

        private static final Logger LOG = LoggerFactory.getLogger(AsyncConsumer.class);
        private final SpringBootPlatformHttpBinding binding = new SpringBootPlatformHttpBinding();

        AsyncConsumer(PlatformHttpEndpoint endpoint, Processor processor, Executor executor) {
            super(endpoint, processor, executor);
            // configured as the stock consumer configures its own binding
            binding.setHeaderFilterStrategy(endpoint.getHeaderFilterStrategy());
            binding.setMuteException(endpoint.isMuteException());
            binding.setFileNameExtWhitelist(endpoint.getFileNameExtWhitelist());
            binding.setUseReaderForPayload(!endpoint.isUseStreaming());
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
            Exchange exchange = null;
            try {
                if (isSuspended()) {
                    response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                    written.complete(null);
                    return written;
                }
                exchange = createExchange(true);
                exchange.setPattern(ExchangePattern.InOut);
                HttpHelper.setCharsetFromContentType(request.getContentType(), exchange);
                PlatformHttpMessage in = new PlatformHttpMessage(request, response, exchange, binding, false);
                exchange.setIn(in);
                in.init(exchange, binding, request, response);
                exchange.getIn().setHeader("CamelPlatformHttpContextPath", getEndpoint().getPath());
                createUoW(exchange);
            } catch (Exception e) {
                fail(response, written, e);
                return written;
            }
            Exchange routed = exchange;
            getAsyncProcessor().process(routed, doneSync -> {
                try {
                    afterProcess(response, routed);
                } catch (Exception e) {
                    LOG.warn("Error writing the response of {}: {}", request.getRequestURI(), e.toString());
                } finally {
                    written.complete(null);
                }
            });
            return written;
        }

        private static void fail(HttpServletResponse response, CompletableFuture<Void> written, Exception e) {
            LOG.warn("Error handling request: {}", e.getMessage(), e);
            try {
                if (!response.isCommitted()) {
                    response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                }
            } catch (Exception ignored) {
                // the client is gone
            }
            written.complete(null);
        }
    }
}
