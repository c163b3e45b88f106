import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.inbound.MappedWebhookItems;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.Media;
import io.wagateway.message.WebhookItem;
import io.wagateway.provider.Json;
import io.wagateway.provider.waha.WahaNormalizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.yaml.snakeyaml.Yaml;

/**
 * Cost per message of the declarative payload mapping (the jq expression of routes/evolution-api.camel.yaml, evaluated
 * by camel-jq, then MappedWebhookItems) against Java: the same Evolution mapping written by hand in Java, and the
 * WAHA normalizer on the WAHA fixture for reference. A plain timed loop (warm-up, then several measured rounds; the
 * best and median round are printed), run on demand: bench/mapping/run.sh. Not part of the test suite.
 */
public class MappingBench {

    static final ObjectMapper JSON = new ObjectMapper();
    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path root = Path.of(args.length > 1 ? args[1] : ".");
        JsonNode evolution = JSON.readTree(root.resolve(
                "src/test/resources/fixtures/webhooks/evolution/messages_upsert_group_reply.json").toFile());
        JsonNode waha = JSON.readTree(root.resolve(
                "src/test/resources/fixtures/webhooks/waha/message_group.json").toFile());
        String jq = jqOf(root.resolve("routes/evolution-api.camel.yaml"));

        CamelContext camel = new DefaultCamelContext();
        camel.start();
        Expression mapping = camel.resolveLanguage("jq").createExpression(jq);
        mapping.init(camel);
        MappedWebhookItems mapped = new MappedWebhookItems();
        WahaNormalizer wahaNormalizer = new WahaNormalizer();

        // same result both ways (the bench measures equivalent work)
        CanonicalMessage viaJq = (CanonicalMessage) mapped.items(jq(mapping, camel, evolution)).get(0);
        CanonicalMessage viaJava = evolutionInJava(evolution);
        if (!viaJq.withNames(null, null).equals(new CanonicalMessage(viaJava.provider(), viaJava.accountId(),
                viaJava.messageId(), viaJava.chatId(), viaJava.chatType(), viaJava.chatName(), viaJava.senderId(),
                viaJava.senderName(), viaJava.fromMe(), viaJava.type(), viaJava.text(), viaJava.media(),
                viaJava.replyTo(), viaJava.timestamp(), viaJq.receivedAt(), viaJava.status(), viaJava.raw()))) {
            throw new IllegalStateException("jq and Java mappings differ:\n" + viaJq + "\n" + viaJava);
        }

        Map<String, Runnable> cases = new java.util.LinkedHashMap<>();
        cases.put("evolution, jq (camel-jq) + MappedWebhookItems", () -> sink = mapped.items(jq(mapping, camel, evolution)));
        cases.put("evolution, jq expression only", () -> sink = jq(mapping, camel, evolution));
        cases.put("evolution, hand-written Java mapping", () -> sink = evolutionInJava(evolution));
        cases.put("waha, WahaNormalizer (Java, reference)", () -> sink = wahaNormalizer.normalize(waha));
        System.out.printf("%d messages per round, 5 warm-up rounds, 10 measured; java %s, %d cpus%n", n,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        for (Map.Entry<String, Runnable> c : cases.entrySet()) {
            for (int r = 0; r < 5; r++) {
                round(c.getValue(), n);
            }
            double[] us = new double[10];
            for (int r = 0; r < us.length; r++) {
                us[r] = round(c.getValue(), n);
            }
            java.util.Arrays.sort(us);
            System.out.printf("%-50s best %7.2f us/msg   median %7.2f us/msg%n", c.getKey(), us[0], us[us.length / 2]);
        }
        camel.stop();
    }

    static double round(Runnable r, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1000.0 / n;
    }

    static JsonNode jq(Expression mapping, CamelContext camel, JsonNode body) {
        Exchange e = new DefaultExchange(camel);
        e.getMessage().setBody(body);
        return mapping.evaluate(e, JsonNode.class);
    }

    @SuppressWarnings("unchecked")
    static String jqOf(Path routeFile) throws Exception {
        for (Object item : (List<Object>) new Yaml().load(Files.readString(routeFile))) {
            Map<String, Object> route = (Map<String, Object>) ((Map<String, Object>) item).get("route");
            if (route == null) {
                continue;
            }
            Map<String, Object> from = (Map<String, Object>) route.get("from");
            for (Object step : (List<Object>) from.get("steps")) {
                Map<String, Object> transform = (Map<String, Object>) ((Map<String, Object>) step).get("transform");
                if (transform != null) {
                    return (String) ((Map<String, Object>) transform.get("jq")).get("expression");
                }
            }
        }
        throw new IllegalStateException("no jq transform in " + routeFile);
    }

    static final Map<String, String> TYPES = Map.ofEntries(Map.entry("conversation", "text"),
            Map.entry("extendedTextMessage", "text"), Map.entry("imageMessage", "image"),
            Map.entry("videoMessage", "video"), Map.entry("audioMessage", "audio"),
            Map.entry("documentMessage", "document"), Map.entry("stickerMessage", "sticker"),
            Map.entry("locationMessage", "location"), Map.entry("contactMessage", "contacts"));

    /** What a Java normalizer for Evolution's messages.upsert would do (text and media messages). */
    static CanonicalMessage evolutionInJava(JsonNode envelope) {
        JsonNode d = envelope.path("data");
        JsonNode k = d.path("key");
        JsonNode m = d.path("message");
        boolean fromMe = k.path("fromMe").asBoolean(false);
        JsonNode media = null;
        for (String f : List.of("imageMessage", "videoMessage", "audioMessage", "documentMessage", "stickerMessage")) {
            if (m.hasNonNull(f)) {
                media = m.get(f);
                break;
            }
        }
        String chat = Json.text(k, "remoteJid");
        String text = Json.first(Json.text(m, "conversation"), Json.path(m, "extendedTextMessage", "text"),
                Json.text(media, "caption"));
        Media mediaOut = media == null ? null : new Media(Json.text(media, "mimetype"), Json.text(media, "url"), null,
                Json.text(media, "caption"), Json.text(media, "fileName"),
                media.hasNonNull("fileLength") ? Long.valueOf(media.get("fileLength").asText()) : null);
        return new CanonicalMessage("evolution", Json.text(envelope, "instance"), Json.text(k, "id"), chat,
                Json.chatType(chat), null,
                fromMe ? Json.text(envelope, "sender") : Json.first(Json.text(k, "participant"), chat),
                Json.text(d, "pushName"), fromMe, TYPES.getOrDefault(Json.text(d, "messageType"), "unsupported"), text,
                mediaOut, Json.first(Json.path(m, "extendedTextMessage", "contextInfo", "stanzaId"),
                        Json.path(d, "contextInfo", "stanzaId")),
                Json.instant(d.get("messageTimestamp")), Instant.now(), fromMe ? "sent" : "received", d);
    }
}
