package io.wagateway.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.ops.LogMask;
import io.wagateway.store.ElasticsearchStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache-first names for chats and senders ({@code chat_name}, {@code sender_name}), three tiers:
 * <ol>
 *   <li>a bounded in-memory Caffeine cache ({@code maximumSize} entries, {@code ttlSeconds} after write);</li>
 *   <li>the Elasticsearch index {@code whatsapp-names}, shared by every instance and kept across restarts;</li>
 *   <li>the provider's API, through the route {@code direct:name-lookup} ({@code routes/enrichment.camel.yaml}),
 *       which says per provider which endpoint answers.</li>
 * </ol>
 * Names found in payloads (Meta {@code contacts[].profile.name}, WAHA push name, Unipile attendee name) are learned
 * without any call. Concurrent misses for one key share one load (Caffeine's {@link AsyncCache}), so a chat costs at
 * most one API call until its entry expires. A failing or slow lookup never blocks or loses the message: after
 * {@code lookupTimeoutMs} the message goes on without the name (counted), the failed load is not cached and is
 * retried on a later message.
 *
 * <p>Cache key: {@code {provider}:{account_id}:{chat|contact}:{id}}; it is also the names document's {@code _id}.
 */
public class EnrichmentCache implements CamelContextAware {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;
    private CamelContext camelContext;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    private static final Logger LOG = LoggerFactory.getLogger(EnrichmentCache.class);

    private long maximumSize = 100_000;
    private long ttlSeconds = 86_400;
    private long lookupTimeoutMs = 1_500;
    private int lookupThreads = 8;
    private boolean enabled = true;

    private AsyncCache<String, Optional<String>> memory;
    private ExecutorService executor;
    private ProducerTemplate producer;

    /** Creates the in-memory tier and the lookup executor; idempotent (also called lazily on first use). */
    public synchronized void start() {
        if (memory != null) {
            return;
        }
        executor = Executors.newFixedThreadPool(lookupThreads, r -> {
            Thread t = new Thread(r, "names-lookup");
            t.setDaemon(true);
            return t;
        });
        memory = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(Duration.ofSeconds(ttlSeconds))
                .executor(executor)
                .recordStats()
                .buildAsync();
        producer = getCamelContext().createProducerTemplate();
        LOG.info("Names enrichment {}: memory {} entries / {} s, then Elasticsearch index {}, then provider APIs"
                + " (lookup timeout {} ms)", enabled ? "on" : "OFF", maximumSize, ttlSeconds, store.getNamesIndex(),
                lookupTimeoutMs);
    }

    /** Stops the lookup executor. */
    public void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /**
     * Fills {@code chat_name} and {@code sender_name} of a message, learning names the payload carries first.
     *
     * @param message the canonical message
     * @return completes, within {@code lookupTimeoutMs}, with the message carrying the names that could be found
     *         (possibly none); never completes exceptionally
     */
    public CompletableFuture<CanonicalMessage> enrich(CanonicalMessage message) {
        if (memory == null) {
            start();
        }
        if (!enabled) {
            return CompletableFuture.completedFuture(message);
        }
        boolean group = !"direct".equals(message.chatType());
        // in a direct chat an inbound message's sender is the other party: its name is the chat's name
        boolean senderIsChat = !group && !message.fromMe();
        String chatKey = key(message, "chat", message.chatId());
        String senderKey = key(message, "contact", message.senderId());
        if (message.senderName() != null && !message.fromMe() && message.senderId() != null) {
            learn(senderKey, message, "contact", message.senderId(), message.senderName());
            if (senderIsChat && message.chatId() != null) {
                learn(chatKey, message, "chat", message.chatId(), message.senderName());
            }
        }
        if (message.chatName() != null && message.chatId() != null) {
            learn(chatKey, message, "chat", message.chatId(), message.chatName());
        }

        CompletableFuture<Optional<String>> chat = message.chatName() != null || message.chatId() == null
                ? CompletableFuture.completedFuture(Optional.empty())
                : lookup(chatKey, message, "chat", message.chatId());
        CompletableFuture<Optional<String>> sender = message.senderName() != null || message.fromMe()
                || message.senderId() == null || senderIsChat
                ? CompletableFuture.completedFuture(Optional.empty())
                : lookup(senderKey, message, "contact", message.senderId());

        CompletableFuture<CanonicalMessage> enriched = chat.thenCombine(sender, (c, s) -> {
            String chatName = c.orElse(null);
            String senderName = s.orElse(null);
            if (senderName == null && senderIsChat) {
                senderName = chatName;
            }
            return message.withNames(chatName, senderName);
        });
        return enriched.completeOnTimeout(null, lookupTimeoutMs, TimeUnit.MILLISECONDS)
                .exceptionally(e -> null)
                .thenApply(m -> {
                    if (m == null) {
                        Metrics.counter("gateway.enrichment.incomplete", "provider", message.provider()).increment();
                        return message;
                    }
                    return m;
                });
    }

    private CompletableFuture<Optional<String>> lookup(String key, CanonicalMessage m, String kind, String id) {
        if (memory.getIfPresent(key) != null) {
            GatewayMetrics.cache(m.provider(), true);
        }
        return memory.get(key, (k, ex) -> fromIndex(k, m).thenCompose(known -> known != null
                        ? CompletableFuture.completedFuture(known)
                        : CompletableFuture.supplyAsync(() -> fromApi(k, m, kind, id), ex)))
                .exceptionally(e -> Optional.empty());
    }

    /**
     * The Elasticsearch tier: a batched real-time read (concurrent misses share one {@code _mget}; no thread waits).
     *
     * @return the name (maybe empty: known to have none), or null when the index does not know the key
     */
    private CompletableFuture<Optional<String>> fromIndex(String key, CanonicalMessage m) {
        return store.lookup(store.getNamesIndex(), key).handle((doc, failure) -> {
            if (failure != null) {
                LOG.debug("names index read failed for {}: {}", key, failure.toString());
                return null;
            }
            if (doc.isEmpty()) {
                return null;
            }
            Metrics.counter("gateway.enrichment.lookups", "provider", m.provider(), "tier", "elasticsearch").increment();
            GatewayMetrics.cache(m.provider(), true);
            JsonNode name = doc.get().get("name");
            return Optional.ofNullable(name == null || name.isNull() ? null : name.asText());
        });
    }

    /** The provider API tier (a blocking HTTP call, on the lookup threads); runs once per key at a time. */
    private Optional<String> fromApi(String key, CanonicalMessage m, String kind, String id) {
        GatewayMetrics.cache(m.provider(), false);
        Map<String, Object> headers = new HashMap<>();
        headers.put("provider", m.provider());
        headers.put("accountId", m.accountId());
        headers.put("lookupKind", kind);
        headers.put("lookupId", id);
        headers.put("chatType", m.chatType());
        Object answer;
        try {
            answer = producer.requestBodyAndHeaders("direct:name-lookup", null, headers);
        } catch (Exception e) {
            Metrics.counter("gateway.enrichment.failures", "provider", m.provider(), "kind", kind).increment();
            io.wagateway.ops.RateLimitedLog.warn(LOG, "names-lookup:" + m.provider() + ":" + kind,
                    "Name lookup for {} {} of {} failed; stored without it, retried on a later message: {}", kind,
                    LogMask.id(id), m.provider(), rootMessage(e));
            throw e;
        }
        String name = answer == null ? null : answer.toString().strip();
        if (name == null || name.isEmpty()) {
            return Optional.empty(); // the provider knows no name: remembered in memory only, until the TTL
        }
        Metrics.counter("gateway.enrichment.lookups", "provider", m.provider(), "tier", "api").increment();
        save(key, m, kind, id, name, "api");
        return Optional.of(name);
    }

    private void learn(String key, CanonicalMessage m, String kind, String id, String name) {
        Optional<String> known = memory.synchronous().policy().getIfPresentQuietly(key);
        if (known != null && name.equals(known.orElse(null))) {
            return;
        }
        memory.put(key, CompletableFuture.completedFuture(Optional.of(name)));
        executor.execute(() -> save(key, m, kind, id, name, "payload"));
    }

    private void save(String key, CanonicalMessage m, String kind, String id, String name, String source) {
        try {
            write(key, m.provider(), m.accountId(), kind, id, name, source);
        } catch (Exception e) {
            // not kept: forget it in memory too, so a later message that carries the name writes it again
            memory.synchronous().invalidate(key);
            LOG.debug("names index write failed for {}: {}", key, e.toString());
        }
    }

    /**
     * Writes a name document: a partial update (upsert), so the fields others keep in it ({@code linked_ids} of
     * {@link IdentityLinks}) stay.
     *
     * @throws Exception when Elasticsearch does not take it (after one re-creation of a missing alias)
     */
    private void write(String key, String provider, String accountId, String kind, String id, String name,
            String source) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode doc =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        doc.put("provider", provider);
        doc.put("account_id", accountId);
        doc.put("kind", kind);
        doc.put("id", id);
        if (name == null) {
            doc.putNull("name");
        } else {
            doc.put("name", name);
        }
        doc.put("source", source);
        doc.put("updated_at", Instant.now().toString());
        for (int attempt = 1; ; attempt++) {
            try {
                // requireAlias: before start-up created the alias (or after it was deleted) the write fails instead
                // of auto-creating a concrete index named like the alias, which would block the alias for good
                store.client().update(u -> u.index(store.getNamesIndex()).id(key).doc(doc).docAsUpsert(true)
                        .requireAlias(true).retryOnConflict(3), com.fasterxml.jackson.databind.node.ObjectNode.class);
                return;
            } catch (Exception e) {
                if (attempt == 1 && e instanceof co.elastic.clients.elasticsearch._types.ElasticsearchException ee
                        && ee.status() == 404) {
                    store.resetIndices(); // the alias is gone: the store re-creates its aliases, then once more
                    if (store.notReady() == null) {
                        continue;
                    }
                }
                throw e;
            }
        }
    }

    /**
     * Names (or forgets the name of) a person's chat and contact, in memory and in the index, before returning: used
     * for the names a provider's address-book events carry (Meta {@code smb_app_state_sync}).
     *
     * @param provider  provider id
     * @param accountId our account
     * @param id        the chat / contact id
     * @param name      the name, or null to forget it (the document stays, with its links)
     * @throws io.wagateway.store.StoreUnavailableException when Elasticsearch does not take it
     */
    public void rename(String provider, String accountId, String id, String name) {
        start();
        for (String kind : new String[] {"chat", "contact"}) {
            String key = key(provider, accountId, kind, id);
            try {
                write(key, provider, accountId, kind, id, name, name == null ? "removed" : "address_book");
            } catch (Exception e) {
                memory.synchronous().invalidate(key);
                throw new io.wagateway.store.StoreUnavailableException("cannot write the name of " + LogMask.id(id), e);
            }
            memory.put(key, CompletableFuture.completedFuture(Optional.ofNullable(name)));
        }
    }

    private static String key(CanonicalMessage m, String kind, String id) {
        return key(m.provider(), m.accountId(), kind, id);
    }

    /**
     * @return the names cache key and names document {@code _id}: {@code {provider}:{account_id}:{kind}:{id}}
     */
    static String key(String provider, String accountId, String kind, String id) {
        return provider + ":" + accountId + ":" + kind + ":" + id;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * Memory-tier statistics: every chat or sender name a message needed counts one request; a hit was answered from
     * memory, a miss went to Elasticsearch and, failing that, to the provider API.
     *
     * @return Caffeine's statistics of the memory tier
     */
    public CacheStats stats() {
        start();
        return memory.synchronous().stats();
    }

    /** Empties the memory tier (the Elasticsearch tier stays), as a restart would. */
    public void invalidateMemory() {
        start();
        memory.synchronous().invalidateAll();
    }





    /** @param maximumSize bound of the memory tier, in entries */
    public void setMaximumSize(long maximumSize) {
        this.maximumSize = maximumSize;
    }

    /** @param ttlSeconds how long a memory entry lives after it was written, in seconds */
    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }

    /** @param lookupTimeoutMs how long a message waits for its names before it is stored without them, in ms */
    public void setLookupTimeoutMs(long lookupTimeoutMs) {
        this.lookupTimeoutMs = lookupTimeoutMs;
    }

    /** @param lookupThreads threads that load names from Elasticsearch and provider APIs */
    public void setLookupThreads(int lookupThreads) {
        this.lookupThreads = lookupThreads;
    }

    /** @param enabled false to store messages without looking names up */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }
}
