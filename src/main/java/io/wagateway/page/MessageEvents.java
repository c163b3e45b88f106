package io.wagateway.page;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.store.JsonMapperFactory;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans newly stored messages out to the live page's subscribers ({@code GET /events/messages}), off the webhook path.
 *
 * <p>Each subscriber has its own bounded queue and at most one sender thread: {@link #publish} only offers to those
 * queues and never waits, so a slow or stalled browser loses events (counted in
 * {@code gateway.page.events.dropped}) instead of slowing anything else. A browser that stopped reading holds one
 * sender thread until its connection fails or times out; the number of subscribers is bounded.
 *
 * <p>Framework-free: the HTTP side (Spring MVC {@code SseEmitter}) plugs in a {@link Sink}.
 */
public class MessageEvents {

    private static final Logger LOG = LoggerFactory.getLogger(MessageEvents.class);
    /** Queue element meaning "send a keep-alive comment". */
    private static final Event HEARTBEAT = new Event("", "");

    /** Where one subscriber's events go (an SSE connection). */
    public interface Sink {
        /**
         * @param type the event's type (SSE event name): one of {@link MessageEvents#TYPES}
         * @param json the event's data as JSON: for {@code message} and {@code reply} the stored document without
         *             {@code raw}, plus {@code id} and {@code ai_reply}; for the others the object given to
         *             {@link MessageEvents#publish(String, JsonNode)}
         * @throws IOException when the client is gone
         */
        void send(String type, String json) throws IOException;

        /** @throws IOException when the client is gone */
        void heartbeat() throws IOException;

        /** Ends the connection (server side). */
        void close();
    }

    private int subscriberQueueSize = 256;
    private int maxSubscribers = 20;

    private final ObjectMapper mapper = JsonMapperFactory.create();
    private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();
    private volatile ExecutorService senders;

    /**
     * @param sink where this subscriber's events go
     * @return the subscription; {@link Subscription#cancel()} it when the connection ends
     * @throws IllegalStateException when {@code maxSubscribers} are already connected
     */
    public Subscription subscribe(Sink sink) {
        if (subscribers.size() >= maxSubscribers) {
            throw new IllegalStateException("too many live subscribers (" + maxSubscribers + ")");
        }
        Subscription s = new Subscription(sink, subscriberQueueSize);
        subscribers.add(s);
        return s;
    }

    /** A message stored by the store route (inbound, or outbound seen through a webhook): the message document. */
    public static final String MESSAGE = "message";
    /** An AI reply or an operator's (page, send API) message, stored by the gateway: the message document. */
    public static final String REPLY = "reply";
    /** A delivery status change of a message: {@code {"id","chat_key","status","at"}}. */
    public static final String STATUS = "status";
    /** A chat's unread state changed: {@code {"chat_key","has_unread","unread_count","last_read_at"}}. */
    public static final String UNREAD = "unread";
    /** A chat's owner changed: {@code {"chat_key","owner","previous_owner","by","operator","at"}}. */
    public static final String OWNER = "owner";
    /** The event types of the live stream, in the order they were added. */
    public static final Set<String> TYPES = Set.of(MESSAGE, REPLY, STATUS, UNREAD, OWNER);

    /**
     * Offers a stored message to every subscriber as a {@code message} event; never blocks (a full subscriber queue
     * drops it).
     *
     * @param message the message just stored
     */
    public void publish(CanonicalMessage message) {
        publish(MESSAGE, message);
    }

    /**
     * Offers a message the store route just stored: a {@link #REPLY} when the gateway wrote it itself (a send through
     * the send API, {@code raw.gateway_send}, or an AI reply, {@code raw.gateway_reply}), else a {@link #MESSAGE}.
     * Never blocks.
     *
     * @param message the message just stored
     */
    public void publishStored(CanonicalMessage message) {
        publish(typeOf(message), message);
    }

    /**
     * @param message a stored message
     * @return {@link #REPLY} for a document the gateway wrote for its own outbound message, else {@link #MESSAGE}
     */
    public static String typeOf(CanonicalMessage message) {
        JsonNode raw = message == null ? null : message.raw();
        boolean own = raw != null && (raw.path("gateway_send").asBoolean(false)
                || raw.path("gateway_reply").asBoolean(false));
        return own ? REPLY : MESSAGE;
    }

    /**
     * The data of a {@link #STATUS} event.
     *
     * @param id      the message document's id ({@code {provider}:{account_id}:{message_id}})
     * @param chatKey the chat's key ({@code {provider}:{account_id}:{chat_id}})
     * @param status  the message's status now
     * @param at      when the status was reached (ISO-8601), or null for now
     * @return {@code {"id","chat_key","status","at"}}
     */
    public ObjectNode statusEvent(String id, String chatKey, String status, String at) {
        return mapper.createObjectNode().put("id", id).put("chat_key", chatKey).put("status", status)
                .put("at", at != null ? at : java.time.Instant.now().toString());
    }

    /**
     * Offers a message document to every subscriber; never blocks and never throws (a document that cannot be
     * rendered is dropped and counted in {@link #dropped()}).
     *
     * @param type    {@link #MESSAGE} or {@link #REPLY}
     * @param message the message just stored
     */
    public void publish(String type, CanonicalMessage message) {
        if (subscribers.isEmpty() || message == null) {
            return;
        }
        String json;
        try {
            ObjectNode doc = mapper.valueToTree(message);
            doc.put("id", message.documentId());
            doc.put("ai_reply", message.raw() != null && message.raw().path("gateway_reply").asBoolean(false));
            doc.remove("raw");
            json = doc.toString();
        } catch (RuntimeException e) {
            // the callers are write paths (a store's completion, a batch): an event is never worth failing them
            dropped.incrementAndGet();
            LOG.debug("{} event of {} not published: {}", type, message.documentId(), e.toString());
            return;
        }
        offerAll(type, json);
    }

    /**
     * Offers one event to every subscriber; never blocks (a full subscriber queue drops it, counted).
     *
     * @param type one of {@link #TYPES}
     * @param data the event's data (an object of the shape its type's constant gives)
     * @throws IllegalArgumentException for a type not in {@link #TYPES}
     */
    public void publish(String type, JsonNode data) {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown live event type " + type);
        }
        if (subscribers.isEmpty() || data == null) {
            return;
        }
        offerAll(type, data.toString());
    }

    private void offerAll(String type, String json) {
        Event event = new Event(type, json);
        for (Subscription s : subscribers) {
            s.offer(event);
        }
    }

    private record Event(String type, String json) {
    }

    /** Queues a keep-alive comment to every subscriber, so dead connections are noticed and proxies keep them. */
    public void heartbeat() {
        for (Subscription s : subscribers) {
            s.offer(HEARTBEAT);
        }
    }

    /** Ends every subscription (at shutdown, so open browsers never hold up a graceful stop). */
    public void closeAll() {
        for (Subscription s : subscribers) {
            s.cancel();
            s.sink.close();
        }
    }

    /** @return events dropped because a subscriber's queue was full, since start */
    public long dropped() {
        return dropped.get();
    }

    /** @return connected subscribers */
    public int subscriberCount() {
        return subscribers.size();
    }

    private ExecutorService senders() {
        ExecutorService s = senders;
        if (s == null) {
            synchronized (this) {
                if (senders == null) {
                    AtomicInteger n = new AtomicInteger();
                    senders = Executors.newCachedThreadPool(r -> {
                        Thread t = new Thread(r, "message-events-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                }
                s = senders;
            }
        }
        return s;
    }

    /** One connected subscriber: a bounded queue drained by at most one sender task at a time. */
    public final class Subscription {
        private final Sink sink;
        private final BlockingQueue<Event> queue;
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile boolean cancelled;

        private Subscription(Sink sink, int capacity) {
            this.sink = sink;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        private void offer(Event json) {
            if (cancelled) {
                return;
            }
            if (!queue.offer(json)) {
                dropped.incrementAndGet();
                Metrics.counter("gateway.page.events.dropped").increment();
                return;
            }
            if (draining.compareAndSet(false, true)) {
                senders().execute(this::drain);
            }
        }

        private void drain() {
            try {
                while (!cancelled) {
                    Event next = queue.poll();
                    if (next == null) {
                        draining.set(false);
                        // an offer between poll() and set(false) saw draining=true: take it over
                        if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                            return;
                        }
                        continue;
                    }
                    if (next == HEARTBEAT) {
                        sink.heartbeat();
                    } else {
                        sink.send(next.type(), next.json());
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("live subscriber gone: {}", e.toString());
                cancel();
                sink.close();
            }
        }

        /** Stops delivering to this subscriber and forgets it. */
        public void cancel() {
            cancelled = true;
            subscribers.remove(this);
            queue.clear();
        }
    }

    /** @param subscriberQueueSize events buffered per subscriber before new ones are dropped */
    public void setSubscriberQueueSize(int subscriberQueueSize) {
        this.subscriberQueueSize = subscriberQueueSize;
    }

    /** @param maxSubscribers live connections accepted at once (more get HTTP 503) */
    public void setMaxSubscribers(int maxSubscribers) {
        this.maxSubscribers = maxSubscribers;
    }
}
