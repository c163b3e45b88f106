package io.wagateway.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wagateway.message.CanonicalMessage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The live fan-out never waits for a subscriber: a stalled one loses events, the others get all of them. */
class MessageEventsTest {

    private static CanonicalMessage message(int i) {
        Instant now = Instant.now();
        return new CanonicalMessage("waha", "default", "m" + i, "c@c.us", "direct", null, "s@c.us", null, false,
                "text", "text " + i, null, null, now, now, "received", null);
    }

    /** A sink that records what it gets; {@code gate} (when not null) holds every send until it is opened. */
    private static MessageEvents.Sink sink(List<String> got, CountDownLatch gate) {
        return new MessageEvents.Sink() {
            @Override
            public void send(String type, String json) throws IOException {
                if (gate != null) {
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
                got.add(type.equals(MessageEvents.MESSAGE) ? json : type + " " + json);
            }

            @Override
            public void heartbeat() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aStalledSubscriberDropsEventsWithoutBlockingPublishOrTheOthers() {
        MessageEvents events = new MessageEvents();
        CountDownLatch stalled = new CountDownLatch(1);
        List<String> slow = new CopyOnWriteArrayList<>();
        List<String> fast = new CopyOnWriteArrayList<>();
        events.setSubscriberQueueSize(8);
        events.subscribe(sink(slow, stalled));
        events.setSubscriberQueueSize(2000);
        events.subscribe(sink(fast, null));

        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            events.publish(message(i));
        }
        long publishMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(publishMs).as("1,000 publishes with a stalled subscriber, ms").isLessThan(2000);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> fast.size() == 1000);

        // the stalled one kept at most its queue (8) plus the event its sender is stuck on; the rest were dropped
        stalled.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> slow.size() + events.dropped() == 1000);
        assertThat(slow.size()).isBetween(8, 9);
        assertThat(slow.get(0)).contains("\"id\":\"waha:default:m0\"").contains("\"ai_reply\":false")
                .doesNotContain("\"raw\"");
    }

    @Test
    void subscribersAreBounded() {
        MessageEvents events = new MessageEvents();
        events.setMaxSubscribers(1);
        MessageEvents.Subscription first = events.subscribe(sink(new CopyOnWriteArrayList<>(), null));
        assertThatThrownBy(() -> events.subscribe(sink(new CopyOnWriteArrayList<>(), null)))
                .isInstanceOf(IllegalStateException.class);
        first.cancel();
        assertThat(events.subscriberCount()).isZero();
        events.subscribe(sink(new CopyOnWriteArrayList<>(), null));
        assertThat(events.subscriberCount()).isEqualTo(1);
    }

    @Test
    void typedEventsKeepTheirTypeAndUnknownTypesAreRefused() {
        MessageEvents events = new MessageEvents();
        List<String> got = new CopyOnWriteArrayList<>();
        events.subscribe(sink(got, null));
        events.publish(MessageEvents.OWNER, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("chat_key", "waha:default:c@c.us").put("owner", "human"));
        events.publish(MessageEvents.REPLY, message(7));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 2);
        assertThat(got.get(0)).isEqualTo("owner {\"chat_key\":\"waha:default:c@c.us\",\"owner\":\"human\"}");
        assertThat(got.get(1)).startsWith("reply {").contains("\"id\":\"waha:default:m7\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> events.publish("typing",
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theGatewaysOwnDocumentsAreRepliesAndEverythingElseAMessage() {
        Instant now = Instant.now();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        CanonicalMessage send = new CanonicalMessage("waha", "default", "out:k", "c@c.us", "direct", null, "default",
                null, true, "text", "hi", null, null, now, now, "queued",
                json.createObjectNode().put("gateway_send", true));
        CanonicalMessage ai = new CanonicalMessage("waha", "default", "reply:1", "c@c.us", "direct", null, "default",
                null, true, "text", "hi", null, null, now, now, "sent",
                json.createObjectNode().put("gateway_reply", true));
        CanonicalMessage echo = new CanonicalMessage("waha", "default", "true_x", "c@c.us", "direct", null, "default",
                null, true, "text", "typed on the phone", null, null, now, now, "sent", json.createObjectNode());
        assertThat(MessageEvents.typeOf(send)).isEqualTo(MessageEvents.REPLY);
        assertThat(MessageEvents.typeOf(ai)).isEqualTo(MessageEvents.REPLY);
        assertThat(MessageEvents.typeOf(echo)).isEqualTo(MessageEvents.MESSAGE);
        assertThat(MessageEvents.typeOf(message(1))).isEqualTo(MessageEvents.MESSAGE);

        MessageEvents events = new MessageEvents();
        List<String> got = new CopyOnWriteArrayList<>();
        events.subscribe(sink(got, null));
        events.publishStored(send);
        events.publishStored(message(2));
        events.publish(MessageEvents.STATUS, events.statusEvent("waha:default:out:k", "waha:default:c@c.us", "read",
                "2026-01-05T10:00:00Z"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 3);
        assertThat(got.get(0)).startsWith("reply ").contains("\"id\":\"waha:default:out:k\"");
        assertThat(got.get(1)).startsWith("{").contains("\"id\":\"waha:default:m2\"");
        assertThat(got.get(2)).isEqualTo("status {\"id\":\"waha:default:out:k\",\"chat_key\":\"waha:default:c@c.us\","
                + "\"status\":\"read\",\"at\":\"2026-01-05T10:00:00Z\"}");
    }
}
