import com.fasterxml.jackson.databind.JsonNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.meta.MetaNormalizer;
import io.wagateway.provider.waha.WahaNormalizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A business number's traffic mix (issue 18 item 1), for one provider: per unit one inbound message, one own message
 * and its three acks (sent, delivered, read), so 40 % messages and 60 % status updates. A fraction of the acks
 * ({@code --mix-early-ack-fraction}, 0.1) is sent {@code --mix-ack-distance} requests BEFORE its own message, the
 * others as far after it: with that many requests in between, "before" and "after" hold at any concurrency up to it.
 *
 * <p>Shapes (providers.md; the project's fixtures under {@code src/test/resources/fixtures/webhooks/}):
 * <ul>
 *   <li>WAHA: the inbound as {@code message} ({@code message_inbound_text.json}), the own message as
 *       {@code message.any} with {@code fromMe: true} ({@code message_any_outbound_fromme.json}), the acks as
 *       {@code message.ack} with {@code ack} 1/2/3, {@code ackName} SERVER/DEVICE/READ ({@code message_ack_read.json};
 *       {@code WahaNormalizer.ackStatus} maps them to sent/delivered/read);</li>
 *   <li>Meta: the inbound as a {@code field=messages} message ({@code inbound_text.json}), the own message as an
 *       {@code smb_message_echoes} item ({@code outbound_smb_message_echo.json}: the Cloud API does not echo the app's
 *       own sends), its statuses as {@code statuses[]} sent/delivered/read ({@code status_delivered.json}).</li>
 * </ul>
 * Every message id carries {@link #token()}, so the convergence check finds this run's documents.
 */
final class TrafficMix {

    static final String[] ACK_STATUS = {"sent", "delivered", "read"};
    private static final String[] WAHA_ACK_NAME = {"SERVER", "DEVICE", "READ"};

    final String provider;
    final double earlyFraction;
    final int ackDistance;
    private final String token;
    private final Map<String, String> templates = new LinkedHashMap<>();
    private final AtomicLong units = new AtomicLong();
    private final Random random = new Random(18);
    /** The chats' number prefix (4 digits follow): other chats for a gateway whose name API is down. */
    volatile String chatPrefix = "1555030";

    /**
     * @param project       the project folder (fixtures)
     * @param provider      {@code waha} or {@code meta}
     * @param runId         the run's id (goes into every message id)
     * @param earlyFraction share of the acks sent before their message, 0..1
     * @param ackDistance   requests between an ack and its message
     */
    TrafficMix(Path project, String provider, String runId, double earlyFraction, int ackDistance) throws Exception {
        this.provider = provider;
        this.earlyFraction = earlyFraction;
        this.ackDistance = Math.max(5, ackDistance);
        this.token = "MIX" + runId.toUpperCase() + "U";
        Path dir = project.resolve("src/test/resources/fixtures/webhooks/" + provider);
        Map<String, String> files = switch (provider) {
            case "waha" -> Map.of("inbound", "message_inbound_text.json", "own", "message_any_outbound_fromme.json",
                    "ack", "message_ack_read.json");
            case "meta" -> Map.of("inbound", "inbound_text.json", "own", "outbound_smb_message_echo.json",
                    "ack", "status_delivered.json");
            default -> throw new IllegalArgumentException("--mix waha or --mix meta, not " + provider);
        };
        for (Map.Entry<String, String> f : files.entrySet()) {
            templates.put(f.getKey(), Files.readString(dir.resolve(f.getValue())));
        }
        selfCheck();
    }

    /** @return the marker in every message id of this mix ({@code MIX<run>U}) */
    String token() {
        return token;
    }

    /** @return units generated so far (each: 2 messages, 1 own, 3 acks) */
    long units() {
        return units.get();
    }

    /**
     * The next {@code ceil(n / 5)} units, in arrival order: a unit's inbound and own message at its own position,
     * each ack {@link #ackDistance} requests after the own message, or (with probability {@link #earlyFraction})
     * that far before it.
     *
     * @param n webhooks wanted; rounded up to whole units (5 webhooks each)
     * @return the signed webhooks
     */
    List<GatewayBenchmark.Webhook> next(int n) throws Exception {
        int count = (n + 4) / 5;
        record Slot(double at, GatewayBenchmark.Webhook webhook) {
        }
        List<Slot> slots = new ArrayList<>(count * 5);
        int distanceUnits = (ackDistance + 4) / 5;
        for (int u = 0; u < count; u++) {
            long unit = units.getAndIncrement();
            GatewayBenchmark.Webhook[] w = unit(unit);
            slots.add(new Slot(u * 5.0, w[0]));
            slots.add(new Slot(u * 5.0 + 1, w[1]));
            for (int k = 0; k < 3; k++) {
                boolean early;
                synchronized (random) {
                    early = random.nextDouble() < earlyFraction;
                }
                slots.add(new Slot((u + (early ? -distanceUnits : distanceUnits)) * 5.0 + 2 + k, w[2 + k]));
            }
        }
        slots.sort(Comparator.comparingDouble(Slot::at));   // stable: equal slots keep their order
        List<GatewayBenchmark.Webhook> out = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            out.add(s.webhook());
        }
        return out;
    }

    /** One unit: inbound, own message, acks sent/delivered/read (in that order). */
    GatewayBenchmark.Webhook[] unit(long unit) throws Exception {
        int chat = (int) (unit % 100);
        String chatNumber = chatPrefix + String.format("%04d", chat);
        String inboundId = token + unit + "I";
        String ownId = token + unit + "O";
        long now = System.currentTimeMillis();
        String text = "Mix message " + unit + ": is the blue model in size 42 still available?";
        GatewayBenchmark.Webhook[] out = new GatewayBenchmark.Webhook[5];
        if (provider.equals("waha")) {
            out[0] = waha(templates.get("inbound").replace("15550100001", chatNumber)
                    .replace("3EB0FAKE00000000000201", inboundId)
                    .replace("Hello! Do you have the blue model in size 42?", text)
                    .replace("evt_01kb2x3y4z5a6b7c8d9e0f1g2h", "evt_" + inboundId)
                    .replace("1767610800137", Long.toString(now)));
            out[1] = waha(templates.get("own").replace("15550100001", chatNumber)
                    .replace("3EB0FAKE00000000000202", ownId)
                    .replace("Yes, we have it. Shall I reserve one for you?", "Yes, reply " + unit)
                    .replace("evt_01kb2x3y4z5a6b7c8d9e0f1g2j", "evt_" + ownId)
                    .replace("1767610865412", Long.toString(now)));
            for (int k = 0; k < 3; k++) {
                out[2 + k] = waha(templates.get("ack").replace("15550100001", chatNumber)
                        .replace("3EB0FAKE00000000000202", ownId)
                        .replace("\"ack\": 3", "\"ack\": " + (k + 1))
                        .replace("\"READ\"", "\"" + WAHA_ACK_NAME[k] + "\"")
                        .replace("evt_01kb2x3y4z5a6b7c8d9e0f1g2n", "evt_" + ownId + "A" + k)
                        .replace("1767611160051", Long.toString(now)));
            }
        } else {
            String bsuid = "US.1000000000000003" + String.format("%04d", chat);
            out[0] = meta(templates.get("inbound").replace("15550100001", chatNumber)
                    .replace("US.10000000000000000001", bsuid)
                    .replace("HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMQA=", inboundId)
                    .replace("Hi, is my order #4821 ready for pickup?", text));
            out[1] = meta(templates.get("own").replace("15550100001", chatNumber)
                    .replace("HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwMgA=", ownId)
                    .replace("Yes Alex, it's ready. See you before 6pm.", "Yes, reply " + unit));
            for (int k = 0; k < 3; k++) {
                out[2 + k] = meta(templates.get("ack").replace("15550100001", chatNumber)
                        .replace("US.10000000000000000001", bsuid)
                        .replace("HBgLMTU1NTAxMDAwMDEVAgASGBRGQUtFMDAwMDAwMDAwMDAwMDEwNQA=", ownId)
                        .replace("\"status\": \"delivered\"", "\"status\": \"" + ACK_STATUS[k] + "\"")
                        .replace("1767607740", Long.toString(1767607740L + k)));
            }
        }
        return out;
    }

    private static GatewayBenchmark.Webhook waha(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Webhook-Hmac", GatewayBenchmark.hmac("HmacSHA512", bytes));
        headers.put("X-Webhook-Hmac-Algorithm", "sha512");
        return new GatewayBenchmark.Webhook("waha", bytes, headers, null);
    }

    private static GatewayBenchmark.Webhook meta(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Hub-Signature-256", "sha256=" + GatewayBenchmark.hmac("HmacSHA256", bytes));
        return new GatewayBenchmark.Webhook("meta", bytes, headers, null);
    }

    /**
     * Normalises one unit with the gateway's own normalisers and fails when a replacement missed (a fixture changed):
     * an inbound message, an own message, and three status updates sent/delivered/read targeting the own message.
     */
    private void selfCheck() throws Exception {
        GatewayBenchmark.Webhook[] w = unit(-1);
        List<WebhookItem> items = new ArrayList<>();
        for (GatewayBenchmark.Webhook x : w) {
            JsonNode node = GatewayBenchmark.JSON.readTree(x.body());
            List<WebhookItem> one = provider.equals("waha") ? new WahaNormalizer().normalize(node)
                    : new MetaNormalizer().normalize(node);
            if (one.size() != 1) {
                throw new IllegalStateException("mix " + provider + ": " + one.size() + " items in " + new String(x.body()));
            }
            items.add(one.get(0));
        }
        CanonicalMessage inbound = (CanonicalMessage) items.get(0);
        CanonicalMessage own = (CanonicalMessage) items.get(1);
        if (inbound.fromMe() || !own.fromMe() || !inbound.messageId().contains(token) || !own.messageId().contains(token)) {
            throw new IllegalStateException("mix " + provider + ": unexpected messages " + inbound.messageId() + " / "
                    + own.messageId());
        }
        for (int k = 0; k < 3; k++) {
            LifecycleUpdate u = (LifecycleUpdate) items.get(2 + k);
            if (!ACK_STATUS[k].equals(u.status()) || !own.documentId().equals(u.targetDocumentId())) {
                throw new IllegalStateException("mix " + provider + ": ack " + k + " is " + u.status() + " for "
                        + u.targetDocumentId() + ", expected " + ACK_STATUS[k] + " for " + own.documentId());
            }
        }
    }
}
