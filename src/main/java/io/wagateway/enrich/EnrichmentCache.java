package io.wagateway.enrich;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.GatewayMetrics;
import io.wagateway.ops.LogMask;
import io.wagateway.ops.RateLimitedLog;
import io.wagateway.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory tier of the names enrichment ({@code routes/enrichment.camel.yaml}): a bounded Caffeine cache of
 * {@code chat_name} / {@code sender_name} ({@code maximumSize} entries, {@code ttlSeconds} after write) whose entries
 * may still be loading. The route asks it three things:
 * <ol>
 *   <li>{@link #claim}: learn the names the payload carries, and list the names this message is the first to miss
 *       (concurrent misses for one key share that one pending entry, so a chat costs one load);</li>
 *   <li>the route {@code names-load} loads them off the message's thread (names index, then the provider's API) and
 *       hands each result back through {@link #loaded} or {@link #failed};</li>
 *   <li>{@link #enrich}: the message's names, waiting at most {@code lookupTimeoutMs} without parking a thread.</li>
 * </ol>
 * A failed load is not cached, so a later message retries it; after a provider API failure, only once that name's
 * back-off ({@link NameLookupBackoff}) has ended (the route asks; {@link #skipped} ends a load it did not ask for).
 *
 * <p>Cache key: {@code {provider}:{account_id}:{chat|contact}:{id}}; it is also the names document's {@code _id}.
 */
public class EnrichmentCache {

    private static final Logger LOG = LoggerFactory.getLogger(EnrichmentCache.class);
    /** A load the route never answered (a bug, a rejected task) is dropped after this, so the key is asked again. */
    private static final long LOAD_BOUND_MS = 60_000;

    private long maximumSize = 100_000;
    private long ttlSeconds = 86_400;
    private long lookupTimeoutMs = 1_500;
    private boolean enabled = true;
    private NamesIndex namesIndex;

    private AsyncCache<String, Optional<String>> memory;

    /** Creates the memory tier; idempotent (also called lazily on first use). */
    public synchronized void start() {
        if (memory != null) {
            return;
        }
        memory = Caffeine.newBuilder().maximumSize(maximumSize).expireAfterWrite(Duration.ofSeconds(ttlSeconds))
                .recordStats().buildAsync();
        LOG.info("Names enrichment {}: memory {} entries / {} s, then the names index, then provider APIs"
                + " (lookup timeout {} ms)", enabled ? "on" : "OFF", maximumSize, ttlSeconds, lookupTimeoutMs);
    }

    /**
     * The memory tier's step: remembers the names the payload carries (Meta profile name, WAHA push name, Unipile
     * attendee name) and claims the names no one is loading yet.
     *
     * @param exchange its body the canonical message (kept); gets the header {@code nameLoads}, a list of
     *                 {@link NameLoad} to write back (source {@code payload}) and to load (source null), when there are
     *                 any (a bean step, not an expression: no exchange copy per message)
     */
    public void claim(Exchange exchange) {
        List<NameLoad> loads = loads(exchange.getMessage().getBody(CanonicalMessage.class));
        if (loads != null) {
            exchange.getMessage().setHeader("nameLoads", loads);
        }
    }

    private List<NameLoad> loads(CanonicalMessage message) {
        if (memory == null) {
            start();
        }
        if (!enabled) {
            return null;
        }
        List<NameLoad> loads = null;
        boolean senderIsChat = senderIsChat(message);
        if (message.senderName() != null && !message.fromMe() && message.senderId() != null) {
            loads = learn(loads, message, "contact", message.senderId(), message.senderName());
            if (senderIsChat && message.chatId() != null) {
                loads = learn(loads, message, "chat", message.chatId(), message.senderName());
            }
        }
        if (message.chatName() != null && message.chatId() != null) {
            loads = learn(loads, message, "chat", message.chatId(), message.chatName());
        }
        if (needsChat(message)) {
            loads = miss(loads, message, "chat", message.chatId());
        }
        if (needsSender(message, senderIsChat)) {
            loads = miss(loads, message, "contact", message.senderId());
        }
        return loads;
    }

    /**
     * Fills {@code chat_name} and {@code sender_name} from the memory tier, once its entries have loaded.
     *
     * @param message the canonical message (after {@link #claim})
     * @return completes, within {@code lookupTimeoutMs}, with the message carrying the names that could be found
     *         (possibly none); never completes exceptionally
     */
    public CompletableFuture<CanonicalMessage> enrich(CanonicalMessage message) {
        if (!enabled || memory == null) {
            return CompletableFuture.completedFuture(message);
        }
        boolean senderIsChat = senderIsChat(message);
        CompletableFuture<Optional<String>> chat = needsChat(message) ? entry(message, "chat", message.chatId()) : NONE;
        CompletableFuture<Optional<String>> sender = needsSender(message, senderIsChat)
                ? entry(message, "contact", message.senderId()) : NONE;
        if (chat == NONE && sender == NONE) {
            return CompletableFuture.completedFuture(message);
        }
        return chat.thenCombine(sender, (c, s) -> {
            String chatName = c.orElse(null);
            String senderName = s.orElse(null);
            return message.withNames(chatName, senderName == null && senderIsChat ? chatName : senderName);
        }).completeOnTimeout(null, lookupTimeoutMs, TimeUnit.MILLISECONDS).exceptionally(e -> null).thenApply(m -> {
            if (m == null) {
                Metrics.counter("gateway.enrichment.incomplete", "provider", message.provider()).increment();
                return message;
            }
            return m;
        });
    }

    /**
     * Completes a claimed load with what the names index or the provider's API answered (no name is remembered as
     * none, until the TTL).
     *
     * @param load the load, {@code source} {@code elasticsearch} or {@code api}
     */
    public void loaded(NameLoad load) {
        if ("elasticsearch".equals(load.source())) {
            Metrics.counter("gateway.enrichment.lookups", "provider", load.provider(), "tier", "elasticsearch")
                    .increment();
            GatewayMetrics.cache(load.provider(), true);
        } else {
            GatewayMetrics.cache(load.provider(), false);
            if (load.name() != null) {
                Metrics.counter("gateway.enrichment.lookups", "provider", load.provider(), "tier", "api").increment();
            }
        }
        if (load.result() != null) {
            load.result().complete(Optional.ofNullable(load.name()));
        }
    }

    /**
     * Fails a claimed load: counted, logged (rate-limited), not cached; a later message asks again (once the name's
     * back-off, {@link NameLookupBackoff}, has ended when the provider's API failed).
     *
     * @param load  the load
     * @param cause what failed
     */
    public void failed(NameLoad load, Exception cause) {
        if (load.result() == null) {
            return;
        }
        GatewayMetrics.cache(load.provider(), false);
        Metrics.counter("gateway.enrichment.failures", "provider", load.provider(), "kind", load.kind()).increment();
        RateLimitedLog.warn(LOG, "names-lookup:" + load.provider() + ":" + load.kind(),
                "Name lookup for {} {} of {} failed; stored without it, retried later: {}", load.kind(),
                LogMask.id(load.id()), load.provider(), rootMessage(cause));
        load.result().completeExceptionally(cause == null ? new IllegalStateException("name load failed") : cause);
    }

    /**
     * Ends a claimed load without asking the provider's API, because that name's lookups are backing off
     * ({@link NameLookupBackoff}): counted ({@code gateway.enrichment.backoff}), not cached, so the waiting messages go
     * on at once without the name and a message after the back-off asks again.
     *
     * @param load the load, not in the names index
     */
    public void skipped(NameLoad load) {
        if (load.result() == null) {
            return;
        }
        GatewayMetrics.cache(load.provider(), false);
        Metrics.counter("gateway.enrichment.backoff", "provider", load.provider(), "kind", load.kind()).increment();
        load.result().completeExceptionally(new IllegalStateException("name lookups backing off"));
    }

    /**
     * Forgets a name in memory after its write-back failed, so a later message that carries it writes it again.
     *
     * @param load the name not written
     */
    public void forget(NameLoad load) {
        memory.synchronous().invalidate(load.key());
        LOG.debug("names index write failed for {}", load.key());
    }

    /**
     * Names (or forgets the name of) a person's chat and contact, in the index and in memory, before returning: used
     * for the names a provider's address-book events carry (Meta {@code smb_app_state_sync}).
     *
     * @param provider  provider id
     * @param accountId our account
     * @param id        the chat / contact id
     * @param name      the name, or null to forget it (the document stays, with its links)
     * @throws StoreUnavailableException when Elasticsearch does not take it
     */
    public void rename(String provider, String accountId, String id, String name) {
        start();
        for (String kind : new String[] {"chat", "contact"}) {
            String key = key(provider, accountId, kind, id);
            try {
                namesIndex.upsert(key, provider, accountId, kind, id, name, name == null ? "removed" : "address_book");
            } catch (Exception e) {
                memory.synchronous().invalidate(key);
                throw new StoreUnavailableException("cannot write the name of " + LogMask.id(id), e);
            }
            memory.put(key, CompletableFuture.completedFuture(Optional.ofNullable(name)));
        }
    }

    private static final CompletableFuture<Optional<String>> NONE = CompletableFuture.completedFuture(Optional.empty());

    // in a direct chat an inbound message's sender is the other party: its name is the chat's name
    private static boolean senderIsChat(CanonicalMessage m) {
        return "direct".equals(m.chatType()) && !m.fromMe();
    }

    private static boolean needsChat(CanonicalMessage m) {
        return m.chatName() == null && m.chatId() != null;
    }

    private static boolean needsSender(CanonicalMessage m, boolean senderIsChat) {
        return m.senderName() == null && !m.fromMe() && m.senderId() != null && !senderIsChat;
    }

    private List<NameLoad> learn(List<NameLoad> loads, CanonicalMessage m, String kind, String id, String name) {
        String key = key(m.provider(), m.accountId(), kind, id);
        Optional<String> known = memory.synchronous().policy().getIfPresentQuietly(key);
        if (known != null && name.equals(known.orElse(null))) {
            return loads;
        }
        memory.put(key, CompletableFuture.completedFuture(Optional.of(name)));
        return add(loads, new NameLoad(key, m.provider(), m.accountId(), kind, id, m.chatType(), name, "payload", null));
    }

    private List<NameLoad> miss(List<NameLoad> loads, CanonicalMessage m, String kind, String id) {
        String key = key(m.provider(), m.accountId(), kind, id);
        CompletableFuture<Optional<String>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<String>> entry = memory.get(key, (k, executor) -> mine);
        if (entry != mine) {
            GatewayMetrics.cache(m.provider(), true); // known, or being loaded for an earlier message
            return loads;
        }
        mine.orTimeout(LOAD_BOUND_MS, TimeUnit.MILLISECONDS);
        return add(loads, new NameLoad(key, m.provider(), m.accountId(), kind, id, m.chatType(), null, null, mine));
    }

    private CompletableFuture<Optional<String>> entry(CanonicalMessage m, String kind, String id) {
        CompletableFuture<Optional<String>> entry = memory.asMap().get(key(m.provider(), m.accountId(), kind, id));
        return entry == null ? NONE : entry.exceptionally(e -> Optional.empty());
    }

    private static List<NameLoad> add(List<NameLoad> loads, NameLoad load) {
        List<NameLoad> list = loads == null ? new ArrayList<>(2) : loads;
        list.add(load);
        return list;
    }

    /**
     * @return the names cache key and names document {@code _id}: {@code {provider}:{account_id}:{kind}:{id}}
     */
    static String key(String provider, String accountId, String kind, String id) {
        return provider + ":" + accountId + ":" + kind + ":" + id;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t != null && t.getCause() != null) {
            t = t.getCause();
        }
        return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /**
     * Threads of the route {@code names-load} (the wire tap's executor): they wait for the names index and the
     * provider APIs, never a message's thread.
     *
     * @param threads pool size
     * @return a fixed pool of daemon threads named {@code names-lookup}
     */
    public static ExecutorService lookupPool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "names-lookup");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Memory-tier statistics: every chat or sender name a message needed counts one request; a hit was answered from
     * memory (or joined a load in flight), a miss was loaded from Elasticsearch or the provider API.
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

    /** @param enabled false to store messages without looking names up */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @param namesIndex the Elasticsearch tier, written by {@link #rename} */
    public void setNamesIndex(NamesIndex namesIndex) {
        this.namesIndex = namesIndex;
    }
}
