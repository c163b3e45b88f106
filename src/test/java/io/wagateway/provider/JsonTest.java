package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.wagateway.inbound.MalformedPayloadException;
import io.wagateway.inbound.WebhookJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Provider timestamps and numbers are read cheaply and safely whatever their length (issue 15 item 14). */
class JsonTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static Instant instant(String text) {
        return Json.instant(NODES.textNode(text));
    }

    @Test
    void everyTimestampFormStillReads() throws Exception {
        Instant t = Instant.parse("2026-01-05T10:00:00Z");
        assertThat(instant("1767607200")).isEqualTo(t);
        assertThat(Json.instant(NODES.numberNode(1767607200L))).isEqualTo(t);
        assertThat(Json.instant(NODES.numberNode(1767607200123L))).isEqualTo(t.plusMillis(123));
        assertThat(instant("1767607200123")).isEqualTo(t.plusMillis(123));
        assertThat(instant("1767607200.5")).isEqualTo(t.plusMillis(500));
        assertThat(instant("1767607200.1239")).isEqualTo(t.plusMillis(123));
        assertThat(Json.instant(NODES.numberNode(1767607200.25))).isEqualTo(t.plusMillis(250));
        assertThat(instant("1.7676072E9")).isEqualTo(t);
        assertThat(instant("2026-01-05T10:00:00Z")).isEqualTo(t);
        assertThat(instant("2026-01-05T10:00:00.000+00:00")).isEqualTo(t);
        assertThat(instant("2026-01-05 10:00:00+00")).isEqualTo(t);
        assertThat(instant(" 1767607200 ")).isEqualTo(t);
    }

    @Test
    void aMillionDigitTimestampIsUnreadableNotAnHourOfCpu() {
        assertThat(instant("1".repeat(1_000_000))).isNull();        // took 16.5 s (46 s on a loaded machine)
        assertThat(instant("1e400000000")).isNull();                // a BigDecimal would expand it
        assertThat(instant("1" + "0".repeat(30))).isNull();
        assertThat(Json.instant(NODES.numberNode(new java.math.BigInteger("9".repeat(900))))).isNull();
        assertThat(Json.instant(NODES.numberNode(Double.MAX_VALUE))).isNull();
        assertThat(instant("2026-01-05T10:00:00Z" + " ".repeat(1_000_000))).isNull();
        assertThat(instant("99999999999999999")).as("year 3170843 is out of range").isNull();
        assertThat(instant("not a date")).isNull();
        assertThat(instant("--")).isNull();
    }

    @Test
    void wholeNumbersAreLengthCheckedBeforeParsing() {
        assertThat(Json.wholeNumber(NODES.textNode("48213"))).isEqualTo(48213L);
        assertThat(Json.wholeNumber(NODES.textNode(" -1 "))).isEqualTo(-1L);
        assertThat(Json.wholeNumber(NODES.numberNode(2))).isEqualTo(2L);
        assertThat(Json.wholeNumber(NODES.textNode("9".repeat(1_000_000)))).isNull();
        assertThat(Json.wholeNumber(NODES.textNode("99999999999999999999"))).as("beyond a long").isNull();
        assertThat(Json.wholeNumber(NODES.textNode("12a"))).isNull();
        assertThat(Json.wholeNumber(NODES.textNode("+"))).isNull();
        assertThat(Json.wholeNumber(NODES.numberNode(2.5))).isNull();
        assertThat(Json.wholeNumber(NODES.numberNode(new java.math.BigInteger("9".repeat(900))))).isNull();
        assertThat(Json.wholeNumber(null)).isNull();
    }

    /** Jackson's StreamReadConstraints (maxNumberLength 1000) apply to the webhook parser: such a body is malformed. */
    @Test
    void theWebhookParserRefusesNumbersLongerThanJacksonsLimit() throws Exception {
        WebhookJson parser = new WebhookJson();
        JsonNode ok = parser.parse(("{\"timestamp\":" + "9".repeat(1000) + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(ok.get("timestamp").isBigInteger()).isTrue();
        assertThatThrownBy(() -> parser.parse(("{\"timestamp\":" + "9".repeat(1001) + "}")
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedPayloadException.class).hasMessageContaining("Number value length");
        assertThat(new ObjectMapper().getFactory().streamReadConstraints().getMaxNumberLength()).isEqualTo(1000);
    }
}
