package io.wagateway.ops;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a repeated warning once per cause per interval: the first occurrence of a cause is logged, the ones that
 * follow within {@link #setIntervalMs interval} are counted, and the next line logged for that cause ends with
 * {@code (N similar suppressed in the last S s)}. An Elasticsearch outage thus writes a few lines per cause, not one
 * per webhook. The interval is {@code gateway.logging.warn-interval-ms} (env {@code LOG_WARN_INTERVAL_MS}, default
 * 10,000 ms; 0 logs every line), set through the {@code gatewayMetrics} bean.
 */
public final class RateLimitedLog {

    private static volatile long intervalNanos = 10_000_000_000L;
    /** Bounds the causes remembered, so causes built from unbounded text cannot grow the map for good. */
    private static final int MAX_CAUSES = 1000;
    private static final Map<String, Window> WINDOWS = new ConcurrentHashMap<>();

    private static final class Window {
        final AtomicLong opened = new AtomicLong(System.nanoTime());
        final AtomicLong suppressed = new AtomicLong();
    }

    private RateLimitedLog() {
    }

    /**
     * Logs at WARN unless this cause was logged less than an interval ago (then only counts it).
     *
     * @param log     the logger
     * @param cause   what makes lines "the same": a short stable key, e.g. {@code store-unavailable:waha}
     * @param format  SLF4J format
     * @param args    its arguments (a last Throwable is logged as the exception)
     * @return true when the line was written
     */
    public static boolean warn(Logger log, String cause, String format, Object... args) {
        return log.isWarnEnabled() && write(cause, format, args, log::warn);
    }

    /**
     * As {@link #warn}, at ERROR.
     *
     * @param log    the logger
     * @param cause  the cause's key
     * @param format SLF4J format
     * @param args   its arguments
     * @return true when the line was written
     */
    public static boolean error(Logger log, String cause, String format, Object... args) {
        return log.isErrorEnabled() && write(cause, format, args, log::error);
    }

    /** Writes the line through {@code level} unless its cause is to be suppressed; adds the count when some were. */
    private static boolean write(String cause, String format, Object[] args,
            java.util.function.BiConsumer<String, Object[]> level) {
        long suppressed = admit(cause);
        if (suppressed < 0) {
            return false;
        }
        if (suppressed == 0) {
            level.accept(format, args);
        } else {
            level.accept(format + " ({} similar suppressed in the last {} s)", append(args, suppressed,
                    Math.max(1, intervalNanos / 1_000_000_000L)));
        }
        return true;
    }

    /**
     * Decides whether a line of this cause may be written now.
     *
     * @param cause the cause's key
     * @return -1 when it is to be suppressed (counted), else how many were suppressed since the last one written
     */
    public static long admit(String cause) {
        if (intervalNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        Window w = WINDOWS.get(cause);
        if (w == null) {
            if (WINDOWS.size() >= MAX_CAUSES) {
                return 0; // too many causes remembered: the rest are not limited
            }
            w = WINDOWS.putIfAbsent(cause, new Window());
            if (w == null) {
                return 0; // the first of its cause
            }
        }
        long opened = w.opened.get();
        if (now - opened >= intervalNanos && w.opened.compareAndSet(opened, now)) {
            return w.suppressed.getAndSet(0);
        }
        w.suppressed.incrementAndGet();
        return -1;
    }

    private static Object[] append(Object[] args, Object... more) {
        // keep a trailing Throwable last, where SLF4J looks for it
        boolean throwable = args.length > 0 && args[args.length - 1] instanceof Throwable;
        Object[] out = new Object[args.length + more.length];
        int plain = throwable ? args.length - 1 : args.length;
        System.arraycopy(args, 0, out, 0, plain);
        System.arraycopy(more, 0, out, plain, more.length);
        if (throwable) {
            out[out.length - 1] = args[args.length - 1];
        }
        return out;
    }

    /** @param intervalMs one line per cause per this many ms; 0 logs every line */
    public static void setIntervalMs(long intervalMs) {
        intervalNanos = Math.max(0, intervalMs) * 1_000_000L;
    }

    /** Forgets every cause (tests). */
    static void reset() {
        WINDOWS.clear();
    }
}
