package io.wagateway.runtime.springboot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP entry of {@code /webhooks/*} (Spring Boot runtime): reads each body with Servlet non-blocking I/O, hands
 * the request straight to the Camel platform-http consumer of its path, and completes it with Servlet async when the
 * route is done. No thread waits for a slow client or for Elasticsearch, and Spring MVC's dispatch is skipped.
 *
 * <p>What it bounds, before anything is authenticated (docs/http-entry.md):
 * <ul>
 *   <li>webhooks at once: at most {@code maxInFlight}; above → {@code 503} + {@code Retry-After};</li>
 *   <li>body bytes, counted <b>as they are read</b> (8 KiB when the request arrives, then in doubling steps as its
 *       bytes arrive, never beyond its declared {@code Content-Length}): at most
 *       {@code maxInFlightBytes} for all webhooks in flight and {@code maxUnverifiedBytes} for those whose signature
 *       has not been verified yet; above either → {@code 503} + {@code Retry-After} and the connection is closed.
 *       One request is always admitted when it is the only holder;</li>
 *   <li>one body: at most {@code maxBodyBytes} → else {@code 413};</li>
 *   <li>time to receive a whole body: {@code readTimeoutMs} from the first byte wanted → else {@code 408} and the
 *       connection is closed (a trickle of one byte every few seconds holds no thread and is cut off).</li>
 * </ul>
 * A webhook not answered within {@code asyncTimeoutMs} is answered {@code 503} (redelivered). Every provider retries
 * a 5xx (providers.md, "retry behaviour").
 *
 * <p>The captured body is handed on as request attribute {@link RawBodyFilter#RAW_BODY_ATTRIBUTE}, in a request
 * whose parameters come from the query string only and whose form Content-Type is relabelled (as
 * {@link RawBodyFilter} does for the stock engine). The request also carries {@link #ON_VERIFIED_ATTRIBUTE}: the
 * signature verifier runs it once the body is authentic, which gives its bytes back to the unverified budget.
 *
 * <p>A path with no started webhook consumer is answered {@code 503} + {@code Retry-After} while the routes are not
 * started yet (or are stopping), so a provider retries instead of dropping the webhook on a 404; once started, such a
 * path (a provider turned off, a GET) is forwarded to Spring MVC, which serves or refuses it as before.
 *
 * <p>Why it is custom (issue 17 item 5): it carries the byte admission before authentication, the body deadline and
 * the 503 while starting, which Camel 4.17's Spring Boot platform-http consumer cannot host (it reads the body with
 * blocking reads inside Camel's HTTP binding, on a task-executor thread, and its Spring MVC handler mapping answers
 * 404 before the consumer is started). A platform-http option for a body deadline and a byte budget would replace it.
 */
public class WebhookServlet extends HttpServlet {

    /** Request attribute holding a {@link Runnable} to call once the webhook's signature has been verified. */
    public static final String ON_VERIFIED_ATTRIBUTE = "gateway.onVerified";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookServlet.class);
    private static final int READING = 0;
    private static final int ROUTING = 1;
    private static final int DONE = 2;
    /** What a webhook reserves before its first byte, and its buffer's first size: most webhook bodies fit. */
    private static final int FIRST_RESERVE_BYTES = 8192;

    private final transient AsyncPlatformHttpEngine engine;
    private final transient BooleanSupplier routesStarted;
    private final transient Limits limits;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final transient ByteBudget inFlightBytes;
    private final transient ByteBudget unverifiedBytes;
    private final transient Counter overloaded;
    private final transient Counter readTimeouts;
    private final transient Counter notReady;
    private final transient ScheduledThreadPoolExecutor deadlines;

    /**
     * The bounds of the webhook entry.
     *
     * @param maxInFlight        most webhooks processed at once (above: 503)
     * @param maxInFlightBytes   most body bytes held by webhooks in flight (above: 503)
     * @param maxUnverifiedBytes most body bytes held by webhooks not yet authenticated (above: 503)
     * @param maxBodyBytes       largest body (above: 413)
     * @param readTimeoutMs      longest time to receive a whole body, in ms (then 408)
     * @param retryAfterSeconds  {@code Retry-After} of a 503, in seconds
     * @param asyncTimeoutMs     how long a webhook may take before it is answered 503, in ms
     */
    public record Limits(int maxInFlight, long maxInFlightBytes, long maxUnverifiedBytes, long maxBodyBytes,
            long readTimeoutMs, int retryAfterSeconds, long asyncTimeoutMs) {
    }

    /**
     * @param engine        the platform-http engine whose started consumers serve the paths
     * @param routesStarted true once the routes are started (Camel context started); false while starting or stopping
     * @param limits        the bounds
     * @param registry      where {@code gateway.webhooks.overloaded}, {@code gateway.webhooks.read.timeouts},
     *                      {@code gateway.webhooks.not.ready} (counters) and {@code gateway.webhooks.in_flight},
     *                      {@code gateway.webhooks.in_flight.bytes}, {@code gateway.webhooks.unverified.bytes}
     *                      (gauges) are registered
     */
    public WebhookServlet(AsyncPlatformHttpEngine engine, BooleanSupplier routesStarted, Limits limits,
            MeterRegistry registry) {
        this.engine = engine;
        this.routesStarted = routesStarted;
        this.limits = limits;
        this.inFlightBytes = new ByteBudget(limits.maxInFlightBytes());
        this.unverifiedBytes = new ByteBudget(limits.maxUnverifiedBytes());
        this.overloaded = Counter.builder("gateway.webhooks.overloaded")
                .description("webhooks answered 503 by admission control (too many or too many bytes in flight)")
                .register(registry);
        this.readTimeouts = Counter.builder("gateway.webhooks.read.timeouts")
                .description("webhooks answered 408: the body did not arrive within the read timeout").register(registry);
        this.notReady = Counter.builder("gateway.webhooks.not.ready")
                .description("webhooks answered 503 because the routes were not started (start-up, shut-down)")
                .register(registry);
        Gauge.builder("gateway.webhooks.in_flight", inFlight, AtomicInteger::get)
                .description("webhooks being received or processed").register(registry);
        Gauge.builder("gateway.webhooks.in_flight.bytes", inFlightBytes, ByteBudget::used)
                .description("body bytes held by webhooks in flight").baseUnit("bytes").register(registry);
        Gauge.builder("gateway.webhooks.unverified.bytes", unverifiedBytes, ByteBudget::used)
                .description("body bytes held by webhooks not yet authenticated").baseUnit("bytes").register(registry);
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "webhook-read-deadlines");
            t.setDaemon(true);
            return t;
        });
        this.deadlines.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void destroy() {
        deadlines.shutdownNow();
        super.destroy();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        AsyncPlatformHttpEngine.AsyncConsumer consumer = engine.consumer(path, request.getMethod());
        if (consumer == null) {
            if (!routesStarted.getAsBoolean()) {
                notReady.increment();
                unavailable(response, "{\"error\":\"starting, retry later\"}");
                return;
            }
            RequestDispatcher mvc = getServletContext().getNamedDispatcher("dispatcherServlet");
            if (mvc == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
            } else {
                mvc.forward(request, response);
            }
            return;
        }
        long declared = request.getContentLengthLong();
        if (declared > limits.maxBodyBytes()) {
            tooLarge(response);
            return;
        }
        if (inFlight.incrementAndGet() > limits.maxInFlight()) {
            inFlight.decrementAndGet();
            overloaded(response);
            return;
        }
        Webhook webhook = new Webhook(path, consumer, request, response, declared);
        // a declared length is not reserved whole before its bytes arrive: six idle connections declaring 3 MB would
        // hold the unverified budget and starve every webhook; the first read's buffer is reserved, the rest as read
        if (declared > 0 && !webhook.reserve(Math.min(declared, FIRST_RESERVE_BYTES))) {
            webhook.release();
            overloaded(response);
            return;
        }
        AsyncContext async;
        try {
            async = request.startAsync(request, response);
        } catch (RuntimeException e) {
            webhook.release();
            throw e;
        }
        webhook.async = async;
        async.setTimeout(limits.asyncTimeoutMs());
        async.addListener(webhook);
        webhook.deadline = deadlines.schedule(webhook::readTimedOut, limits.readTimeoutMs(), TimeUnit.MILLISECONDS);
        request.getInputStream().setReadListener(webhook);
    }

    private void overloaded(HttpServletResponse response) throws IOException {
        overloaded.increment();
        unavailable(response, "{\"error\":\"overloaded, retry later\"}");
    }

    private void unavailable(HttpServletResponse response, String json) throws IOException {
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", Integer.toString(limits.retryAfterSeconds()));
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        response.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setStatus(413);
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"error\":\"payload too large\",\"max_bytes\":" + limits.maxBodyBytes() + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** One webhook: reads its body without blocking, then routes it; gives its share of every budget back once. */
    private final class Webhook implements ReadListener, AsyncListener {

        private final String path;
        private final AsyncPlatformHttpEngine.AsyncConsumer consumer;
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final AtomicInteger state = new AtomicInteger(READING);
        private final AtomicBoolean released = new AtomicBoolean();
        private final AtomicBoolean verified = new AtomicBoolean();
        private final byte[] chunk = new byte[16384];
        private volatile AsyncContext async;
        private volatile ScheduledFuture<?> deadline;
        private long reservedInFlight;
        private long reservedUnverified;
        private byte[] body = new byte[0];
        private int length;
        /** The declared Content-Length in bytes, or -1 (chunked): the buffer never grows beyond it. */
        private final long declared;

        Webhook(String path, AsyncPlatformHttpEngine.AsyncConsumer consumer, HttpServletRequest request,
                HttpServletResponse response, long declared) {
            this.declared = declared;
            this.path = path;
            this.consumer = consumer;
            this.request = request;
            this.response = response;
        }

        /** Reserves {@code bytes} more of both budgets; false (nothing reserved) when either is spent. */
        synchronized boolean reserve(long bytes) {
            if (released.get()) {
                // released meanwhile (the read deadline answered 408 on another thread): reserve nothing more, or the
                // bytes would never be given back
                return false;
            }
            if (!inFlightBytes.tryAcquire(bytes, reservedInFlight)) {
                return false;
            }
            if (!unverifiedBytes.tryAcquire(bytes, reservedUnverified)) {
                inFlightBytes.release(bytes);
                return false;
            }
            reservedInFlight += bytes;
            reservedUnverified += bytes;
            return true;
        }

        @Override
        public void onDataAvailable() throws IOException {
            ServletInputStream in = request.getInputStream();
            while (state.get() == READING && in.isReady()) {
                int n = in.read(chunk);
                if (n < 0) {
                    return;   // onAllDataRead follows
                }
                long total = (long) length + n;
                if (total > limits.maxBodyBytes()) {
                    end(413);
                    return;
                }
                if (total > body.length) {
                    // the buffer never outgrows what is reserved: doubling from the first reservation, up to the
                    // declared Content-Length (or the largest body), so bytes are reserved as they arrive
                    long cap = declared > 0 ? Math.min(declared, limits.maxBodyBytes()) : limits.maxBodyBytes();
                    long capacity = reservedInFlight >= total ? reservedInFlight
                            : Math.max(total, Math.min(Math.max(2L * body.length, FIRST_RESERVE_BYTES), cap));
                    if (capacity > reservedInFlight && !reserve(capacity - reservedInFlight)) {
                        end(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                        return;
                    }
                    body = Arrays.copyOf(body, (int) capacity);
                }
                System.arraycopy(chunk, 0, body, length, n);
                length = (int) total;
            }
        }

        @Override
        public void onAllDataRead() {
            if (!state.compareAndSet(READING, ROUTING)) {
                return;
            }
            cancelDeadline();
            byte[] raw = length == body.length ? body : Arrays.copyOf(body, length);
            body = null;
            request.setAttribute(RawBodyFilter.RAW_BODY_ATTRIBUTE, raw);
            request.setAttribute(ON_VERIFIED_ATTRIBUTE, (Runnable) this::verified);
            consumer.route(new RawBodyFilter.RawBodyRequest(request, raw), response, () -> {
                if (state.compareAndSet(ROUTING, DONE)) {
                    release();
                    async.complete();
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            // the client went away or the read failed: nothing to answer
            if (state.compareAndSet(READING, DONE)) {
                cancelDeadline();
                release();
                LOG.debug("Webhook {} body not received: {}", path, t.toString());
                try {
                    async.complete();
                } catch (IllegalStateException alreadyDone) {
                    // completed by the container
                }
            }
        }

        /** The read deadline passed: 408 and the connection is closed, unless the body has arrived meanwhile. */
        void readTimedOut() {
            if (state.get() == READING) {
                readTimeouts.increment();
                io.wagateway.ops.RateLimitedLog.warn(LOG, "webhook-408:" + path,
                        "Webhook {} body not received within {} ms ({} bytes so far): answered 408", path,
                        limits.readTimeoutMs(), length);
                end(408);
            }
        }

        /** Answers an error while reading (408, 413, 503) and closes the connection; releases everything. */
        private void end(int status) {
            if (!state.compareAndSet(READING, DONE)) {
                return;
            }
            cancelDeadline();
            release();
            try {
                if (!response.isCommitted()) {
                    if (status == 413) {
                        tooLarge(response);
                    } else if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
                        overloaded(response);
                    } else {
                        response.setStatus(status);
                        response.setHeader("Connection", "close");
                        response.setContentType("application/json");
                        response.getOutputStream().write("{\"error\":\"request body not received in time\"}"
                                .getBytes(StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Could not answer {} on {}: {}", status, path, e.toString());
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyDone) {
                // the container completed it (client gone)
            }
        }

        private void verified() {
            if (verified.compareAndSet(false, true)) {
                synchronized (this) {
                    unverifiedBytes.release(reservedUnverified);
                    reservedUnverified = 0;
                }
            }
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
                synchronized (this) {
                    inFlightBytes.release(reservedInFlight);
                    unverifiedBytes.release(reservedUnverified);
                    reservedInFlight = 0;
                    reservedUnverified = 0;
                }
            }
        }

        private void cancelDeadline() {
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            int was = state.getAndSet(DONE);
            if (was == DONE) {
                return;
            }
            cancelDeadline();
            release();
            io.wagateway.ops.RateLimitedLog.warn(LOG, "webhook-timeout:" + path,
                    "Webhook {} not answered within {} ms: answered 503", path, limits.asyncTimeoutMs());
            HttpServletResponse r = (HttpServletResponse) event.getAsyncContext().getResponse();
            if (!r.isCommitted()) {
                r.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                r.setHeader("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            }
            event.getAsyncContext().complete();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            state.set(DONE);
            cancelDeadline();
            release();
        }

        @Override
        public void onError(AsyncEvent event) {
            // the container completes the request after onError; onComplete releases
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // not restarted
        }
    }
}
