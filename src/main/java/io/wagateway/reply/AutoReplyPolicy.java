package io.wagateway.reply;

import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.ops.LogMask;
import io.wagateway.store.ElasticsearchStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which inbound messages get an AI reply: the channel ({@link #onChannel}), the age gate ({@link #recent}) and the
 * per-chat switch ({@link #allowed}).
 *
 * <p>Per-chat auto-reply switch. In order: a chat whose settings document names an {@code owner} other than
 * {@code app} (Meta's agent, a human, another app; written by {@link ChatOwners} from Meta's handovers) gets no reply;
 * then a document in the {@code whatsapp-chats} index
 * ({@code _id} = {@code {provider}:{account_id}:{chat_id}}, field {@code auto_reply}: true/false) changed at run
 * time wins; else a chat in {@code optOutChats} gets no reply; else, when {@code optInChats} is not empty, only the
 * chats listed there get replies. Chat ids in the lists may be bare ({@code 15550100001@c.us}) or qualified
 * ({@code waha:default:15550100001@c.us}). Documents are cached for {@code settingsCacheSeconds}.
 */
public class AutoReplyPolicy {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    private static final Logger LOG = LoggerFactory.getLogger(AutoReplyPolicy.class);

    private String settingsIndex = "whatsapp-chats";
    private long maxMessageAgeSeconds = 900;
    private Clock clock = Clock.systemUTC();
    private Set<String> optOut = Set.of();
    private Set<String> optIn = Set.of();
    private Set<String> channels = Set.of("WHATSAPP");
    private long settingsCacheSeconds = 10;
    private Cache<String, ChatSettings> settings;
    private volatile boolean indexReady;

    /**
     * The channel gate (issue 16 item 1): a message of a provider account that is not WhatsApp (Unipile
     * {@code account_type}, stored as {@code channel}: LINKEDIN, INSTAGRAM, TELEGRAM, ...) is stored but gets no AI
     * reply unless its channel is listed in {@code gateway.auto-reply.channels}. A message without a channel (every
     * WhatsApp-only provider) passes. Each skipped message is counted
     * ({@code gateway.auto_reply.skipped{reason=channel}}).
     *
     * @param message an inbound message
     * @return true when its channel may be answered
     */
    public boolean onChannel(CanonicalMessage message) {
        String channel = message.details().channel();
        if (channel == null || channels.contains("*") || channels.contains(channel.toUpperCase(java.util.Locale.ROOT))) {
            return true;
        }
        Metrics.counter("gateway.auto_reply.skipped", "provider", String.valueOf(message.provider()), "reason",
                "channel").increment();
        LOG.debug("No auto-reply to {} message {}: channel {} not in gateway.auto-reply.channels", message.provider(),
                LogMask.id(message.messageId()), channel);
        return false;
    }

    /**
     * The age gate of the auto-reply (issue 15 item 11): a message older than {@code maxMessageAgeSeconds}, judged by
     * its provider timestamp, gets no AI reply - a replay, a redelivery days later, a reconnect backlog or a history
     * import is stored but never answered. A message without a timestamp, or dated in the future, counts as new. Each
     * skipped message is counted ({@code gateway.auto_reply.skipped{reason=too-old}}).
     *
     * @param message an inbound message that passed the route's first filters
     * @return true when the message is recent enough to be answered (always true when the gate is off: 0)
     */
    public boolean recent(CanonicalMessage message) {
        if (maxMessageAgeSeconds <= 0 || message.timestamp() == null) {
            return true;
        }
        Duration age = Duration.between(message.timestamp(), clock.instant());
        if (age.getSeconds() <= maxMessageAgeSeconds) {
            return true;
        }
        Metrics.counter("gateway.auto_reply.skipped", "provider", String.valueOf(message.provider()), "reason",
                "too-old").increment();
        LOG.debug("No auto-reply to {} message {}: {} s old (gateway.auto-reply.max-message-age-seconds={})",
                message.provider(), LogMask.id(message.messageId()), age.getSeconds(), maxMessageAgeSeconds);
        return false;
    }

    /**
     * A chat's setting, opt-out and opt-in are looked up by its id and, for a direct chat keyed on a Meta user's
     * business-scoped user id, by the user's phone too ({@code sender_phone}): settings written when the chat was
     * keyed on the phone keep applying (docs/data-rules.md "Meta chat key"). The chat id wins over the phone.
     *
     * @param message an inbound message that passed the route's filters
     * @return true when its chat may get an automatic reply: never while the chat's settings document names another
     *         {@code owner} than {@code app} (Meta's agent, a human, another app: {@link ChatOwners}; counted as
     *         {@code gateway.auto_reply.skipped{reason=not-owner}}), else as the switch below says
     */
    public boolean allowed(CanonicalMessage message) {
        String prefix = message.provider() + ":" + message.accountId() + ":";
        String key = prefix + message.chatId();
        ChatSettings chat = setting(key);
        String owner = chat.owner();
        String phone = message.details().senderPhone();
        boolean byPhoneToo = phone != null && !phone.equals(message.chatId());
        ChatSettings byPhone = byPhoneToo ? setting(prefix + phone) : ChatSettings.NONE;
        // a chat keyed on the BSUID, a handover naming the phone: the newer of the two records wins
        if (byPhone.owner() != null && (owner == null || byPhone.newerThan(chat))) {
            owner = byPhone.owner();
        }
        if (owner != null && !"app".equals(owner)) {
            Metrics.counter("gateway.auto_reply.skipped", "provider", String.valueOf(message.provider()), "reason",
                    "not-owner").increment();
            LOG.debug("No auto-reply to {} message {}: the chat is owned by {}", message.provider(),
                    LogMask.id(message.messageId()), owner);
            return false;
        }
        // the chat's own switch wins; then the one written when the chat was keyed on the phone
        if (chat.autoReply() != null) {
            return chat.autoReply();
        }
        if (byPhone.autoReply() != null && "direct".equals(message.chatType())) {
            return byPhone.autoReply();
        }
        java.util.List<String> chats = byPhoneToo && "direct".equals(message.chatType())
                ? java.util.List.of(message.chatId(), phone) : java.util.List.of(message.chatId());
        boolean optedIn = optIn.isEmpty();
        for (String c : chats) {
            if (optOut.contains(prefix + c) || optOut.contains(c)) {
                return false;
            }
            optedIn |= optIn.contains(prefix + c) || optIn.contains(c);
        }
        return optedIn;
    }

    /**
     * The owner check alone, for the flows (routes/flows.camel.yaml): the chat's owner as {@link #allowed} reads it
     * (chat id, and the phone for a chat keyed on a Meta user id), without the opt-in/opt-out switches.
     *
     * @param message an inbound message
     * @return true when the chat's owner is {@code app} or absent
     */
    public boolean ownedByApp(CanonicalMessage message) {
        String prefix = message.provider() + ":" + message.accountId() + ":";
        ChatSettings chat = setting(prefix + message.chatId());
        String owner = chat.owner();
        String phone = message.details().senderPhone();
        if (phone != null && !phone.equals(message.chatId())) {
            ChatSettings byPhone = setting(prefix + phone);
            if (byPhone.owner() != null && (owner == null || byPhone.newerThan(chat))) {
                owner = byPhone.owner();
            }
        }
        return owner == null || "app".equals(owner);
    }

    /**
     * @param key a chat key {@code {provider}:{account_id}:{chat_id}}
     * @return the owner its chat document names, or null (= app)
     */
    public String ownerOf(String key) {
        return setting(key).owner();
    }

    /** What a chat's settings document says: {@code auto_reply}, {@code owner}, {@code owner_since}; null when absent. */
    record ChatSettings(Boolean autoReply, String owner, java.time.Instant ownerSince) {
        static final ChatSettings NONE = new ChatSettings(null, null, null);

        /** @return true when this owner was recorded after the other's (an owner without a time is the oldest) */
        boolean newerThan(ChatSettings other) {
            return ownerSince != null && (other.ownerSince == null || ownerSince.isAfter(other.ownerSince));
        }
    }

    private ChatSettings setting(String key) {
        if (settings == null) {
            synchronized (this) {
                if (settings == null) {
                    settings = Caffeine.newBuilder().maximumSize(100_000)
                            .expireAfterWrite(Duration.ofSeconds(settingsCacheSeconds)).build();
                }
            }
        }
        return settings.get(key, k -> {
            try {
                if (!indexReady) {
                    store.ensureIndex(settingsIndex, "elasticsearch/chats-mapping.json");
                    indexReady = true;
                }
                GetResponse<JsonNode> r = store.client().get(g -> g.index(settingsIndex).id(k), JsonNode.class);
                if (!r.found() || r.source() == null) {
                    return ChatSettings.NONE;
                }
                JsonNode doc = r.source();
                return new ChatSettings(doc.hasNonNull("auto_reply") ? doc.get("auto_reply").asBoolean() : null,
                        doc.hasNonNull("owner") ? doc.get("owner").asText() : null, since(doc.get("owner_since")));
            } catch (Exception e) {
                return ChatSettings.NONE; // unreadable settings: the property lists decide
            }
        });
    }

    /** Creates the settings index if missing (at start, so operators can write chat settings at once). */
    public synchronized void start() {
        store.ensureIndex(settingsIndex, "elasticsearch/chats-mapping.json");
        indexReady = true;
    }

    /**
     * Forgets the cached settings of one chat (after {@link ChatOwners} changed its owner).
     *
     * @param key the settings document id {@code {provider}:{account_id}:{chat_id}}
     */
    public void forget(String key) {
        if (settings != null) {
            settings.invalidate(key);
        }
    }

    /** Forgets cached chat settings (after they were changed in Elasticsearch, or the index deleted). */
    public void invalidate() {
        indexReady = false;
        if (settings != null) {
            settings.invalidateAll();
        }
    }

    private static java.time.Instant since(JsonNode value) {
        try {
            return value == null || value.isNull() ? null : java.time.Instant.parse(value.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;            // written by hand in another format: the oldest
        }
    }

    private static Set<String> list(String csv) {
        return csv == null ? Set.of() : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }





    /** @param settingsIndex alias of the chats index ({@code whatsapp-chats}), which holds the per-chat settings */
    public void setSettingsIndex(String settingsIndex) {
        this.settingsIndex = settingsIndex;
    }

    /** @return alias of the chats index, which holds the per-chat settings */
    public String getSettingsIndex() {
        return settingsIndex;
    }

    /** @param csv comma-separated chat ids that never get automatic replies */
    public void setOptOutChats(String csv) {
        this.optOut = list(csv);
    }

    /**
     * @param csv comma-separated channels (provider account types, e.g. {@code WHATSAPP,TELEGRAM}; case-insensitive)
     *            whose messages may get automatic replies; {@code *} = every channel
     */
    public void setChannels(String csv) {
        this.channels = list(csv).stream().map(c -> c.toUpperCase(java.util.Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** @param csv comma-separated chat ids; when not empty, only these chats get automatic replies */
    public void setOptInChats(String csv) {
        this.optIn = list(csv);
    }

    /**
     * @param maxMessageAgeSeconds the oldest message (by its provider timestamp) that may get an AI reply, in seconds;
     *                             0 answers messages of any age
     */
    public void setMaxMessageAgeSeconds(long maxMessageAgeSeconds) {
        this.maxMessageAgeSeconds = maxMessageAgeSeconds;
    }

    /** @param clock the clock that dates "now" for the age gate (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }

    /** @param settingsCacheSeconds how long a chat's settings document is cached, in seconds */
    public void setSettingsCacheSeconds(long settingsCacheSeconds) {
        this.settingsCacheSeconds = settingsCacheSeconds;
    }
}
