package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The outcome line's JSON: the same text the hand-written writer it replaced produced (log parsers read it). */
class WebhookOutcomeLogTest {

    @Test
    void writesTheLineInFieldOrderWithNumbersAsNumbersAndEscapedStrings() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("log", "webhook");
        line.put("provider", "waha");
        line.put("event", "message,message.ack");
        line.put("message_ids", List.of("false_1555***001@c.us_3EB0"));
        line.put("outcome", "ok");
        line.put("status", 200);
        line.put("items", new TreeMap<>(Map.of("stored", 1, "duplicate", 2)));
        line.put("latency_ms", 4.2);
        line.put("similar_suppressed", 3L);
        line.put("x", "a\"b\\c\u00e9\t\u0001");
        assertThat(WebhookOutcomeLog.write(line)).isEqualTo("{\"log\":\"webhook\",\"provider\":\"waha\","
                + "\"event\":\"message,message.ack\",\"message_ids\":[\"false_1555***001@c.us_3EB0\"],\"outcome\":\"ok\","
                + "\"status\":200,\"items\":{\"duplicate\":2,\"stored\":1},\"latency_ms\":4.2,\"similar_suppressed\":3,"
                + "\"x\":\"a\\\"b\\\\c\u00e9\\t\\u0001\"}");
    }
}
