package io.wagateway.media;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of stored media (route {@code media-retention}, routes/media-store.camel.yaml; off unless
 * {@code gateway.media.retention-days} is above 0). A blob is content-addressed and may be shared by several messages
 * (a forwarded image), so it is deleted only when no download job of its sha256 was created inside the retention
 * period: {@link #expired()} lists those hashes (a terms aggregation on {@code sha256} ordered by its newest
 * {@code created_at}); {@link #delete(String)} checks again, deletes the blob, records {@code deleted_at} on every
 * job of that hash, and answers the lifecycle updates that project {@code media.stored.deleted_at} onto their messages.
 * The messages keep their metadata ({@code media.stored}).
 */
public class MediaRetention implements org.apache.camel.CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(MediaRetention.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = JsonMapperFactory.create();
    /** The lifecycle update kind of a download's outcome (MessageLifecycle, docs/media.md). */
    static final String UPDATE = "media";

    private org.apache.camel.CamelContext camelContext;
    private ElasticsearchStore store;
    private MediaStore mediaStore;
    private String mediaIndex = "whatsapp-media";
    private int retentionDays;
    private int batchSize = 500;
    private Clock clock = Clock.systemUTC();

    /** @return true when retention is on ({@code gateway.media.retention-days} above 0) */
    public boolean isEnabled() {
        return retentionDays > 0;
    }

    /**
     * @return up to {@code batchSize} hashes whose every stored, not yet deleted job was created before the retention
     *         period (oldest first); empty when retention is off or there is no media index yet
     * @throws IOException when Elasticsearch cannot be reached
     */
    public List<String> expired() throws IOException {
        if (!isEnabled()) {
            return List.of();
        }
        Instant cutoff = cutoff();
        SearchResponse<Void> r;
        try {
            r = store().client().search(s -> s.index(mediaIndex).size(0)
                    .query(q -> q.bool(b -> b.filter(f -> f.exists(e -> e.field("sha256")))
                            .mustNot(m -> m.exists(e -> e.field("deleted_at")))))
                    .aggregations("blobs", a -> a
                            .terms(t -> t.field("sha256").size(batchSize)
                                    .order(co.elastic.clients.util.NamedValue.of("newest", SortOrder.Asc)))
                            .aggregations("newest", n -> n.max(m -> m.field("created_at")))), Void.class);
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return List.of();
            }
            throw e;
        }
        List<String> hashes = new ArrayList<>();
        for (StringTermsBucket bucket : r.aggregations().get("blobs").sterms().buckets().array()) {
            double newest = bucket.aggregations().get("newest").max().value();
            if (newest >= cutoff.toEpochMilli()) {
                break; // ordered by newest job: every further hash has a job inside the period
            }
            hashes.add(bucket.key().stringValue());
        }
        return hashes;
    }

    /**
     * Deletes one blob whose jobs are all older than the retention period, and records {@code deleted_at} on those
     * jobs. Does nothing when, meanwhile, a job of the same hash was created inside the period.
     *
     * @param sha256 lowercase hex sha256
     * @return one lifecycle update of kind {@code media} per job ({@code raw}: {@code n} and {@code deleted_at}), for
     *         {@code messageLifecycle.keep}: it projects {@code media.stored.deleted_at} (or
     *         {@code attachments[n].stored.deleted_at}) onto the job's message; empty when nothing was deleted
     * @throws IOException when the store or Elasticsearch cannot be reached (the next run tries again)
     */
    public List<LifecycleUpdate> delete(String sha256) throws IOException {
        Instant cutoff = cutoff();
        Query ofHash = Query.of(q -> q.bool(b -> b.filter(f -> f.term(t -> t.field("sha256").value(sha256)))));
        long recent = store().client().count(c -> c.index(mediaIndex).query(q -> q.bool(b -> b
                .filter(ofHash)
                .filter(f -> f.range(rg -> rg.date(d -> d.field("created_at").gte(cutoff.toString()))))))).count();
        if (recent > 0) {
            return List.of();
        }
        boolean deleted = mediaStore.delete(sha256);
        Instant now = clock.instant();
        SearchResponse<ObjectNode> jobs = store().client().search(s -> s.index(mediaIndex).size(10_000)
                .source(src -> src.filter(f -> f.includes("message_doc_id", "provider", "account_id", "message_id",
                        "chat_id", "n")))
                .query(q -> q.bool(b -> b.filter(ofHash).mustNot(m -> m.exists(e -> e.field("deleted_at"))))),
                ObjectNode.class);
        List<BulkOperation> marks = new ArrayList<>();
        List<LifecycleUpdate> updates = new ArrayList<>();
        for (Hit<ObjectNode> job : jobs.hits().hits()) {
            marks.add(BulkOperation.of(o -> o.update(u -> u.index(job.index()).id(job.id())
                    .action(a -> a.doc(Map.of("deleted_at", now.toString(), "updated_at", now.toString()))))));
            ObjectNode j = job.source();
            if (j != null && j.hasNonNull("message_id")) {
                ObjectNode raw = JSON.createObjectNode().put("n", j.path("n").asInt()).put("deleted_at", now.toString());
                updates.add(new LifecycleUpdate(j.path("provider").asText(), j.path("account_id").asText(),
                        j.path("message_id").asText(), j.path("chat_id").asText(null), UPDATE, null, null, null,
                        j.path("n").asInt() + ":deleted", null, now, now, raw));
            }
        }
        if (!marks.isEmpty()) {
            store().client().bulk(b -> b.operations(marks).refresh(Refresh.WaitFor));
        }
        LOG.info("Media retention: deleted blob {} ({} job(s), none newer than {}; blob {})", sha256, marks.size(),
                cutoff, deleted ? "removed" : "already gone");
        return updates;
    }

    private Instant cutoff() {
        return clock.instant().minus(Duration.ofDays(retentionDays));
    }

    /** The store is found on first use (as the media API bean does: cross-file bean references depend on load order). */
    private ElasticsearchStore store() {
        if (store == null) {
            store = ElasticsearchStore.in(camelContext);
        }
        return store;
    }

    @Override
    public void setCamelContext(org.apache.camel.CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public org.apache.camel.CamelContext getCamelContext() {
        return camelContext;
    }

    /** @param store the Elasticsearch store (jobs are read and updated through its client); default: the context's */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param mediaStore the media store blobs are deleted from */
    public void setMediaStore(MediaStore mediaStore) {
        this.mediaStore = mediaStore;
    }

    /** @param mediaIndex {@code gateway.elasticsearch.index.media}: the download jobs' alias */
    public void setMediaIndex(String mediaIndex) {
        this.mediaIndex = mediaIndex;
    }

    /** @param retentionDays {@code gateway.media.retention-days}: keep blobs this many days; 0 = keep for good */
    public void setRetentionDays(int retentionDays) {
        this.retentionDays = retentionDays;
    }

    /** @param batchSize hashes looked at per run */
    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    /** @param clock the clock the retention period is measured on (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
