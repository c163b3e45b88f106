package io.wagateway.deadletter;

import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.NoCopyByteArrayOutputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable end of the dead-letter channel: keeps what the gateway could not process with its exact raw bytes,
 * headers (secrets redacted), route id, error, attempt count and an optional reference (exchange property
 * {@code deadLetterRef}, e.g. the reply outbox id), in the Elasticsearch index
 * {@code whatsapp-dead-letters}; when Elasticsearch cannot take it, appends it as one JSON line to a local journal
 * file ({@code <journalDir>/dead-letters-YYYY-MM-DD.jsonl}, fsync'd). A large body is held once besides the received
 * bytes (issue 15 item 8): the document refers to the received {@code byte[]}, and is serialised once, its base64
 * written by the generator into a buffer sized for it; that buffer goes to Elasticsearch, or to the journal.
 */
public class DeadLetterStore {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final Set<String> SECRET_HINTS = Set.of("signature", "hmac", "auth", "secret", "token", "api-key",
            "apikey", "cookie", "password");

    private String journalDir = ".local/dead-letters";
    private long writeTimeoutMs = 5000;
    private int rawTextMaxBytes = 64 * 1024;
    private static final byte[] NEWLINE = {'\n'};
    private final ObjectMapper mapper = JsonMapperFactory.create();

    /**
     * Records the exchange as a dead letter. Never throws: the last resort is the journal, then the log.
     *
     * @param exchange the failed exchange; the raw body is taken from property {@code rawBody} or the body
     * @param reason   short reason, e.g. {@code malformed-json}, {@code rejected-document}, {@code retries-exhausted}
     */
    public void record(Exchange exchange, String reason) {
        Map<String, Object> doc = toDocument(exchange, reason);
        Metrics.counter("gateway.dead_letters", "provider", String.valueOf(doc.get("provider")), "reason", reason)
                .increment();
        BinaryData json;
        try {
            json = serialise(doc);
        } catch (IOException e) {
            LOG.error("Dead letter could not be serialised ({}); raw body base64={}", e, base64Of(doc));
            return;
        }
        try {
            // the serialised document itself goes into the bulk request: the client does not serialise it again
            store.createDocument(store.getDeadLettersIndex(), (String) doc.get("id"), json)
                    .get(writeTimeoutMs, TimeUnit.MILLISECONDS);
            io.wagateway.ops.RateLimitedLog.warn(LOG, "dead-letter:" + reason,
                    "Dead letter kept in Elasticsearch: provider={} route={} reason={} error={}", doc.get("provider"),
                    doc.get("route_id"), reason, doc.get("error"));
        } catch (Exception e) {
            journal(doc, json, e);
        }
    }

    /**
     * Serialises the document once, into a buffer sized for it: the body's base64 is written by the generator from
     * the received {@code byte[]} (no base64 string, no JSON string, no buffer regrowth for a large body). This one
     * buffer is what Elasticsearch receives (the client sends a {@link BinaryData} document as it is), or what the
     * journal appends.
     *
     * @param doc a document from {@link #toDocument}
     * @return its JSON, {@code application/json}
     * @throws IOException when Jackson cannot write it
     */
    public BinaryData serialise(Map<String, Object> doc) throws IOException {
        long rawBytes = doc.get("raw_body_base64") instanceof byte[] raw ? raw.length : 0;
        long textBytes = doc.get("raw_body") instanceof String text ? 2L * text.length() : 0;
        long estimate = (rawBytes + 2) / 3 * 4 + textBytes + 16 * 1024;
        NoCopyByteArrayOutputStream out =
                new NoCopyByteArrayOutputStream((int) Math.min(estimate, Integer.MAX_VALUE - 64));
        mapper.writeValue(out, doc);
        return BinaryData.of(out.array(), 0, out.size(), "application/json");
    }

    private static Object base64Of(Map<String, Object> doc) {
        Object raw = doc.get("raw_body_base64");
        return raw instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : raw;
    }

    /**
     * Appends the serialised dead letter as one JSON line: the same buffer that was meant for Elasticsearch, written
     * as it is (a 3 MB body used to be copied four more times here: JSON string, concatenation, UTF-8 bytes).
     */
    private void journal(Map<String, Object> doc, BinaryData json, Exception cause) {
        Path file = Path.of(journalDir, "dead-letters-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
        try {
            Files.createDirectories(file.getParent());
            try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                ByteBuffer[] line = {json.asByteBuffer(), ByteBuffer.wrap(NEWLINE)};
                while (line[1].hasRemaining()) {
                    channel.write(line);
                }
                channel.force(true);
            }
            io.wagateway.ops.RateLimitedLog.warn(LOG, "dead-letter-journaled:" + doc.get("reason"),
                    "Dead letter journaled to {} (Elasticsearch unavailable: {}): provider={} reason={}", file,
                    cause.toString(), doc.get("provider"), doc.get("reason"));
        } catch (IOException e) {
            LOG.error("Dead letter could not be kept anywhere (journal {}: {}); raw body base64={}", file, e,
                    base64Of(doc));
        }
    }

    /**
     * Builds the dead-letter document. The raw body is not copied: {@code raw_body_base64} holds the exchange's
     * {@code byte[]} itself, written as base64 when the document is serialised; {@code raw_body} (the body as UTF-8
     * text, for reading) is added only for bodies of at most {@code rawTextMaxBytes} that are valid UTF-8.
     *
     * @param exchange the failed exchange
     * @param reason   short reason
     * @return the document fields ({@code raw_body_base64} a {@code byte[]})
     */
    public Map<String, Object> toDocument(Exchange exchange, String reason) {
        byte[] raw = exchange.getProperty("rawBody", byte[].class);
        if (raw == null) {
            raw = exchange.getMessage().getBody(byte[].class);
        }
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (error == null) {
            error = exchange.getException();
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        exchange.getMessage().getHeaders().forEach((k, v) -> {
            if (k.startsWith("Camel") || k.startsWith("camel")) {
                return;
            }
            String lower = k.toLowerCase(Locale.ROOT);
            boolean secret = SECRET_HINTS.stream().anyMatch(lower::contains);
            headers.put(k, secret ? "[redacted]" : String.valueOf(v));
        });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", java.util.UUID.randomUUID().toString());
        doc.put("provider", exchange.getProperty("provider", "unknown", String.class));
        // a webhook of a tenant's path: its tenant and entry, so an admin replay qualifies it the same way
        String tenant = exchange.getProperty(io.wagateway.inbound.TenantWebhooks.TENANT, String.class);
        if (!io.wagateway.inbound.TenantWebhooks.isDefault(tenant)) {
            doc.put("tenant", tenant);
            doc.put("tenant_entry", exchange.getProperty(io.wagateway.inbound.TenantWebhooks.ENTRY, "", String.class));
        }
        doc.put("route_id", exchange.getFromRouteId());
        doc.put("reason", reason);
        doc.put("ref", exchange.getProperty("deadLetterRef", String.class));
        doc.put("error", error == null ? null : error.getMessage());
        doc.put("exception_class", error == null ? null : error.getClass().getName());
        doc.put("content_type", exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class));
        if (raw != null) {
            // the text form, for people reading the index, only for small bodies: a large body is kept once
            if (raw.length <= rawTextMaxBytes) {
                doc.put("raw_body", utf8OrNull(raw));
            }
            // the bytes themselves, not a copy: Jackson writes a byte[] as base64, encoding it as it streams the
            // document (to the bulk request or the journal), so no base64 string of the body is ever built
            doc.put("raw_body_base64", raw);
            doc.put("raw_body_bytes", raw.length);
        }
        doc.put("headers", headers);
        doc.put("attempts", 1 + exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
        doc.put("received_at", Instant.now().toString());
        return doc;
    }

    /**
     * Moves journaled dead letters into Elasticsearch (a timer route calls this): each line is written
     * create-if-absent under its {@code id}, and a journal file is deleted once every line of it is confirmed.
     * Stops at the first failure (Elasticsearch still down) and leaves the rest for the next run.
     *
     * @return how many dead letters were moved
     */
    @SuppressWarnings("unchecked")
    public synchronized int drainJournal() {
        Path dir = Path.of(journalDir);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int moved = 0;
        List<Path> files;
        try (var listing = Files.list(dir)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            LOG.warn("cannot list the dead-letter journal {}: {}", dir, e.toString());
            return 0;
        }
        for (Path file : files) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Map<String, Object> doc = mapper.readValue(line, Map.class);
                    store.storeDeadLetter(doc).get(writeTimeoutMs, TimeUnit.MILLISECONDS);
                    moved++;
                }
                Files.delete(file);
                LOG.info("Dead-letter journal {} drained into Elasticsearch", file);
            } catch (Exception e) {
                LOG.debug("dead-letter journal {} not drained yet: {}", file, e.toString());
                break;
            }
        }
        return moved;
    }

    private static String utf8OrNull(byte[] raw) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }


    /** @param journalDir directory of the local append-only journal used when Elasticsearch is down */
    public void setJournalDir(String journalDir) {
        this.journalDir = journalDir;
    }

    /**
     * @param rawTextMaxBytes largest body (bytes) also kept as readable text ({@code raw_body}); larger bodies are kept
     *                        once, as {@code raw_body_base64} only
     */
    public void setRawTextMaxBytes(int rawTextMaxBytes) {
        this.rawTextMaxBytes = rawTextMaxBytes;
    }

    /** @param writeTimeoutMs how long to wait for Elasticsearch before journaling, in ms */
    public void setWriteTimeoutMs(long writeTimeoutMs) {
        this.writeTimeoutMs = writeTimeoutMs;
    }
}
