package io.wagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The naming rule of monthly partitions, the locator's candidate order and retention's choice (docs/partitions.md). */
class TimePartitionsTest {

    private final TimePartitions p = new TimePartitions("whatsapp-messages");

    @Test
    void aDocumentGoesToThePartitionOfItsOwnUtcMonthAndOneWithoutATimeToUndated() {
        assertThat(p.partitionOf(Instant.parse("2026-11-30T23:59:59.999Z"))).isEqualTo("whatsapp-messages-2026.11");
        assertThat(p.partitionOf(Instant.parse("2026-12-01T00:00:00Z"))).isEqualTo("whatsapp-messages-2026.12");
        // UTC, not the machine's zone: 23:30 in New York on 31 October is already November
        assertThat(p.partitionOf(Instant.parse("2026-11-01T03:30:00Z"))).isEqualTo("whatsapp-messages-2026.11");
        assertThat(p.partitionOf((Instant) null)).isEqualTo("whatsapp-messages-undated");
        assertThat(p.legacyIndex()).isEqualTo("whatsapp-messages-000001");
        // every name matches the alias's template pattern <alias>-*
        assertThat(p.partitionOf(Instant.EPOCH)).startsWith("whatsapp-messages-");
    }

    @Test
    void onlyMonthlyPartitionsHaveAMonth() {
        assertThat(p.monthOf("whatsapp-messages-2026.10")).isEqualTo(YearMonth.of(2026, 10));
        assertThat(p.monthOf("whatsapp-messages-000001")).isNull();
        assertThat(p.monthOf("whatsapp-messages-undated")).isNull();
        assertThat(p.monthOf("whatsapp-messages-2026.1x")).isNull();
        assertThat(p.monthOf("other-2026.10")).isNull();
    }

    @Test
    void candidatesAreTheHintsMonthsThenTheCurrentOnesThenLegacyAndUndatedOnlyThoseThatExist() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        List<String> existing = List.of("whatsapp-messages-000001", "whatsapp-messages-undated",
                "whatsapp-messages-2026.08", "whatsapp-messages-2026.09", "whatsapp-messages-2026.10",
                "whatsapp-messages-2026.11", "whatsapp-messages-2026.12");
        assertThat(p.candidates(Instant.parse("2026-09-03T00:00:00Z"), now, existing)).containsExactly(
                "whatsapp-messages-2026.09", "whatsapp-messages-2026.08", "whatsapp-messages-2026.12",
                "whatsapp-messages-2026.11", "whatsapp-messages-000001", "whatsapp-messages-undated");
        // no hint: current and previous month first; a hint in the current month adds nothing twice
        assertThat(p.candidates(null, now, existing)).containsExactly("whatsapp-messages-2026.12",
                "whatsapp-messages-2026.11", "whatsapp-messages-000001", "whatsapp-messages-undated");
        assertThat(p.candidates(now, now, existing)).containsExactly("whatsapp-messages-2026.12",
                "whatsapp-messages-2026.11", "whatsapp-messages-000001", "whatsapp-messages-undated");
        // indices that do not exist are never asked for (an _mget item on a missing index is a failure)
        assertThat(p.candidates(null, now, List.of("whatsapp-messages-2026.11"))).containsExactly(
                "whatsapp-messages-2026.11");
        // the fallback reads every other index, newest month first
        List<String> tried = p.candidates(null, now, existing);
        assertThat(p.others(tried, existing)).containsExactly("whatsapp-messages-2026.10",
                "whatsapp-messages-2026.09", "whatsapp-messages-2026.08");
    }

    @Test
    void retentionDeletesOnlyMonthlyPartitionsOlderThanNMonthsBeforeTheCurrentOne() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        List<String> existing = List.of("whatsapp-messages-000001", "whatsapp-messages-undated",
                "whatsapp-messages-2025.12", "whatsapp-messages-2026.08", "whatsapp-messages-2026.09",
                "whatsapp-messages-2026.11", "whatsapp-messages-2026.12", "whatsapp-messages-2027.01");
        assertThat(p.expired(3, now, existing)).containsExactly("whatsapp-messages-2025.12",
                "whatsapp-messages-2026.08");
        assertThat(p.expired(1, now, existing)).containsExactly("whatsapp-messages-2025.12",
                "whatsapp-messages-2026.08", "whatsapp-messages-2026.09");
        assertThat(p.expired(0, now, existing)).isEmpty();
    }

    @Test
    void underIlmAPartitionAgesFromTheEndOfItsMonthAndIsNeverDeletedEarlierThanTheTimerWould() {
        assertThat(p.originationOf("whatsapp-messages-2026.10"))
                .isEqualTo(Instant.parse("2026-11-01T00:00:00Z").toEpochMilli());
        assertThat(p.originationOf("whatsapp-messages-2026.12"))
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z").toEpochMilli());
        assertThat(p.originationOf("whatsapp-messages-000001")).isNull();
        assertThat(TimePartitions.ilmMinAge(3)).isEqualTo("93d");
        // October 2026 with 1 month: the timer deletes it from 1 December; ILM from 1 November + 31 days = 2 December
        Instant ilmDeletes = Instant.ofEpochMilli(p.originationOf("whatsapp-messages-2026.10"))
                .plus(java.time.Duration.ofDays(31));
        assertThat(p.expired(1, ilmDeletes, List.of("whatsapp-messages-2026.10")))
                .containsExactly("whatsapp-messages-2026.10");
    }
}
