package io.wagateway.media;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.IndexResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.Media;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media download jobs (docs/media.md): one document per media item in the {@code whatsapp-media} index
 * ({@code _id} = {@link MediaItem#jobId}), moved through {@code pending → claimed → stored | failed} with optimistic
 * concurrency, as {@code ReplyOutbox} moves replies: a job is claimed by creating it (create-if-absent) or, when it
 * exists {@code pending} or {@code claimed} with an expired lease, by a write conditional on the version read
 * ({@code if_seq_no}/{@code if_primary_term}); so any instance may resume a download and only one works on it.
 *
 * <p>The durable pending mark is the message's own {@code media_download: pending} ({@link #markPending}), written
 * with the message before its acknowledgement; {@link #recoverable} finds both abandoned jobs and pending messages
 * that never got a job. Outcomes reach the message as lifecycle updates of kind {@code media} ({@link #storedUpdate},
 * {@link #failedUpdate}), so they apply in any order and on any instance.
 */
public class MediaDownloads {

    private static final Logger LOG = LoggerFactory.getLogger(MediaDownloads.class);
    /** The message types whose {@code media} is downloaded (a voice note is {@code audio}; WAHA says {@code ptt}). */
    public static final Set<String> MEDIA_TYPES = Set.of("image", "audio", "video", "document", "sticker", "voice",
            "ptt");
    /** The lifecycle update kind that carries a download's outcome onto its message. */
    public static final String UPDATE = "media";

    private ElasticsearchStore store;
    private final ObjectMapper mapper = JsonMapperFactory.create();
    private String mediaIndex = "whatsapp-media";
    private boolean enabled = true;
    private long leaseMs = 600_000;
    private long recoveryGraceMs = 60_000;
    private int recoverySize = 500;
    private Clock clock = Clock.systemUTC();
    private volatile boolean indexReady;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    // ---- 1. the pending mark and the items of a message ----------------------------------------------------------

    /**
     * Marks a message that has downloadable media {@code media_download: pending} (when downloads are enabled), before
     * it is written: the mark is written with the message, at no extra cost.
     *
     * @param message the message about to be stored
     * @return the message, marked when it has downloadable media
     */
    public CanonicalMessage markPending(CanonicalMessage message) {
        if (!enabled || message.details().mediaDownload() != null || items(message, false).isEmpty()) {
            return message;
        }
        return message.withDetails(message.details().withMediaDownload("pending"));
    }

    /**
     * The media items of a message marked pending ({@link #markPending}), one per downloadable item: {@code media}
     * (n = 0) or every item of {@code attachments[]} (n = its index; item 0 is also {@code media}).
     *
     * @param message the stored message
     * @return the items to download; empty for a message without the pending mark
     */
    public List<MediaItem> items(CanonicalMessage message) {
        return "pending".equals(message.details().mediaDownload()) ? items(message, true) : List.of();
    }

    private List<MediaItem> items(CanonicalMessage m, boolean build) {
        List<MediaItem> items = new ArrayList<>();
        List<Media> attachments = m.details().attachments();
        if (attachments != null && !attachments.isEmpty()) {
            for (int n = 0; n < attachments.size(); n++) {
                Media a = attachments.get(n);
                if (a != null) {
                    items.add(item(m, n, n == 0 && MEDIA_TYPES.contains(m.type()) ? m.type() : typeOf(a.mime()), a));
                }
            }
        } else if (MEDIA_TYPES.contains(m.type())) {
            // also without a url or id (WAHA media.error, a provider that sent none): the provider's route records
            // the final reason (no_source, provider_error), so a media message never ends without a download state
            items.add(item(m, 0, m.type(), m.media() != null ? m.media() : NO_MEDIA));
        }
        return items;
    }

    /** The media of a media message that came without any: its item has no source, and its download says so. */
    private static final Media NO_MEDIA = new Media(null, null, null, null, null, null);

    private static MediaItem item(CanonicalMessage m, int n, String type, Media media) {
        return new MediaItem(MediaItem.jobId(m.documentId(), n), m.documentId(), m.provider(), m.accountId(),
                m.messageId(), m.chatId(), n, normalType(type), media.mime(), media.url(), media.id(),
                media.filename(), media.sizeBytes(), media.sha256());
    }

    /** The items of a stored message document ({@code _source}), as {@link #items(CanonicalMessage)} finds them. */
    List<MediaItem> items(String docId, JsonNode doc) {
        List<MediaItem> items = new ArrayList<>();
        JsonNode attachments = doc.path("attachments");
        String type = doc.path("type").asText(null);
        if (attachments.isArray() && attachments.size() > 0) {
            for (int n = 0; n < attachments.size(); n++) {
                JsonNode a = attachments.get(n);
                if (a.isObject()) {
                    items.add(item(doc, docId, n, n == 0 && MEDIA_TYPES.contains(type) ? type
                            : typeOf(a.path("mime").asText(null)), a));
                }
            }
        } else if (MEDIA_TYPES.contains(type)) {
            items.add(item(doc, docId, 0, type, doc.path("media")));
        }
        return items;
    }

    private static MediaItem item(JsonNode doc, String docId, int n, String type, JsonNode media) {
        return new MediaItem(MediaItem.jobId(docId, n), docId, doc.path("provider").asText(null),
                doc.path("account_id").asText(null), doc.path("message_id").asText(null),
                doc.path("chat_id").asText(null), n, normalType(type), media.path("mime").asText(null),
                media.path("url").asText(null), media.path("id").asText(null), media.path("filename").asText(null),
                media.hasNonNull("size_bytes") ? media.get("size_bytes").asLong() : null,
                media.path("sha256").asText(null));
    }

    private static String normalType(String type) {
        return "voice".equals(type) || "ptt".equals(type) ? "audio" : type;
    }

    /** The media type of an attachment from its MIME type: image, audio, video, else document. */
    static String typeOf(String mime) {
        String m = mime == null ? "" : mime.toLowerCase(Locale.ROOT);
        return m.startsWith("image/") ? "image" : m.startsWith("audio/") ? "audio"
                : m.startsWith("video/") ? "video" : "document";
    }

    // ---- 2. the claim --------------------------------------------------------------------------------------------

    /**
     * Claims the job of an item for this worker: creates it {@code claimed} if absent, or takes it over when it is
     * {@code pending} or {@code claimed} with an expired lease, under the version read.
     *
     * @param item the item
     * @return the claimed job, or null when there is nothing to do here (stored, failed, held by another worker or
     *         instance, or the race was lost)
     * @throws StoreUnavailableException when Elasticsearch cannot be reached (retried by the worker's error handler)
     */
    public MediaJob claim(MediaItem item) {
        ensureIndex();
        MediaJob current = read(item);
        Instant now = clock.instant();
        if (current == null) {
            ObjectNode doc = jobDocument(item, now);
            claimFields(doc, now);
            try {
                co.elastic.clients.elasticsearch.core.CreateResponse r = store.client().create(c -> c.index(mediaIndex).id(item.jobId()).document(doc)
                        .requireAlias(true));
                return new MediaJob(item, r.seqNo(), r.primaryTerm(), doc);
            } catch (ElasticsearchException e) {
                if (e.status() == 409) {
                    return null; // another worker or instance created it first: it works on it
                }
                throw failure("cannot create media job " + item.jobId(), e);
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot create media job " + item.jobId(), e);
            }
        }
        String state = current.doc().path("state").asText();
        if (!"pending".equals(state) && !("claimed".equals(state) && leaseExpired(current.doc()))) {
            return null;
        }
        ObjectNode doc = current.doc().deepCopy();
        claimFields(doc, now);
        return write(current, doc);
    }

    private void claimFields(ObjectNode doc, Instant now) {
        doc.put("state", "claimed");
        doc.put("lease_until", now.plusMillis(leaseMs).toString());
        doc.put("updated_at", now.toString());
    }

    private ObjectNode jobDocument(MediaItem item, Instant now) {
        ObjectNode doc = mapper.createObjectNode();
        doc.put("message_doc_id", item.messageDocId());
        doc.put("provider", item.provider());
        doc.put("account_id", item.accountId());
        doc.put("message_id", item.messageId());
        doc.put("chat_id", item.chatId());
        doc.put("n", item.n());
        doc.put("type", item.type());
        doc.put("mime", item.mime());
        doc.put("url", item.url());
        doc.put("media_id", item.id());
        doc.put("filename", item.filename());
        if (item.sizeBytes() != null) {
            doc.put("size_bytes", item.sizeBytes());
        }
        doc.put("expected_sha256", item.expectedSha256());
        doc.put("state", "pending");
        doc.put("attempts", 0);
        doc.put("created_at", now.toString());
        doc.put("updated_at", now.toString());
        return doc;
    }

    // ---- 3. the download's checks and outcomes ---------------------------------------------------------------------

    /**
     * Checks the downloaded bytes against the hash the provider states: the provider route's variable
     * {@code expectedSha256}, else the item's {@code expectedSha256}. Hex or base64 (Meta's webhooks) are both read.
     *
     * @param spooled  the download
     * @param variable the provider route's {@code expectedSha256}, or null
     * @param item     the item
     * @return the download, when it matches or no hash was stated
     * @throws MediaDownloadException {@code sha256_mismatch} (final) when it does not match; the spool file is deleted
     */
    public MediaSpool.Spooled verify(MediaSpool.Spooled spooled, String variable, MediaItem item) {
        String stated = variable != null && !variable.isBlank() ? variable : item.expectedSha256();
        if (stated != null && !stated.isBlank() && !MediaSpool.sameSha256(spooled.sha256(), stated)) {
            try {
                java.nio.file.Files.deleteIfExists(spooled.path());
            } catch (IOException e) {
                LOG.debug("cannot delete spool file {}: {}", spooled.path(), e.toString());
            }
            throw new MediaDownloadException(0, "sha256_mismatch", "the bytes' sha256 " + spooled.sha256()
                    + " is not the one the provider states (" + stated + ")", true);
        }
        return spooled;
    }

    /**
     * @param spooled the download
     * @param item    the item
     * @return the MIME type to store the bytes with: the answer's {@code Content-Type}, else the webhook's
     */
    public String mime(MediaSpool.Spooled spooled, MediaItem item) {
        String m = spooled.mime();
        return m != null && !m.isBlank() && !"application/octet-stream".equals(m) || item.mime() == null ? m
                : item.mime();
    }

    /**
     * The lifecycle update that projects a stored item onto its message ({@code media.stored} or
     * {@code attachments[n].stored}), and counts the download ({@code gateway.media.downloads}, outcome
     * {@code stored}, or {@code duplicate} when the store held those bytes already).
     *
     * @param job      the claimed job
     * @param stored   what the store holds now
     * @param existing what the store held under that hash before the put, or null
     * @return the update for {@code messageLifecycle.keep}
     */
    public LifecycleUpdate storedUpdate(MediaJob job, StoredObject stored, StoredObject existing) {
        Metrics.counter("gateway.media.downloads", "provider", String.valueOf(job.item().provider()), "outcome",
                existing != null ? "duplicate" : "stored").increment();
        ObjectNode raw = mapper.createObjectNode().put("n", job.item().n());
        raw.set("stored", storedNode(stored));
        return update(job.item(), job.item().n() + ":stored", raw);
    }

    /**
     * Records the job {@code stored} (state, {@code stored}, top-level {@code sha256}), under its claim's version.
     *
     * @param job       the claimed job
     * @param stored    what the store holds
     * @param exchange  the worker's exchange (its redeliveries, counted by {@link MediaDownloadRetried}, count the
     *                  attempts)
     */
    public void markStored(MediaJob job, StoredObject stored, Exchange exchange) {
        ObjectNode doc = job.doc().deepCopy();
        doc.put("state", "stored");
        doc.set("stored", storedNode(stored));
        doc.put("sha256", stored.sha256());
        doc.put("attempts", doc.path("attempts").asInt() + attemptsOf(exchange));
        doc.remove("lease_until");
        doc.remove("error");
        doc.put("updated_at", clock.instant().toString());
        if (write(new MediaJob(job.item(), job.seqNo(), job.primaryTerm(), job.doc()), doc) == null) {
            LOG.info("Media job {} was stored, but its job changed meanwhile (a worker took over an expired lease)",
                    job.id());
        }
    }

    private ObjectNode storedNode(StoredObject stored) {
        ObjectNode s = mapper.createObjectNode();
        s.put("key", stored.key());
        s.put("sha256", stored.sha256());
        s.put("size_bytes", stored.sizeBytes());
        s.put("mime", stored.mime());
        s.put("stored_at", clock.instant().toString());
        s.put("store", stored.store());
        return s;
    }

    /**
     * The lifecycle update that projects a failed item onto its message ({@code media.download_error}), after the last
     * attempt or a final failure, and counts it ({@code gateway.media.downloads}, outcome {@code failed}). Called by
     * the dead-letter route with variables {@code job} (null when the item was never claimed) and {@code media}.
     *
     * @param exchange the failed exchange (its caught exception and redelivery counter)
     * @return the update, or null when the item was never claimed (left to recovery)
     */
    public LifecycleUpdate failedUpdate(Exchange exchange) {
        MediaJob job = exchange.getVariable("job", MediaJob.class);
        if (job == null) {
            return null;
        }
        Metrics.counter("gateway.media.downloads", "provider", String.valueOf(job.item().provider()), "outcome",
                "failed").increment();
        ObjectNode error = errorNode(exchange);
        error.put("at", clock.instant().toString());
        error.put("attempts", job.doc().path("attempts").asInt() + attemptsOf(exchange));
        ObjectNode raw = mapper.createObjectNode().put("n", job.item().n());
        raw.set("download_error", error);
        return update(job.item(), job.item().n() + ":failed:" + clock.instant().toEpochMilli(), raw);
    }

    /**
     * Records the job {@code failed} with its {@code error}, under its claim's version (an entry another worker took
     * over meanwhile is left alone).
     *
     * @param exchange the failed exchange, with variable {@code job}
     * @return true when the job was marked failed (then it is dead-lettered)
     */
    public boolean markFailed(Exchange exchange) {
        MediaJob job = exchange.getVariable("job", MediaJob.class);
        if (job == null) {
            return false;
        }
        ObjectNode doc = job.doc().deepCopy();
        doc.put("state", "failed");
        ObjectNode error = errorNode(exchange);
        doc.set("error", error);
        doc.put("attempts", doc.path("attempts").asInt() + attemptsOf(exchange));
        doc.remove("lease_until");
        doc.put("updated_at", clock.instant().toString());
        return write(job, doc) != null;
    }

    private ObjectNode errorNode(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (e == null) {
            e = exchange.getException();
        }
        MediaDownloadException media = e == null ? null : findMediaFailure(e);
        ObjectNode error = mapper.createObjectNode();
        error.put("reason", media != null ? media.getReason() : "error");
        error.put("status", media != null ? media.getStatus() : 0);
        error.put("message", media != null ? media.getMessage() : e == null ? null : String.valueOf(e.getMessage()));
        error.put("final", media != null && media.isFinal());
        return error;
    }

    /**
     * The {@code onWhen} of the worker's final-failure rule: a {@link MediaDownloadException} anywhere in the cause
     * chain (a provider route that calls its bean as an expression gets it wrapped) that says it is final.
     *
     * @param exchange the failed exchange
     * @return true when retrying cannot help (no redelivery)
     */
    public boolean finalFailure(Exchange exchange) {
        Throwable e = exchange.getException();
        if (e == null) {
            e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        }
        MediaDownloadException media = e == null ? null : findMediaFailure(e);
        return media != null && media.isFinal();
    }

    private static MediaDownloadException findMediaFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MediaDownloadException m) {
                return m;
            }
        }
        return null;
    }

    private static int attemptsOf(Exchange exchange) {
        Integer redeliveries = exchange == null ? null
                : exchange.getVariable(MediaDownloadRetried.REDELIVERIES, Integer.class);
        return 1 + (redeliveries == null ? 0 : redeliveries);
    }

    private static LifecycleUpdate update(MediaItem item, String eventId, ObjectNode raw) {
        Instant now = Instant.now();
        return new LifecycleUpdate(item.provider(), item.accountId(), item.messageId(), item.chatId(), UPDATE, null,
                null, null, eventId, null, now, now, raw);
    }

    // ---- 4. replay and recovery ------------------------------------------------------------------------------------

    /**
     * Puts a {@code failed} job back to {@code pending} (an operator's replay of its dead letter), its error cleared.
     *
     * @param jobId the job's {@code _id}
     * @return the item to hand to a worker, or null when there is nothing to redo (no such job, or stored)
     */
    public MediaItem requeue(String jobId) {
        ensureIndex();
        MediaJob current = read(jobId);
        if (current == null || "stored".equals(current.doc().path("state").asText())) {
            return null;
        }
        ObjectNode doc = current.doc().deepCopy();
        doc.put("state", "pending");
        doc.remove("error");
        doc.remove("lease_until");
        doc.put("updated_at", clock.instant().toString());
        return write(current, doc) == null ? null : current.item();
    }

    /**
     * What a restart, or another instance, must resume: (a) jobs {@code pending}, or {@code claimed} with an expired
     * lease; (b) messages still {@code media_download: pending} received more than {@code recoveryGraceMs} ago whose
     * items have no job (a gateway stopped between the write and the claim). The claim decides who works on each.
     *
     * @return the items, at most {@code recoverySize} of each kind, oldest first
     */
    public List<MediaItem> recoverable() {
        if (!enabled) {
            return List.of();
        }
        ensureIndex();
        String now = clock.instant().toString();
        Map<String, MediaItem> items = new LinkedHashMap<>();
        try {
            SearchResponse<ObjectNode> jobs = store.client().search(s -> s.index(mediaIndex).size(recoverySize)
                    .sort(so -> so.field(f -> f.field("created_at").order(SortOrder.Asc)))
                    .query(q -> q.bool(b -> b
                            .should(sh -> sh.term(t -> t.field("state").value("pending")))
                            .should(sh -> sh.bool(bb -> bb
                                    .filter(f -> f.term(t -> t.field("state").value("claimed")))
                                    .filter(f -> f.range(r -> r.date(d -> d.field("lease_until").lt(now))))))
                            .minimumShouldMatch("1"))), ObjectNode.class);
            for (Hit<ObjectNode> hit : jobs.hits().hits()) {
                items.put(hit.id(), itemOf(hit.id(), hit.source()));
            }
            String before = clock.instant().minusMillis(recoveryGraceMs).toString();
            SearchResponse<ObjectNode> messages = store.client().search(s -> s.index(store.getMessagesIndex())
                    .size(recoverySize)
                    .sort(so -> so.field(f -> f.field("received_at").order(SortOrder.Asc)))
                    .query(q -> q.bool(b -> b
                            .filter(f -> f.term(t -> t.field("media_download").value("pending")))
                            .filter(f -> f.range(r -> r.date(d -> d.field("received_at").lt(before))))))
                    .source(src -> src.filter(f -> f.includes("provider", "account_id", "message_id", "chat_id",
                            "type", "media", "attachments"))), ObjectNode.class);
            List<MediaItem> candidates = new ArrayList<>();
            for (Hit<ObjectNode> hit : messages.hits().hits()) {
                candidates.addAll(items(hit.id(), hit.source()));
            }
            if (!candidates.isEmpty()) {
                MgetResponse<ObjectNode> existing = store.client().mget(m -> m.index(mediaIndex)
                        .ids(candidates.stream().map(MediaItem::jobId).toList())
                        .sourceExcludes("*"), ObjectNode.class);
                Set<String> found = new java.util.HashSet<>();
                existing.docs().forEach(d -> {
                    if (d.isResult() && d.result().found()) {
                        found.add(d.result().id());
                    }
                });
                candidates.stream().filter(i -> !found.contains(i.jobId())).forEach(i -> items.put(i.jobId(), i));
            }
            return new ArrayList<>(items.values());
        } catch (ElasticsearchException e) {
            if ("index_not_found_exception".equals(e.error().type())) {
                indexReady = false;
                return new ArrayList<>(items.values());
            }
            throw e;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot search media downloads", e);
        }
    }

    // ---- the job index ---------------------------------------------------------------------------------------------

    /**
     * @param jobId the job's {@code _id}
     * @return the job as stored, or null
     */
    public MediaJob read(String jobId) {
        ensureIndex();
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(mediaIndex).id(jobId), ObjectNode.class);
            return r.found() ? new MediaJob(itemOf(jobId, r.source()), r.seqNo(), r.primaryTerm(), r.source()) : null;
        } catch (ElasticsearchException e) {
            throw failure("cannot read media job " + jobId, e);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read media job " + jobId, e);
        }
    }

    private MediaJob read(MediaItem item) {
        MediaJob job = read(item.jobId());
        return job == null ? null : new MediaJob(item, job.seqNo(), job.primaryTerm(), job.doc());
    }

    /** The item a job document describes. */
    static MediaItem itemOf(String jobId, JsonNode doc) {
        return new MediaItem(jobId, doc.path("message_doc_id").asText(null), doc.path("provider").asText(null),
                doc.path("account_id").asText(null), doc.path("message_id").asText(null),
                doc.path("chat_id").asText(null), doc.path("n").asInt(), doc.path("type").asText(null),
                doc.path("mime").asText(null), doc.path("url").asText(null), doc.path("media_id").asText(null),
                doc.path("filename").asText(null),
                doc.hasNonNull("size_bytes") ? doc.get("size_bytes").asLong() : null,
                doc.path("expected_sha256").asText(null));
    }

    /** Writes {@code doc} only if the job is still at {@code base}'s version; null when it was not. */
    private MediaJob write(MediaJob base, ObjectNode doc) {
        try {
            IndexResponse r = store.client().index(i -> i.index(mediaIndex).id(base.id()).document(doc)
                    .requireAlias(true).ifSeqNo(base.seqNo()).ifPrimaryTerm(base.primaryTerm()));
            return new MediaJob(base.item(), r.seqNo(), r.primaryTerm(), doc);
        } catch (ElasticsearchException e) {
            if (e.status() == 409) {
                return null;
            }
            throw failure("cannot update media job " + base.id(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot update media job " + base.id(), e);
        }
    }

    private RuntimeException failure(String what, ElasticsearchException e) {
        if (e.status() == 404) { // the alias is missing (require_alias): re-created before the next call
            indexReady = false;
            return new StoreUnavailableException(what + ": " + e.getMessage(), e);
        }
        return e;
    }

    private boolean leaseExpired(JsonNode doc) {
        JsonNode lease = doc.get("lease_until");
        return lease == null || lease.isNull() || Instant.parse(lease.asText()).isBefore(clock.instant());
    }

    private void ensureIndex() {
        if (!indexReady) {
            ensureIndexSlow();
        }
    }

    private synchronized void ensureIndexSlow() {
        if (!indexReady) {
            store.ensureIndex(mediaIndex, "elasticsearch/media-mapping.json");
            indexReady = true;
        }
    }

    /** Creates the job index if missing (at start, so the serving route and operators can query it at once). */
    public void start() {
        ensureIndex();
    }

    /** Forgets that the index exists (after it was deleted): it is created again before the next call. */
    public void resetIndex() {
        indexReady = false;
    }

    /** @param mediaIndex alias of the job index ({@code whatsapp-media}) */
    public void setMediaIndex(String mediaIndex) {
        this.mediaIndex = mediaIndex;
    }

    /** @return alias of the job index */
    public String getMediaIndex() {
        return mediaIndex;
    }

    /** @param enabled false: no message is marked pending and nothing is downloaded ({@code gateway.media.enabled}) */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @param leaseMs how long a claim holds a job before another worker may take it over, ms */
    public void setLeaseMs(long leaseMs) {
        this.leaseMs = leaseMs;
    }

    /** @param recoveryGraceMs a pending message younger than this is left to its own enqueue, ms */
    public void setRecoveryGraceMs(long recoveryGraceMs) {
        this.recoveryGraceMs = recoveryGraceMs;
    }

    /** @param recoverySize most jobs, and most messages, one recovery run reads */
    public void setRecoverySize(int recoverySize) {
        this.recoverySize = recoverySize;
    }

    /** @param clock the clock leases are measured with (tests move it) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
