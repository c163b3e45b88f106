package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Elasticsearch side of an alias partitioned by month ({@link TimePartitions}, docs/partitions.md): which concrete
 * indices stand behind the alias, creation of a partition before its first write, the by-id locator (real-time
 * {@code _mget} over the likely partitions, then over all the others), the legacy generation's cut-off, and the
 * maintenance (next month's partition, retention).
 */
final class ElasticsearchPartitions {

    /** The store's logger: operators find these lines under its name. */
    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchStore.class);

    /** One id to locate and the time hint that orders its candidates. */
    record Wanted(String id, Instant hint) {
    }

    private final TimePartitions rules;
    private final Supplier<ElasticsearchClient> client;
    private final Consumer<Throwable> repair;
    private final Clock clock;
    /** The concrete indices behind the alias, as last read (plus those created since). */
    private volatile Set<String> existing = Set.of();
    private volatile boolean existingKnown;
    /**
     * The newest {@code timestamp} of a document in the legacy index (null: none, or no legacy index), and whether
     * the legacy index holds documents without one; a create of a message newer than this cannot be a redelivery of
     * a legacy document (a redelivery carries the original's timestamp).
     */
    private volatile Instant legacyUntil;
    private volatile boolean legacyExists;
    private volatile boolean legacyKnown;
    /** Whether the cluster serves ILM ({@code GET _ilm/status} RUNNING): null until a maintenance run asked. */
    private volatile Boolean ilm;
    /** The ILM policy partitions get when ILM does the retention, else null. */
    private volatile String ilmPolicy;
    private final java.util.concurrent.atomic.AtomicLong locateRequests = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param rules  the naming rule
     * @param client the store's current client
     * @param repair told of a client failure
     * @param clock  "now" for the current month
     */
    ElasticsearchPartitions(TimePartitions rules, Supplier<ElasticsearchClient> client, Consumer<Throwable> repair,
            Clock clock) {
        this.rules = rules;
        this.client = client;
        this.repair = repair;
        this.clock = clock;
    }

    TimePartitions rules() {
        return rules;
    }

    /** @return the concrete indices behind the alias (read once, then kept up to date by this instance) */
    Set<String> existing() {
        if (!existingKnown) {
            refresh();
        }
        return existing;
    }

    /** Forgets the indices read: the next use reads them again (an index was found missing, or indices were reset). */
    void forget() {
        existingKnown = false;
        legacyKnown = false;
    }

    /**
     * Reads the concrete indices behind the alias ({@code GET _alias/<alias>}) and the legacy cut-off.
     *
     * @throws StoreUnavailableException when Elasticsearch cannot answer
     */
    void refresh() {
        try {
            Set<String> found = new TreeSet<>();
            try {
                found.addAll(client.get().indices().getAlias(g -> g.name(rules.alias())).aliases().keySet());
            } catch (ElasticsearchException e) {
                if (e.status() != 404) {
                    throw e;
                }
            }
            existing = Set.copyOf(found);
            existingKnown = true;
            refreshLegacy(found.contains(rules.legacyIndex()));
        } catch (IOException | RuntimeException e) {
            throw unavailable("reading the partitions of " + rules.alias(), e);
        }
    }

    private void refreshLegacy(boolean exists) throws IOException {
        legacyExists = exists;
        if (!exists) {
            legacyUntil = null;
            legacyKnown = true;
            return;
        }
        var r = client.get().search(s -> s.index(rules.legacyIndex()).size(0)
                .aggregations("newest", a -> a.max(m -> m.field("timestamp"))), Void.class);
        Double newest = r.aggregations().get("newest").max().value();
        legacyUntil = newest == null || newest.isNaN() || newest.isInfinite() ? null
                : Instant.ofEpochMilli(newest.longValue());
        legacyKnown = true;
    }

    /**
     * Whether a create of a document with this timestamp must first look for it in the legacy index: when the legacy
     * index exists and the timestamp is missing, not newer than the legacy index's newest, or the cut-off is unknown.
     */
    boolean needsLegacyCheck(Instant timestamp) {
        if (!legacyKnown) {
            existing();
        }
        if (!legacyExists) {
            return false;
        }
        Instant until = legacyUntil;
        return timestamp == null || until == null || !timestamp.isAfter(until);
    }

    /** @return the legacy cut-off (tests, the maintenance summary), or null */
    Instant legacyUntil() {
        return legacyUntil;
    }

    /**
     * Creates the partition if this instance has not seen it: {@code PUT <index>} with the read alias (not a write
     * index: a write must name its partition), an index created meanwhile by another instance accepted; then waits
     * for its primary shard. The alias's template ({@code <alias>-*}) gives it its settings and mapping.
     *
     * @param index a partition name from {@link TimePartitions}
     * @throws StoreUnavailableException when Elasticsearch cannot create it
     */
    void ensure(String index) {
        if (existing().contains(index)) {
            return;
        }
        synchronized (this) {
            if (existing.contains(index)) {
                return;
            }
            ElasticsearchClient c = client.get();
            try {
                try {
                    c.indices().create(r -> r.index(index).aliases(rules.alias(), a -> a.isWriteIndex(false)));
                    LOG.info("Created Elasticsearch partition {} of alias {}", index, rules.alias());
                } catch (ElasticsearchException e) {
                    if (!"resource_already_exists_exception".equals(e.error().type())) {
                        throw e;
                    }
                    c.indices().putAlias(p -> p.index(index).name(rules.alias()).isWriteIndex(false));
                }
                c.cluster().health(h -> h.index(index).waitForActiveShards(w -> w.count(1))
                        .timeout(t -> t.time("30s")));
                String policy = ilmPolicy;
                if (policy != null) {
                    attachPolicy(c, index, policy);
                }
            } catch (IOException | RuntimeException e) {
                throw unavailable("creating partition " + index, e);
            }
            Set<String> next = new TreeSet<>(existing);
            next.add(index);
            existing = Set.copyOf(next);
        }
    }

    /**
     * The by-id locator: one real-time {@code _mget} of every wanted id over its candidates
     * ({@link TimePartitions#candidates}, at most six indices), then, for the ids not found there, one more over every
     * other partition. Cost: one request when the document is in a likely partition; two, the second reading
     * (ids not found) x (other partitions) items, when it is older or absent.
     *
     * @param wanted the ids with their hints
     * @return per id, in order: its {@link GetResult} where found (its {@code _index}, {@code _seq_no} and
     *         {@code _primary_term} name the concrete index to write to under {@code if_seq_no}), a not-found result,
     *         or null when Elasticsearch could not answer for it (read again later)
     * @throws IOException when the request fails as a whole
     */
    List<GetResult<ObjectNode>> locate(List<Wanted> wanted) throws IOException {
        Set<String> all = existing();
        Instant now = clock.instant();
        List<List<String>> tried = new ArrayList<>(wanted.size());
        for (Wanted w : wanted) {
            tried.add(rules.candidates(w.hint(), now, all));
        }
        List<GetResult<ObjectNode>> results = new ArrayList<>(wanted.size());
        for (int i = 0; i < wanted.size(); i++) {
            results.add(notFound(wanted.get(i).id()));
        }
        boolean[] failed = new boolean[wanted.size()];
        read(wanted, tried, results, failed);
        List<List<String>> rest = new ArrayList<>(wanted.size());
        boolean more = false;
        for (int i = 0; i < wanted.size(); i++) {
            boolean missing = !failed[i] && !results.get(i).found();
            List<String> others = missing ? rules.others(tried.get(i), all) : List.of();
            rest.add(others);
            more |= !others.isEmpty();
        }
        if (more) {
            read(wanted, rest, results, failed);
        }
        for (int i = 0; i < failed.length; i++) {
            if (failed[i]) {
                results.set(i, null);
            }
        }
        return results;
    }

    /** One {@code _mget} of each id over its indices; the first found (in index order) wins. */
    private void read(List<Wanted> wanted, List<List<String>> indices, List<GetResult<ObjectNode>> results,
            boolean[] failed) throws IOException {
        if (indices.stream().allMatch(List::isEmpty)) {
            return;
        }
        locateRequests.incrementAndGet();
        MgetResponse<ObjectNode> response = client.get().mget(m -> {
            for (int i = 0; i < wanted.size(); i++) {
                String id = wanted.get(i).id();
                for (String index : indices.get(i)) {
                    m.docs(d -> d.index(index).id(id));
                }
            }
            return m;
        }, ObjectNode.class);
        List<MultiGetResponseItem<ObjectNode>> docs = response.docs();
        int k = 0;
        boolean gone = false;
        for (int i = 0; i < wanted.size(); i++) {
            for (int j = 0; j < indices.get(i).size(); j++, k++) {
                MultiGetResponseItem<ObjectNode> item = k < docs.size() ? docs.get(k) : null;
                if (item == null) {
                    failed[i] = true;
                } else if (item.isFailure()) {
                    if ("index_not_found_exception".equals(item.failure().error().type())) {
                        gone = true; // deleted by retention meanwhile: nothing there
                    } else {
                        failed[i] = true;
                    }
                } else if (item.result().found() && !results.get(i).found()) {
                    results.set(i, item.result());
                }
            }
        }
        if (gone) {
            existingKnown = false;
        }
    }

    private GetResult<ObjectNode> notFound(String id) {
        return new GetResult.Builder<ObjectNode>().index(rules.alias()).id(id).found(false).build();
    }

    /** @return {@code _mget} requests the locator sent */
    long locateRequests() {
        return locateRequests.get();
    }

    /**
     * Creates the current and next month's partitions, deletes the monthly partitions a retention of
     * {@code retentionMonths} expires ({@link TimePartitions#expired}), and re-reads the indices and the legacy
     * cut-off. Idempotent: two instances running it together create and delete the same indices.
     *
     * @param retentionMonths months kept besides the current one; 0 keeps everything
     * @param now             the current time
     * @return what it did: {@code created}, {@code deleted} (index names), {@code partitions} (count)
     * @throws StoreUnavailableException when Elasticsearch cannot answer
     */
    Map<String, Object> maintain(int retentionMonths, Instant now) {
        refresh();
        List<String> created = new ArrayList<>();
        YearMonth month = YearMonth.from(now.atZone(ZoneOffset.UTC));
        for (YearMonth m : List.of(month, month.plusMonths(1))) {
            String index = rules.partitionOf(m);
            if (!existing.contains(index)) {
                ensure(index);
                created.add(index);
            }
        }
        List<String> deleted = new ArrayList<>();
        String retention = retentionMonths <= 0 ? "none" : "timer";
        if (retentionMonths > 0 && ilmRunning()) {
            // the cluster has ILM: one delete policy, every monthly partition attached with its origination date
            retention = "ilm";
            String policy = rules.alias() + "-retention";
            try {
                String body = "{\"policy\":{\"_meta\":{\"managed_by\":\"whatsapp-gateway\"},\"phases\":{\"delete\":"
                        + "{\"min_age\":\"" + TimePartitions.ilmMinAge(retentionMonths) + "\",\"actions\":{\"delete\":{}}}}}}";
                client.get().ilm().putLifecycle(p -> p.name(policy).withJson(new java.io.StringReader(body)));
                for (String index : existing) {
                    attachPolicy(client.get(), index, policy);
                }
            } catch (IOException | RuntimeException e) {
                throw unavailable("putting ILM policy " + policy, e);
            }
            ilmPolicy = policy;
        }
        for (String index : "timer".equals(retention) ? rules.expired(retentionMonths, now, existing)
                : List.<String>of()) {
            try {
                // a late arrival (a history import, a redelivery of an old message) re-creates an expired month: the
                // partition goes only when nothing in it was received within the retention either - never a message
                // acknowledged minutes ago
                String since = now.atZone(java.time.ZoneOffset.UTC).minusMonths(retentionMonths).toInstant().toString();
                // a count is a search: refreshed first, so a message written a moment ago is counted too
                client.get().indices().refresh(r -> r.index(index).ignoreUnavailable(true));
                long recent = client.get().count(c -> c.index(index).ignoreUnavailable(true)
                        .query(q -> q.range(r -> r.untyped(u -> u.field("received_at")
                                .gte(co.elastic.clients.json.JsonData.of(since)))))).count();
                if (recent > 0) {
                    LOG.warn("Kept Elasticsearch partition {} past its retention: {} message(s) received since {}",
                            index, recent, since);
                    continue;
                }
                client.get().indices().delete(d -> d.index(index).ignoreUnavailable(true));
                deleted.add(index);
                LOG.info("Deleted Elasticsearch partition {} (retention {} months)", index, retentionMonths);
            } catch (IOException | RuntimeException e) {
                throw unavailable("deleting partition " + index, e);
            }
        }
        refresh();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("alias", rules.alias());
        summary.put("created", created);
        summary.put("deleted", deleted);
        summary.put("partitions", existing.size());
        summary.put("retention", retention);
        return summary;
    }

    /**
     * Asks {@code GET _ilm/status} once: RUNNING means ILM does the retention. A distribution without ILM (the
     * integ-test zip this project runs) answers an error: the timer does it. A failure to reach Elasticsearch is not
     * remembered (asked again next run).
     */
    private boolean ilmRunning() {
        Boolean known = ilm;
        if (known != null) {
            return known;
        }
        try {
            known = client.get().ilm().getStatus().operationMode()
                    == co.elastic.clients.elasticsearch._types.LifecycleOperationMode.Running;
        } catch (ElasticsearchException e) {
            known = false; // not served here (400/404): no ILM
        } catch (IOException | RuntimeException e) {
            String s = e.toString();
            if (!s.contains("400") && !s.contains("404") && !s.contains("no handler")) {
                return false; // unreachable: ask again next run
            }
            known = false;
        }
        ilm = known;
        LOG.info("Elasticsearch ILM {}: retention of {} by {}", known ? "running" : "not available", rules.alias(),
                known ? "the ILM policy " + rules.alias() + "-retention" : "the partition-maintenance timer");
        return known;
    }

    /** Attaches a monthly partition to the ILM policy, its age counted from the end of its month. */
    private void attachPolicy(ElasticsearchClient c, String index, String policy) throws IOException {
        Long origination = rules.originationOf(index);
        if (origination == null) {
            return; // legacy, undated: never deleted by retention
        }
        c.indices().putSettings(p -> p.index(index).settings(st -> st.lifecycle(l -> l.name(policy)
                .originationDate(origination))));
    }

    /** @return whether ILM does the retention (null: not asked yet) */
    Boolean ilm() {
        return ilm;
    }

    private StoreUnavailableException unavailable(String what, Throwable e) {
        if (e instanceof StoreUnavailableException s) {
            return s;
        }
        if (!(e instanceof ElasticsearchException)) {
            repair.accept(e);
        }
        String why = e instanceof ElasticsearchException ee
                ? ee.status() + " " + ee.error().type() + ": " + ee.error().reason() : e.toString();
        return new StoreUnavailableException("Elasticsearch failed " + what + ": " + why, e);
    }
}
