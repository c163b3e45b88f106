package io.wagateway.runtime.springboot;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A number of bytes shared by concurrent requests: each request reserves the bytes it holds (as it reads them) and
 * gives them back when it is done. Used by {@link WebhookServlet} for the bodies in flight and for the bodies not
 * yet authenticated (byte admission before authentication, issue 15; kept with the servlet, issue 17 item 5).
 */
public final class ByteBudget {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    /** @param max the budget in bytes; 0 or less = unbounded */
    public ByteBudget(long max) {
        this.max = max;
    }

    /**
     * Reserves {@code bytes} more for a request that already holds {@code held} bytes of this budget. A request is
     * always allowed when it is the only holder (so one body up to the size limit always gets through).
     *
     * @param bytes more bytes wanted
     * @param held  bytes the caller holds already
     * @return true when reserved; false (nothing reserved) when the budget is spent by other requests
     */
    public boolean tryAcquire(long bytes, long held) {
        while (true) {
            long now = used.get();
            long next = now + bytes;
            if (max > 0 && next > max && now != held) {
                return false;
            }
            if (used.compareAndSet(now, next)) {
                return true;
            }
        }
    }

    /** @param bytes bytes given back (what {@link #tryAcquire} reserved) */
    public void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** @return bytes reserved now */
    public long used() {
        return used.get();
    }

    /** @return the budget in bytes (0 or less = unbounded) */
    public long max() {
        return max;
    }
}
