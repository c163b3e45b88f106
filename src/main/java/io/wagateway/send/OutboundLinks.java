package io.wagateway.send;

import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import io.micrometer.core.instrument.Metrics;
import io.wagateway.lifecycle.MessageLifecycle;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.reply.ReplyTask;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One document per message sent through the gateway (issue 19, contract C4): the outbound document, written before
 * the provider is called at {@code {provider}:{account_id}:out:{key}}, and the provider's id X of the sent message,
 * known only from the send's answer, are linked so that the provider's echo of the message and its statuses end on
 * that one document.
 *
 * <p><b>The link</b> lives in the lifecycle document of {@code {provider}:{account_id}:X}
 * ({@code whatsapp-message-lifecycle}, field {@link MessageLifecycle#MESSAGE_DOC_ID}), written by the lifecycle
 * batcher like any update (read-modify-write under {@code if_seq_no}, audit document
 * {@code {provider}:{account_id}:X:link:{outbound _id}}). The batcher reads that lifecycle document for every
 * status of X anyway, so a status of a sent message is projected onto the outbound document, whether it came before
 * the link (it waited {@code pending} in the same lifecycle document, and the link's own batch applies it) or after;
 * the other messages' statuses cost nothing more. The projection also sets {@code provider_message_id} = X on the
 * outbound document.
 *
 * <p><b>Echoes</b> (WAHA {@code message.any} with {@code fromMe}, Unipile {@code is_sender}, Periskope
 * {@code message.created} with {@code from_me}; providers.md §2.7, §4.5, §3.4): Meta does not echo messages sent
 * through the Cloud API (§1.7), so only the own messages of the other providers are looked at, each with one
 * real-time read of its lifecycle document before it is stored (batched with the other lookups,
 * {@link ElasticsearchStore#lookup}).
 * <ul>
 *   <li>Echo after the link ({@link #echo}): the echo takes the outbound document's message id, so the store's
 *       idempotent consumer sees a duplicate and nothing new is written.</li>
 *   <li>Echo before the link: it is stored at X. Both sides then converge, whatever the interleaving: the sender
 *       ({@link #sent}) <i>writes the link, then reads</i> the message document at X and deletes it if present; the
 *       echo <i>is written, then its lifecycle is read</i> by the lifecycle batcher's check of every stored message
 *       (off the acknowledgement, within a quarter of {@code gateway.lifecycle.pending-visible-ms}, with no extra
 *       request: that check reads the lifecycle document anyway), which deletes the echo's document when it finds
 *       the link. Each side's read starts after its own write is confirmed, and reads are real time, so of the two
 *       reads at least one comes after both writes and sees the other's write: the echo document is deleted at least
 *       once (twice is harmless: the second is a 404). A redelivered echo is a duplicate either way (the same key
 *       before the link, the outbound key after it).</li>
 * </ul>
 * What is not covered: an instance that stops between storing an echo and its check, while the sender's read came
 * before the echo's write, leaves the echo's document (flagged {@code from_me}, keyed on X); the lifecycle sweep
 * does not look for it.
 *
 * <p><b>Periskope</b>: the send answers {@code unique_id} (the bare WhatsApp id, §3.7) while echoes and
 * acknowledgements are keyed on {@code message_id} = {@code true_<chat_id>_<unique_id>} (§3.5, fixture
 * {@code message_created_outbound_from_me.json}; in groups {@code _<author>} follows, here our {@code org_phone}):
 * the link is written under both ids.
 */
public class OutboundLinks {

    private ElasticsearchStore store;
    private MessageLifecycle lifecycle;
    private Clock clock = Clock.systemUTC();

    /**
     * Records that the provider's id {@code providerMessageId} of the task's provider and account is the outbound
     * document {@code task.id()}: writes the link (its lifecycle document, and the projection onto the outbound
     * document: {@code provider_message_id}, and any status that came before), then deletes an echo stored at the
     * provider's id before the link existed.
     *
     * @param task              the send's outbox entry ({@code id} = the outbound document's {@code _id};
     *                          {@code provider}, {@code account_id}, {@code chat_id})
     * @param providerMessageId the provider's id of the sent message ({@code ProviderSendApi#messageId}); null or blank
     *                          when the provider gave none (nothing is linked)
     * @return completes with the number of ids linked once the links are durable and the echo documents deleted;
     *         fails with {@link StoreUnavailableException} (the send worker may call again: a link is idempotent)
     */
    public CompletableFuture<Integer> sent(ReplyTask task, String providerMessageId) {
        if (providerMessageId == null || providerMessageId.isBlank()) {
            return CompletableFuture.completedFuture(0);
        }
        String provider = task.provider();
        String account = task.accountId();
        String chat = task.doc().hasNonNull("chat_id") ? task.chatId() : null;
        List<CompletableFuture<Void>> done = new ArrayList<>();
        Set<String> ids = providerIds(provider, account, chat, providerMessageId);
        for (String id : ids) {
            done.add(link(provider, account, chat, id, task.id(), providerMessageId));
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).thenApply(v -> ids.size());
    }

    /** Writes one link, then deletes the message document at the provider's id, if one was stored. */
    private CompletableFuture<Void> link(String provider, String account, String chat, String providerId,
            String outboundDocId, String answered) {
        String echoDocId = provider + ":" + account + ":" + providerId;
        return lifecycle.keep(MessageLifecycle.link(provider, account, chat, providerId, outboundDocId, answered,
                        clock.instant()))
                .thenCompose(kept -> echoIndex(echoDocId))
                .thenCompose(index -> index.isPresent() && !echoDocId.equals(outboundDocId)
                        ? delete(index.get(), echoDocId, provider, "sender") : CompletableFuture.completedFuture(null));
    }

    /**
     * @return the index to delete the echo from when it was stored: the alias, or the concrete partition the store's
     *         locator finds it in when the messages alias is partitioned (docs/partitions.md)
     */
    private CompletableFuture<java.util.Optional<String>> echoIndex(String echoDocId) {
        if (!store.isPartitioned()) {
            return store.lookup(store.getMessagesIndex(), echoDocId)
                    .thenApply(found -> found.map(doc -> store.getMessagesIndex()));
        }
        return CompletableFuture.supplyAsync(() -> java.util.Optional.ofNullable(store.messageIndexOf(echoDocId,
                null)), store.completionExecutor());
    }

    /**
     * The provider's ids a sent message is echoed and acknowledged under: the id the send answered, and for
     * Periskope the {@code message_id} its webhooks carry when the answer gave the bare {@code unique_id}.
     *
     * @param provider          provider id
     * @param accountId         our account (Periskope: {@code org_phone})
     * @param chatId            the chat, or null
     * @param providerMessageId the send's answer
     * @return the ids, the answer's first
     */
    static Set<String> providerIds(String provider, String accountId, String chatId, String providerMessageId) {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(providerMessageId);
        if ("periskope".equals(provider) && chatId != null && !providerMessageId.startsWith("true_")
                && !providerMessageId.startsWith("false_")) {
            ids.add("true_" + chatId + "_" + providerMessageId
                    + (chatId.endsWith("@g.us") && accountId != null ? "_" + accountId : ""));
        }
        return ids;
    }

    /**
     * Before a message is stored: an own message that is the echo of a message sent through the gateway (its link
     * exists) takes the outbound document's message id, so it is a duplicate of it. Other messages pass unchanged
     * without any read: inbound messages, Meta's (not echoed, §1.7) and the outbound documents themselves.
     *
     * @param message the normalised message
     * @return completes with the message, or its copy keyed on the outbound document; fails with
     *         {@link StoreUnavailableException} when the link cannot be read (503, the provider redelivers)
     */
    public CompletableFuture<CanonicalMessage> echo(CanonicalMessage message) {
        if (!mayBeEcho(message)) {
            return CompletableFuture.completedFuture(message);
        }
        return linkOf(message).thenApply(link -> {
            if (link.isEmpty()) {
                return message;
            }
            String prefix = message.provider() + ":" + message.accountId() + ":";
            if (!link.get().startsWith(prefix)) {
                return message; // a link to another account's document: never followed
            }
            Metrics.counter("gateway.send.echoes", "provider", message.provider(), "outcome", "matched").increment();
            return message.withId(link.get().substring(prefix.length()), message.idSource());
        });
    }

    private static boolean mayBeEcho(CanonicalMessage m) {
        return m.fromMe() && !"meta".equals(m.provider()) && m.messageId() != null
                && !m.messageId().startsWith(OUT_PREFIX);
    }

    /** The message id prefix of outbound documents (contract C2: {@code out:{key}}). */
    public static final String OUT_PREFIX = "out:";

    /** @return the outbound document's {@code _id} the message's provider id is linked to, if any */
    private CompletableFuture<Optional<String>> linkOf(CanonicalMessage message) {
        return store.lookup(lifecycle.getLifecycleIndex(), message.documentId())
                .exceptionally(e -> {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    if (String.valueOf(cause.getMessage()).contains("index_not_found_exception")) {
                        return Optional.empty(); // no lifecycle index yet: no link either
                    }
                    throw cause instanceof RuntimeException r ? r
                            : new StoreUnavailableException(cause.toString(), cause);
                })
                .thenApply(doc -> doc.map(d -> d.path(MessageLifecycle.MESSAGE_DOC_ID))
                        .filter(n -> n.isTextual() && !n.asText().isBlank()).map(n -> n.asText()));
    }

    /** Deletes the echo's document (a missing one is fine: the other side deleted it first). */
    private CompletableFuture<Void> delete(String index, String docId, String provider, String by) {
        return store.bulk(BulkOperation.of(o -> o.delete(d -> d.index(index).id(docId))))
                .thenAccept(item -> {
                    if (item.error() != null && item.status() != 404) {
                        throw new StoreUnavailableException("cannot delete echo " + docId + ": "
                                + item.error().type() + ": " + item.error().reason(), null);
                    }
                    if (item.status() != 404) {
                        Metrics.counter("gateway.send.echoes", "provider", provider, "outcome", "deleted_by_" + by)
                                .increment();
                    }
                });
    }

    /** @param store the Elasticsearch store ({@code #bean:elasticsearchStore}) */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param lifecycle the lifecycle bean that writes links ({@code #bean:messageLifecycle}) */
    public void setLifecycle(MessageLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    /** @param clock clock for the link's time (tests) */
    public void setClock(Clock clock) {
        this.clock = clock;
    }
}
