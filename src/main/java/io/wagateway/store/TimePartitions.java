package io.wagateway.store;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The naming rule of an alias partitioned by time (docs/partitions.md): a document lives in the concrete index of the
 * UTC month of its own timestamp, {@code <alias>-yyyy.MM} (e.g. {@code whatsapp-messages-2026.11}), which matches the
 * alias's template {@code <alias>-*}. The rule is a pure function of the document, so a redelivery - months later, on
 * another instance, after a restart - computes the same index and meets the original's {@code 409}. A document without
 * a timestamp goes to {@code <alias>-undated}, the same for every delivery. {@code <alias>-000001}, the single write
 * index of the unpartitioned layout, is the legacy generation. Pure: no Elasticsearch here.
 */
public final class TimePartitions {

    /** Suffix of the partition of documents without a timestamp. */
    public static final String UNDATED = "undated";
    /** Suffix of the write index of the unpartitioned layout (the generation before partitioning). */
    public static final String LEGACY = "000001";

    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy.MM");

    private final String alias;

    /** @param alias the read alias, e.g. {@code whatsapp-messages} */
    public TimePartitions(String alias) {
        this.alias = alias;
    }

    /** @return the read alias */
    public String alias() {
        return alias;
    }

    /**
     * @param timestamp the document's own time (the provider's timestamp of a message), or null
     * @return {@code <alias>-yyyy.MM} of its UTC month, or {@code <alias>-undated} when null
     */
    public String partitionOf(Instant timestamp) {
        return timestamp == null ? alias + "-" + UNDATED : partitionOf(YearMonth.from(timestamp.atZone(ZoneOffset.UTC)));
    }

    /**
     * @param month a UTC month
     * @return {@code <alias>-yyyy.MM}
     */
    public String partitionOf(YearMonth month) {
        return alias + "-" + MONTH.format(month);
    }

    /** @return {@code <alias>-000001}, the legacy generation */
    public String legacyIndex() {
        return alias + "-" + LEGACY;
    }

    /**
     * @param index a concrete index name
     * @return its month when it is a monthly partition of this alias, else null (legacy, undated, anything else)
     */
    public YearMonth monthOf(String index) {
        String prefix = alias + "-";
        if (index == null || !index.startsWith(prefix) || index.length() != prefix.length() + 7) {
            return null;
        }
        try {
            return YearMonth.parse(index.substring(prefix.length()), MONTH);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The concrete indices a by-id read tries first, in this order, keeping only those in {@code existing}: the
     * partition of the hint and the month before it (a status or a reply comes after its message, mostly within
     * weeks), the current month and the month before, the legacy index, the undated partition. A document not found
     * there is looked for in every other partition ({@link #others}).
     *
     * @param hint     a time at or after the document's own (an update's timestamp), or null
     * @param now      the current time
     * @param existing the concrete indices behind the alias
     * @return at most six index names, no duplicates, in the order above
     */
    public List<String> candidates(Instant hint, Instant now, Collection<String> existing) {
        Set<String> order = new LinkedHashSet<>();
        if (hint != null) {
            YearMonth h = YearMonth.from(hint.atZone(ZoneOffset.UTC));
            order.add(partitionOf(h));
            order.add(partitionOf(h.minusMonths(1)));
        }
        YearMonth current = YearMonth.from(now.atZone(ZoneOffset.UTC));
        order.add(partitionOf(current));
        order.add(partitionOf(current.minusMonths(1)));
        order.add(legacyIndex());
        order.add(alias + "-" + UNDATED);
        order.retainAll(Set.copyOf(existing));
        return new ArrayList<>(order);
    }

    /**
     * @param tried    the indices already read
     * @param existing the concrete indices behind the alias
     * @return the other existing indices, newest month first (then legacy, undated, others by name)
     */
    public List<String> others(Collection<String> tried, Collection<String> existing) {
        List<String> rest = new ArrayList<>(existing);
        rest.removeAll(Set.copyOf(tried));
        rest.sort((a, b) -> {
            YearMonth ma = monthOf(a);
            YearMonth mb = monthOf(b);
            if (ma != null && mb != null) {
                return mb.compareTo(ma);
            }
            if (ma != null || mb != null) {
                return ma != null ? -1 : 1;
            }
            return a.compareTo(b);
        });
        return rest;
    }

    /**
     * For ILM ({@code index.lifecycle.origination_date}): a monthly partition's age counts from the end of its month,
     * the first instant of the next month, so that "older than N months" means the same as {@link #expired}.
     *
     * @param index a monthly partition
     * @return epoch ms of the first instant (UTC) of the month after the partition's, or null when not monthly
     */
    public Long originationOf(String index) {
        YearMonth m = monthOf(index);
        return m == null ? null : m.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    /**
     * @param months the retention in months (&gt; 0)
     * @return the ILM delete phase's {@code min_age} counted from {@link #originationOf}: {@code months x 31} days
     *         (ILM has no month unit: N x 31 days is never shorter than N months, so it deletes up to about
     *         a week per year of retention later than {@link #expired} does, never earlier)
     */
    public static String ilmMinAge(int months) {
        return (months * 31) + "d";
    }

    /**
     * The monthly partitions a retention of {@code months} deletes: those whose month ended more than {@code months}
     * whole months before the current one (with 3 in December 2026, August 2026 and older go; September stays). The
     * legacy and undated indices are never chosen (their documents' months are mixed or unknown).
     *
     * @param months   months to keep besides the current one; 0 keeps everything
     * @param now      the current time
     * @param existing the concrete indices behind the alias
     * @return the partitions to delete, oldest first
     */
    public List<String> expired(int months, Instant now, Collection<String> existing) {
        if (months <= 0) {
            return List.of();
        }
        YearMonth oldestKept = YearMonth.from(now.atZone(ZoneOffset.UTC)).minusMonths(months);
        List<String> out = new ArrayList<>();
        for (String index : existing) {
            YearMonth m = monthOf(index);
            if (m != null && m.isBefore(oldestKept)) {
                out.add(index);
            }
        }
        out.sort(null);
        return out;
    }
}
