package io.wagateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogMaskTest {

    @AfterEach
    void masked() {
        LogMask.setUnmasked(false);
    }

    @Test
    void phoneNumbersInsideIdsAreMaskedTextsReducedToTheirLength() {
        assertThat(LogMask.id("false_15550100001@c.us_3EB0FAKE01")).isEqualTo("false_15****01@c.us_3EB0FAKE01");
        assertThat(LogMask.id("+4915112345678")).isEqualTo("+49****78");
        assertThat(LogMask.id("wamid.ABC")).isEqualTo("wamid.ABC");
        assertThat(LogMask.id(null)).isNull();
        assertThat(LogMask.text("Hi, is my order ready?")).isEqualTo("[text: 22 chars]");
    }

    @Test
    void unmaskShowsValuesAsTheyAre() {
        LogMask.setUnmasked(true);
        assertThat(LogMask.id("15550100001@c.us")).isEqualTo("15550100001@c.us");
        assertThat(LogMask.text("hello")).isEqualTo("hello");
    }
}
