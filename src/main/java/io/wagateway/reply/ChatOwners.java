package io.wagateway.reply;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.ChatOwnerChange;
import io.wagateway.ops.LogMask;
import io.wagateway.store.DocumentRejectedException;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records who owns a conversation in its {@code whatsapp-chats} document ({@code _id}
 * {@code {provider}:{account_id}:{chat_id}}, the chat document {@link AutoReplyPolicy} reads and
 * {@link io.wagateway.chat.Chats} keeps): {@code owner} ({@code app},
 * {@code human}, {@code meta_agent}, {@code other_app}), {@code owner_since} (the provider's time of the change),
 * {@code owner_event}, {@code owner_role}, {@code previous_owner}, {@code owner_inferred} and {@code owner_raw} (the
 * provider's item, not indexed). Other fields of the document (an operator's {@code auto_reply}, the last message) are kept.
 *
 * <p>Idempotent and safe against out-of-order delivery: a change older than {@code owner_since} is not applied
 * ({@code owner_stale}); at the same second the one processed last wins; a redelivery finds the same values
 * ({@code owner_unchanged}). An inferred change (a standby copy) must be strictly newer and replaces only an unknown
 * owner or {@code app} ({@code owner_kept} otherwise). Concurrent writers are serialised by Elasticsearch's optimistic
 * concurrency ({@code if_seq_no}/{@code if_primary_term}, retried). After a write the auto-reply's cached settings of
 * that chat are dropped on this instance (other instances see it within
 * {@code gateway.auto-reply.settings-cache-seconds}).
 */
public class ChatOwners {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;
    private AutoReplyPolicy autoReplyPolicy;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param autoReplyPolicy the policy whose cached chat settings a recorded owner change invalidates */
    public void setAutoReplyPolicy(AutoReplyPolicy autoReplyPolicy) {
        this.autoReplyPolicy = autoReplyPolicy;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChatOwners.class);
    private static final int ATTEMPTS = 5;

    private String settingsIndex = "whatsapp-chats";
    private Clock clock = Clock.systemUTC();
    private volatile boolean indexReady;

    /**
     * Applies one ownership change.
     *
     * @param change the change
     * @return the item's outcome word: {@code owner_updated}, {@code owner_unchanged}, {@code owner_stale} or
     *         {@code owner_kept}
     * @throws StoreUnavailableException when Elasticsearch cannot be read or written (the webhook answers 503 and
     *                                   the provider redelivers)
     * @throws DocumentRejectedException when Elasticsearch refuses the document (4xx; the webhook is dead-lettered)
     */
    public String apply(ChatOwnerChange change) {
        String id = change.settingsId();
        try {
            if (!indexReady) {
                store.ensureIndex(settingsIndex, "elasticsearch/chats-mapping.json");
                indexReady = true;
            }
            for (int attempt = 1; ; attempt++) {
                GetResponse<ObjectNode> current = store.client().get(g -> g.index(settingsIndex).id(id),
                        ObjectNode.class);
                ObjectNode doc = current.found() && current.source() != null ? current.source()
                        : JsonNodeFactory.instance.objectNode();
                String verdict = verdict(change, doc);
                if (verdict != null) {
                    LOG.debug("Owner change {} of chat {} not applied: {}", change.event(), LogMask.id(id), verdict);
                    return verdict;
                }
                write(change, doc);
                try {
                    if (current.found()) {
                        store.client().index(i -> i.index(settingsIndex).id(id).document(doc)
                                .ifSeqNo(current.seqNo()).ifPrimaryTerm(current.primaryTerm()));
                    } else {
                        store.client().create(c -> c.index(settingsIndex).id(id).document(doc));
                    }
                } catch (ElasticsearchException e) {
                    if (e.status() == 409 && attempt < ATTEMPTS) {
                        continue;                 // another writer got there first: read again and decide again
                    }
                    throw e;
                }
                forgetCachedSettings(id);
                LOG.info("Chat {} of {} account {} is now owned by {} ({}{})", LogMask.id(change.chatId()),
                        change.provider(), LogMask.id(change.accountId()), change.owner(), change.event(),
                        change.newOwnerRole() == null ? "" : ", new owner role " + change.newOwnerRole());
                return "owner_updated";
            }
        } catch (ElasticsearchException e) {
            if (e.status() >= 400 && e.status() < 500 && e.status() != 409 && e.status() != 429) {
                throw new DocumentRejectedException(id, e.getMessage());    // dead-lettered: a retry cannot help
            }
            throw new StoreUnavailableException("chat owner of " + LogMask.id(id) + " not recorded: " + e.getMessage(),
                    e);
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof StoreUnavailableException || e instanceof DocumentRejectedException) {
                throw (RuntimeException) e;
            }
            throw new StoreUnavailableException("chat owner of " + LogMask.id(id) + " not recorded: " + e, e);
        }
    }

    /** @return why the change is not applied to {@code doc}, or null to apply it */
    static String verdict(ChatOwnerChange change, JsonNode doc) {
        String owner = doc.hasNonNull("owner") ? doc.get("owner").asText() : null;
        Instant since = doc.hasNonNull("owner_since") ? Instant.parse(doc.get("owner_since").asText()) : null;
        Instant at = change.at();
        if (since != null && at.isBefore(since)) {
            return "owner_stale";
        }
        if (change.inferred()) {
            if (owner != null && !ChatOwnerChange.APP.equals(owner)) {
                return owner.equals(change.owner()) ? "owner_unchanged" : "owner_kept";
            }
            if (since != null && !at.isAfter(since)) {
                return "owner_stale";
            }
        }
        if (change.owner().equals(owner) && at.equals(since)
                && change.event().equals(doc.path("owner_event").asText(null))) {
            return "owner_unchanged";
        }
        return null;
    }

    private void write(ChatOwnerChange change, ObjectNode doc) {
        doc.put("provider", change.provider());
        doc.put("account_id", change.accountId());
        doc.put("chat_id", change.chatId());
        doc.put("chat_key", change.settingsId());
        doc.put("owner", change.owner());
        doc.put("owner_since", change.at().toString());
        doc.put("owner_event", change.event());
        doc.put("owner_inferred", change.inferred());
        putOrRemove(doc, "owner_role", change.newOwnerRole());
        putOrRemove(doc, "previous_owner", change.previousOwner());
        if (change.raw() != null) {
            doc.set("owner_raw", change.raw());
        } else {
            doc.remove("owner_raw");
        }
        doc.put("updated_at", clock.instant().toString());
    }

    private static void putOrRemove(ObjectNode doc, String field, String value) {
        if (value == null) {
            doc.remove(field);
        } else {
            doc.put(field, value);
        }
    }

    private void forgetCachedSettings(String id) {
        if (autoReplyPolicy != null) {
            autoReplyPolicy.forget(id);
        }
    }

    /** Forgets that the settings index exists (after it was deleted). */
    public void resetIndex() {
        indexReady = false;
    }

    /** @param settingsIndex alias of the chats index ({@code whatsapp-chats}), which holds the per-chat settings */
    public void setSettingsIndex(String settingsIndex) {
        this.settingsIndex = settingsIndex;
    }

    /** @return alias of the chats index, which holds the per-chat settings */
    public String getSettingsIndex() {
        return settingsIndex;
    }

    /** @param clock the clock of {@code updated_at} (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
