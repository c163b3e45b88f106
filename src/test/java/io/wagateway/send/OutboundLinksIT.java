package io.wagateway.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.wagateway.lifecycle.MessageLifecycle;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.reply.ReplyTask;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;

/**
 * A message sent through the gateway ends as one document in {@code whatsapp-messages}: the outbound document
 * (contract C2, written here the way the send stage writes it), with {@code provider_message_id} = the provider's id
 * and the final status, whatever order its echo (WAHA {@code message.any} fromMe, Unipile {@code is_sender},
 * Periskope {@code from_me}), its statuses and the link ({@link OutboundLinks#sent}) come in, and however often the
 * provider redelivers them.
 */
class OutboundLinksIT extends GatewayIntegrationTest {

    private static final AtomicInteger SEQ = new AtomicInteger();

    /** One provider's webhooks for a sent message. */
    private abstract class Provider {
        final String name;
        final String account;
        final String chat;

        Provider(String name, String account, String chat) {
            this.name = name;
            this.account = account;
            this.chat = chat;
        }

        /** @return the id the send answers, for message number n */
        abstract String sendAnswer(int n);

        /** @return the id echoes and statuses carry (the key of a message stored from a webhook) */
        String webhookId(int n) {
            return sendAnswer(n);
        }

        abstract byte[] echo(int n) throws Exception;

        /** @param status sent, delivered or read */
        abstract byte[] status(int n, String status) throws Exception;

        abstract HttpResponse<String> post(byte[] body) throws Exception;
    }

    private final Provider waha = new Provider("waha", "default", "15550100001@c.us") {
        String sendAnswer(int n) {
            return "true_15550100001@c.us_3EB0SENT" + n;
        }

        byte[] echo(int n) throws Exception {
            ObjectNode body = read("webhooks/waha/message_any_outbound_fromme.json");
            body.put("id", "evt_echo_" + n + "_" + SEQ.incrementAndGet());
            ((ObjectNode) body.get("payload")).put("id", sendAnswer(n)).put("body", "echo of " + n);
            return bytes(body);
        }

        byte[] status(int n, String status) throws Exception {
            ObjectNode body = read("webhooks/waha/message_ack_read.json");
            body.put("id", "evt_ack_" + n + "_" + SEQ.incrementAndGet());
            int ack = List.of("pending", "sent", "delivered", "read").indexOf(status);
            ((ObjectNode) body.get("payload")).put("id", sendAnswer(n)).put("ack", ack)
                    .put("ackName", List.of("PENDING", "SERVER", "DEVICE", "READ").get(ack))
                    .put("timestamp", 1767611160L + ack); // seconds
            return bytes(body);
        }

        HttpResponse<String> post(byte[] body) throws Exception {
            return postWaha(body);
        }
    };

    private final Provider unipile = new Provider("unipile", "FAKEacctWA00000000001w", "FAKEchatA0000000000001") {
        String sendAnswer(int n) {
            return "FAKEmsgSENT" + n;
        }

        byte[] echo(int n) throws Exception {
            ObjectNode body = read("webhooks/unipile/message_received_outbound_is_sender.json");
            body.put("message_id", sendAnswer(n)).put("provider_message_id", "3EB0UNISENT" + n)
                    .put("message", "echo of " + n);
            return bytes(body);
        }

        byte[] status(int n, String status) throws Exception {
            ObjectNode body = read("webhooks/unipile/message_read.json");
            body.put("event", "read".equals(status) ? "message_read" : "message_delivered")
                    .put("message_id", sendAnswer(n));
            return bytes(body);
        }

        HttpResponse<String> post(byte[] body) throws Exception {
            return postUnipile(body);
        }
    };

    /** The send answers the bare unique_id; webhooks carry message_id = true_{chat}_{unique_id} (§3.5, §3.7). */
    private final Provider periskope = new Provider("periskope", "15550100100@c.us", "15550100001@c.us") {
        String sendAnswer(int n) {
            return "3EB0PSENT" + n;
        }

        @Override
        String webhookId(int n) {
            return "true_15550100001@c.us_" + sendAnswer(n);
        }

        private ObjectNode with(String fixture, int n) throws Exception {
            ObjectNode body = read(fixture);
            ObjectNode d = (ObjectNode) body.get("data");
            d.put("message_id", webhookId(n)).put("unique_id", sendAnswer(n)).put("body", "echo of " + n);
            ((ObjectNode) d.get("id")).put("id", sendAnswer(n)).put("_serialized", webhookId(n));
            return body;
        }

        byte[] echo(int n) throws Exception {
            return bytes(with("webhooks/periskope/message_created_outbound_from_me.json", n));
        }

        byte[] status(int n, String status) throws Exception {
            ObjectNode body = with("webhooks/periskope/message_ack_updated_delivered.json", n);
            ((ObjectNode) body.get("data")).put("ack", switch (status) {
                case "sent" -> "1";
                case "delivered" -> "2";
                default -> "4";
            });
            return bytes(body);
        }

        HttpResponse<String> post(byte[] body) throws Exception {
            return postPeriskope(body);
        }
    };

    /** Meta does not echo messages sent through the Cloud API (§1.7): statuses only. */
    private final Provider meta = new Provider("meta", "100000000000002", "15550100001") {
        String sendAnswer(int n) {
            return "wamid.SENT" + n;
        }

        byte[] echo(int n) {
            throw new UnsupportedOperationException("Meta does not echo API-sent messages");
        }

        byte[] status(int n, String status) throws Exception {
            ObjectNode body = read("webhooks/meta/status_delivered.json");
            long at = 1767607400L + List.of("sent", "delivered", "read").indexOf(status) * 10L;
            ((ObjectNode) body.at("/entry/0/changes/0/value/statuses/0")).put("id", sendAnswer(n))
                    .put("status", status).put("timestamp", Long.toString(at));
            return bytes(body);
        }

        HttpResponse<String> post(byte[] body) throws Exception {
            return postMeta(body);
        }
    };

    private static ObjectNode read(String fixture) throws Exception {
        return (ObjectNode) JSON.readTree(Fixtures.bytes(fixture));
    }

    private static byte[] bytes(JsonNode body) {
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private OutboundLinks links() {
        return camelContext.getRegistry().lookupByNameAndType("outboundLinks", OutboundLinks.class);
    }

    /** The outbound document of message n, stored as the send stage stores it (contract C2); returns its _id. */
    private String storeOutbound(Provider p, int n) {
        ObjectNode raw = JSON.createObjectNode().put("gateway_send", true);
        raw.putObject("request").put("provider", p.name).put("account_id", p.account).put("chat_id", p.chat)
                .put("type", "text").put("text", "Hello " + n);
        Instant now = Instant.now();
        CanonicalMessage m = new CanonicalMessage(p.name, p.account, "out:" + p.name + "key" + n, p.chat, "direct",
                null, p.account, null, true, "text", "Hello " + n, null, null, now, now, "queued", raw);
        ProducerTemplate producer = camelContext.createProducerTemplate();
        assertThat(producer.requestBody("direct:canonical-message", m, String.class)).isEqualTo("STORED");
        return m.documentId();
    }

    private ReplyTask task(Provider p, String outboundId) {
        ObjectNode doc = JSON.createObjectNode().put("provider", p.name).put("account_id", p.account)
                .put("chat_id", p.chat).put("kind", "send");
        return new ReplyTask(outboundId, 0, 1, doc);
    }

    private void link(Provider p, String outboundId, int n) throws Exception {
        links().sent(task(p, outboundId), p.sendAnswer(n)).get(20, TimeUnit.SECONDS);
    }

    private void post(Provider p, byte[] body) throws Exception {
        HttpResponse<String> r = p.post(body);
        assertThat(r.statusCode()).as("%s: %s", p.name, r.body()).isEqualTo(200);
    }

    /** Exactly the outbound documents are in whatsapp-messages, each read, with the provider's id. */
    private void assertOneDocumentEach(Provider p, List<String> outboundIds, List<String> statuses) {
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            List<JsonNode> all = all(store().getMessagesIndex()).stream()
                    .filter(d -> d.path("provider").asText().equals(p.name)).toList();
            assertThat(all).extracting(d -> d.path("_id").asText()).as(p.name)
                    .containsExactlyInAnyOrderElementsOf(outboundIds);
            for (JsonNode d : all) {
                int n = Integer.parseInt(d.path("_id").asText().replaceAll(".*key", ""));
                assertThat(d.path("status").asText()).as("%s %s", p.name, d).isEqualTo("read");
                assertThat(d.path("provider_message_id").asText()).as(p.name).isEqualTo(p.sendAnswer(n));
                assertThat(d.path("from_me").asBoolean()).isTrue();
                assertThat(d.path("text").asText()).isEqualTo("Hello " + n);
                assertThat(d.path("status_history").findValuesAsText("status")).as(p.name)
                        .containsExactlyElementsOf(statuses);
            }
        });
    }

    /** The Spring context's registry: the global composite answers 0 once an earlier test class's context closed. */
    @org.springframework.beans.factory.annotation.Autowired
    private MeterRegistry meters;

    private double echoes(String provider, String outcome) {
        var c = meters.find("gateway.send.echoes").tag("provider", provider).tag("outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anEchoAfterTheLinkIsTheOutboundDocument() throws Exception {
        for (Provider p : List.of(waha, unipile, periskope)) {
            String out = storeOutbound(p, 1);
            link(p, out, 1);
            boolean acks = p != unipile; // Unipile has no "sent" status
            if (acks) {
                post(p, p.status(1, "sent"));
            }
            post(p, p.status(1, "delivered"));
            byte[] echo = p.echo(1);
            post(p, echo);
            post(p, echo); // a redelivery
            post(p, p.status(1, "read"));
            assertOneDocumentEach(p, List.of(out), acks ? List.of("sent", "delivered", "read")
                    : List.of("delivered", "read"));
            assertThat(message(out).path("message_id").asText()).isEqualTo("out:" + p.name + "key1");
        }
    }

    @Test
    void anEchoBeforeTheLinkEndsOnTheOutboundDocument() throws Exception {
        for (Provider p : List.of(waha, unipile, periskope)) {
            String out = storeOutbound(p, 2);
            byte[] echo = p.echo(2);
            post(p, echo);
            post(p, p.status(2, "delivered"));
            assertThat(message(p.name + ":" + p.account + ":" + p.webhookId(2))).as("the echo, stored first")
                    .isNotNull();
            double deleted = echoes(p.name, "deleted_by_sender") + echoes(p.name, "deleted_by_echo");
            link(p, out, 2);
            // the sender deletes it, or the echo's own check if it ran after the link: exactly one delete succeeds
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(echoes(p.name, "deleted_by_sender")
                    + echoes(p.name, "deleted_by_echo")).as(p.name).isEqualTo(deleted + 1));
            post(p, echo); // redelivered after the link: a duplicate of the outbound document
            post(p, p.status(2, "read"));
            assertOneDocumentEach(p, List.of(out), List.of("delivered", "read"));
        }
    }

    @Test
    void statusesBeforeAndAfterTheLinkApplyToTheOutboundDocument() throws Exception {
        for (Provider p : List.of(waha, meta)) {
            String early = storeOutbound(p, 3);
            String late = storeOutbound(p, 4);
            // message 3: every status before the link (pending), each redelivered
            for (String s : List.of("read", "sent", "delivered")) {
                byte[] status = p.status(3, s);
                post(p, status);
                post(p, status);
            }
            // message 4: sent before the link, delivered and read after
            post(p, p.status(4, "sent"));
            link(p, early, 3);
            link(p, late, 4);
            link(p, late, 4); // the send worker retried: the same link again
            post(p, p.status(4, "read"));
            post(p, p.status(4, "delivered"));
            assertOneDocumentEach(p, List.of(early, late), List.of("sent", "delivered", "read"));
        }
    }

    /**
     * The two interleavings of an echo that comes before the link, forced step by step: the echo's read (no link yet)
     * and its write, then either its check (the lifecycle batcher's read after a stored message) before the sender's
     * link and read (the sender deletes the echo), or the sender's link and read between the echo's write and its
     * check (the check deletes the echo).
     */
    @Test
    void bothInterleavingsOfAnEarlyEchoAndTheLinkLeaveOneDocument() throws Exception {
        Provider p = waha;
        MessageLifecycle lifecycle = camelContext.getRegistry().lookupByNameAndType("messageLifecycle",
                MessageLifecycle.class);
        CanonicalMessage echo = new CanonicalMessage("waha", p.account, p.sendAnswer(5), p.chat, "direct", null,
                "15550100100@c.us", null, true, "text", "echo", null, null, Instant.now(), Instant.now(), "pending",
                JSON.createObjectNode());
        String out5 = storeOutbound(p, 5);
        // 1. echo read, echo write, echo check (nothing linked: nothing happens); then the sender's link and read
        OutboundLinks links = links();
        assertThat(links.echo(echo).get()).as("no link yet: unchanged").isSameAs(echo);
        store().storeMessage(echo).get();
        double byEcho = echoes("waha", "deleted_by_echo");
        lifecycle.messageStored(echo);
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(message(echo.documentId())).as("checked: no link").isNotNull());
        double bySender = echoes("waha", "deleted_by_sender");
        link(p, out5, 5);
        assertThat(echoes("waha", "deleted_by_sender")).isEqualTo(bySender + 1);
        assertThat(echoes("waha", "deleted_by_echo")).isEqualTo(byEcho);
        assertThat(message(echo.documentId())).isNull();

        // 2. echo read (no link yet); the sender's link and read (nothing there yet); echo write, echo check: the
        //    check finds the link and deletes the echo
        CanonicalMessage echo6 = echo.withId(p.sendAnswer(6), null);
        String out6 = storeOutbound(p, 6);
        assertThat(links.echo(echo6).get()).isSameAs(echo6);
        bySender = echoes("waha", "deleted_by_sender");
        link(p, out6, 6);
        store().storeMessage(echo6).get();
        assertThat(message(echo6.documentId())).as("stored after the sender's read").isNotNull();
        lifecycle.messageStored(echo6);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(message(echo6.documentId())).isNull());
        assertThat(echoes("waha", "deleted_by_echo")).isEqualTo(byEcho + 1);
        assertThat(echoes("waha", "deleted_by_sender")).isEqualTo(bySender);
        // and after the link, the echo is the outbound document
        assertThat(links.echo(echo6).get().documentId()).isEqualTo(out6);

        for (int n : List.of(5, 6)) {
            for (String s : List.of("sent", "delivered", "read")) {
                post(p, p.status(n, s));
            }
        }
        assertOneDocumentEach(p, List.of(out5, out6), List.of("sent", "delivered", "read"));
    }

    /** Links, echoes and statuses of 10 sent messages, all at once and each echo twice: 10 documents. */
    @Test
    void concurrentLinksEchoesAndStatusesLeaveOneDocumentPerMessage() throws Exception {
        Provider p = waha;
        List<String> outs = new ArrayList<>();
        for (int n = 10; n < 20; n++) {
            outs.add(storeOutbound(p, n));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int n = 10; n < 20; n++) {
                int k = n;
                String out = outs.get(n - 10);
                byte[] echo = p.echo(k);
                done.add(pool.submit(() -> {
                    link(p, out, k);
                    return null;
                }));
                done.add(pool.submit(() -> {
                    post(p, echo);
                    return null;
                }));
                done.add(pool.submit(() -> {
                    post(p, echo);
                    return null;
                }));
                for (String s : List.of("sent", "delivered", "read")) {
                    byte[] status = p.status(k, s);
                    done.add(pool.submit(() -> {
                        post(p, status);
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertOneDocumentEach(p, outs, List.of("sent", "delivered", "read"));
    }
}
