package io.wagateway.inbound;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP entry of {@code /webhooks/*} (Spring Boot runtime): hands each request straight to the Camel
 * platform-http consumer of its path, with admission control, and completes it with Servlet async when the route is
 * done. No thread waits for Elasticsearch, and Spring MVC's dispatch (handler lookup, return-value handling, the
 * async re-dispatch) is skipped: on this path it cost more CPU than the route itself.
 *
 * <p>Admission control: at most {@code maxInFlight} webhooks and {@code maxInFlightBytes} bytes of bodies are being
 * processed at once; a webhook above either bound is answered {@code 503} with {@code Retry-After} and is not
 * processed, so the provider redelivers it later (every provider retries a 5xx: providers.md, "retry behaviour"). A
 * bounded queue keeps the heap and the acknowledgement latency bounded when the offered rate exceeds capacity.
 *
 * <p>A path with no started webhook consumer of that exact path and method (a path template, a route turned off, a
 * GET) is forwarded to Spring MVC, which serves or refuses it as before.
 */
public class WebhookServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServlet.class);

    private final transient AsyncPlatformHttpEngine engine;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private final int retryAfterSeconds;
    private final long asyncTimeoutMs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final transient Counter overloaded;

    /**
     * @param engine            the platform-http engine whose started consumers serve the paths
     * @param maxInFlight       most webhooks processed at once (requests above get 503)
     * @param maxInFlightBytes  most body bytes processed at once (requests above get 503; one request is always
     *                          admitted when nothing else is in flight)
     * @param retryAfterSeconds the {@code Retry-After} of an overload 503, in seconds
     * @param asyncTimeoutMs    how long a webhook may take before it is answered 503, in ms
     * @param registry          where {@code gateway.webhooks.overloaded} (counter) and {@code gateway.webhooks.in_flight}
     *                          (gauge) are registered
     */
    public WebhookServlet(AsyncPlatformHttpEngine engine, int maxInFlight, long maxInFlightBytes,
            int retryAfterSeconds, long asyncTimeoutMs, MeterRegistry registry) {
        this.engine = engine;
        this.maxInFlight = maxInFlight;
        this.maxInFlightBytes = maxInFlightBytes;
        this.retryAfterSeconds = retryAfterSeconds;
        this.asyncTimeoutMs = asyncTimeoutMs;
        this.overloaded = Counter.builder("gateway.webhooks.overloaded")
                .description("webhooks answered 503 by admission control (too many in flight)").register(registry);
        Gauge.builder("gateway.webhooks.in_flight", inFlight, AtomicInteger::get)
                .description("webhooks being processed").register(registry);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        AsyncPlatformHttpEngine.AsyncConsumer consumer = engine.consumer(path, request.getMethod());
        if (consumer == null) {
            RequestDispatcher mvc = getServletContext().getNamedDispatcher("dispatcherServlet");
            if (mvc == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
            } else {
                mvc.forward(request, response);
            }
            return;
        }
        long bytes = Math.max(0, request.getContentLengthLong());
        int admitted = inFlight.incrementAndGet();
        long admittedBytes = inFlightBytes.addAndGet(bytes);
        if (admitted > maxInFlight || (admittedBytes > maxInFlightBytes && admitted > 1)) {
            release(bytes);
            overloaded.increment();
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            response.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
            response.setContentType("application/json");
            response.getOutputStream().write(
                    "{\"error\":\"overloaded, retry later\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        AtomicBoolean finished = new AtomicBoolean();
        AsyncContext async;
        try {
            async = request.startAsync(request, response);
        } catch (RuntimeException e) {
            release(bytes);
            throw e;
        }
        async.setTimeout(asyncTimeoutMs);
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (finished.compareAndSet(false, true)) {
                    release(bytes);
                    LOG.warn("Webhook {} not answered within {} ms: answered 503", path, asyncTimeoutMs);
                    HttpServletResponse r = (HttpServletResponse) event.getAsyncContext().getResponse();
                    if (!r.isCommitted()) {
                        r.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                        r.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
                    }
                    event.getAsyncContext().complete();
                }
            }

            @Override
            public void onComplete(AsyncEvent event) {
                if (finished.compareAndSet(false, true)) {
                    release(bytes);
                }
            }

            @Override
            public void onError(AsyncEvent event) {
                // the container completes the request after onError; onComplete releases
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // not restarted
            }
        });
        consumer.route(request, response, () -> {
            if (finished.compareAndSet(false, true)) {
                release(bytes);
                async.complete();
            }
        });
    }

    private void release(long bytes) {
        inFlight.decrementAndGet();
        inFlightBytes.addAndGet(-bytes);
    }
}
