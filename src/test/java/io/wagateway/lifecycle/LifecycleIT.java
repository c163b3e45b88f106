package io.wagateway.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Status, edit, delete and reaction updates end in the same state whatever order they arrive in. */
class LifecycleIT extends GatewayIntegrationTest {

    private static final String ACCOUNT = "100000000000002";

    /** Our own message (a coexistence echo, status sent) with the given wamid. */
    private static byte[] ownMessage(String wamid) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/outbound_smb_message_echo.json"));
        ((ObjectNode) body.at("/entry/0/changes/0/value/message_echoes/0")).put("id", wamid);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A Meta status webhook for the wamid (shape of the status_delivered fixture). */
    private static byte[] status(String wamid, String status, long epochSeconds, String errorsJson) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree(Fixtures.bytes("webhooks/meta/status_delivered.json"));
        ObjectNode s = (ObjectNode) body.at("/entry/0/changes/0/value/statuses/0");
        s.put("id", wamid).put("status", status).put("timestamp", Long.toString(epochSeconds));
        if (errorsJson != null) {
            s.set("errors", JSON.readTree(errorsJson));
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<List<Integer>> permutations(List<Integer> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<Integer>> result = new ArrayList<>();
        for (Integer first : items) {
            List<Integer> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<Integer> p : permutations(rest)) {
                List<Integer> withFirst = new ArrayList<>();
                withFirst.add(first);
                withFirst.addAll(p);
                result.add(withFirst);
            }
        }
        return result;
    }

    private List<byte[]> messageAndStatuses(String wamid) throws Exception {
        return List.of(ownMessage(wamid), status(wamid, "sent", 1767607400, null),
                status(wamid, "delivered", 1767607410, null), status(wamid, "read", 1767607420, null));
    }

    /**
     * An update that came before its message shows on it within gateway.lifecycle.pending-visible-ms (2 s) of the
     * message being stored; the wait allows the test machine's load on top.
     */
    private static void eventually(org.assertj.core.api.ThrowingConsumer<Void> assertion) {
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertion.accept(null));
    }

    private void assertRead(String wamid, String order) {
        eventually(x -> assertReadNow(wamid, order));
    }

    private void assertReadNow(String wamid, String order) throws Exception {
        JsonNode m = message("meta:" + ACCOUNT + ":" + wamid);
        assertThat(m).as("message %s (%s)", wamid, order).isNotNull();
        assertThat(m.path("status").asText()).as(order).isEqualTo("read");
        assertThat(m.path("status_history").findValuesAsText("status")).as(order)
                .containsExactly("sent", "delivered", "read");
        assertThat(m.path("text").asText()).isEqualTo("Yes Alex, it's ready. See you before 6pm.");
    }

    @Test
    void everyOrderOfMessageAndStatusesEndsRead() throws Exception {
        List<List<Integer>> orders = permutations(List.of(0, 1, 2, 3));
        assertThat(orders).hasSize(24);
        int n = 0;
        for (List<Integer> order : orders) {
            String wamid = "wamid.ORDER" + (n++);
            List<byte[]> items = messageAndStatuses(wamid);
            for (int i : order) {
                assertThat(postMeta(items.get(i)).statusCode()).isEqualTo(200);
            }
            assertRead(wamid, order.toString()); // 0 = message, 1 = sent, 2 = delivered, 3 = read
        }
        assertThat(all(store().getMessagesIndex())).hasSize(24);
    }

    @Test
    void concurrentDeliveryOfMessageAndStatusesEndsRead() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                for (byte[] item : messageAndStatuses("wamid.CONCURRENT" + k)) {
                    answers.add(pool.submit(() -> postMeta(item).statusCode()));
                }
            }
            for (Future<Integer> a : answers) {
                assertThat(a.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int k = 0; k < 10; k++) {
            assertRead("wamid.CONCURRENT" + k, "concurrent");
        }
    }

    @Test
    void aFailedStatusKeepsTheProviderErrorAndNeverGoesBackwards() throws Exception {
        String errors = "[{\"code\":131047,\"title\":\"Re-engagement message\",\"message\":\"Re-engagement message\","
                + "\"error_data\":{\"details\":\"more than 24 hours have passed\"}}]";
        assertThat(postMeta(status("wamid.FAILED", "failed", 1767607410, errors)).statusCode()).isEqualTo(200);
        assertThat(postMeta(ownMessage("wamid.FAILED")).statusCode()).isEqualTo(200);
        assertThat(postMeta(status("wamid.FAILED", "sent", 1767607400, null)).statusCode()).isEqualTo(200);
        eventually(x -> {
            JsonNode m = message("meta:" + ACCOUNT + ":wamid.FAILED");
            assertThat(m.path("status").asText()).isEqualTo("failed");
            assertThat(m.path("status_errors").get(0).path("code").asInt()).isEqualTo(131047);
        });

        // delivered then a late, older "sent": stays delivered
        assertThat(postMeta(ownMessage("wamid.BACK")).statusCode()).isEqualTo(200);
        assertThat(postMeta(status("wamid.BACK", "delivered", 1767607410, null)).statusCode()).isEqualTo(200);
        assertThat(postMeta(status("wamid.BACK", "sent", 1767607400, null)).statusCode()).isEqualTo(200);
        assertThat(message("meta:" + ACCOUNT + ":wamid.BACK").path("status").asText()).isEqualTo("delivered");
    }

    private byte[] waha(String event, String payloadJson) {
        return ("{\"event\":\"" + event + "\",\"session\":\"default\",\"me\":{\"id\":\"15550100100@c.us\"},\"payload\":"
                + payloadJson + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void wahaEditReactionAndRevokeApplyInAnyOrder() throws Exception {
        String target = "waha:default:false_15550100001@c.us_3EB0FAKE00000000000201";
        // the edit arrives before the message it edits
        assertThat(postWaha(waha("message.edited", "{\"id\":\"false_15550100001@c.us_3EB0EDIT0001\","
                + "\"editedMessageId\":\"3EB0FAKE00000000000201\",\"body\":\"Do you have it in size 43?\","
                + "\"timestamp\":1767610900}")).statusCode()).isEqualTo(200);
        assertThat(message(target)).isNull();
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/message_inbound_text.json")).statusCode()).isEqualTo(200);
        eventually(x -> {
            JsonNode edited = message(target);
            assertThat(edited.path("text").asText()).isEqualTo("Do you have it in size 43?");
            assertThat(edited.path("original_text").asText())
                    .isEqualTo("Hello! Do you have the blue model in size 42?");
            assertThat(edited.path("edit_history").get(0).asText())
                    .isEqualTo("Hello! Do you have the blue model in size 42?");
        });
        JsonNode m;

        assertThat(postWaha(waha("message.reaction", "{\"id\":\"true_15550100001@c.us_3EB0REACT001\",\"fromMe\":true,"
                + "\"from\":\"15550100001@c.us\",\"timestamp\":1767610950,\"reaction\":{\"text\":\"\\ud83d\\udc4d\","
                + "\"messageId\":\"false_15550100001@c.us_3EB0FAKE00000000000201\"}}")).statusCode()).isEqualTo(200);
        m = message(target);
        assertThat(m.path("reactions")).hasSize(1);
        assertThat(m.path("reactions").get(0).path("emoji").asText()).isEqualTo("\uD83D\uDC4D");

        // removed by a later empty reaction of the same actor
        assertThat(postWaha(waha("message.reaction", "{\"id\":\"true_15550100001@c.us_3EB0REACT002\",\"fromMe\":true,"
                + "\"from\":\"15550100001@c.us\",\"timestamp\":1767610960,\"reaction\":{\"text\":\"\","
                + "\"messageId\":\"false_15550100001@c.us_3EB0FAKE00000000000201\"}}")).statusCode()).isEqualTo(200);
        assertThat(message(target).path("reactions")).isEmpty();

        assertThat(postWaha(waha("message.revoked", "{\"after\":{\"id\":\"false_15550100001@c.us_3EB0REVOKE01\","
                + "\"timestamp\":1767611000},\"revokedMessageId\":\"3EB0FAKE00000000000201\",\"before\":null}"))
                .statusCode()).isEqualTo(200);
        m = message(target);
        assertThat(m.path("deleted").asBoolean()).isTrue();
        assertThat(m.path("text").asText()).isEqualTo("Do you have it in size 43?");
        assertThat(all(store().getMessagesIndex())).hasSize(1); // updates never become messages
    }

    @Test
    void periskopeAckAndUnipileReadReachTheirMessages() throws Exception {
        assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/message_ack_updated_delivered.json")).statusCode())
                .isEqualTo(200);
        assertThat(postPeriskope(Fixtures.bytes("webhooks/periskope/message_created_outbound_from_me.json"))
                .statusCode()).isEqualTo(200);
        eventually(x -> assertThat(message("periskope:15550100100@c.us:true_15550100001@c.us_3EB0FAKE00000000000302")
                .path("status").asText()).isEqualTo("delivered"));

        assertThat(postUnipile(Fixtures.bytes("webhooks/unipile/message_received_outbound_is_sender.json")).statusCode())
                .isEqualTo(200);
        assertThat(postUnipile(Fixtures.bytes("webhooks/unipile/message_read.json")).statusCode()).isEqualTo(200);
        assertThat(message("unipile:FAKEacctWA00000000001w:FAKEmsg000000000000402").path("status").asText())
                .isEqualTo("read");
    }
}
