package io.wagateway;

import io.wagateway.chat.Chats;
import io.wagateway.enrich.EnrichmentCache;
import io.wagateway.inbound.WebhookSignatureVerifier;
import io.wagateway.lifecycle.MessageLifecycle;
import io.wagateway.reply.AutoReplyPolicy;
import io.wagateway.reply.ReplyOutbox;
import io.wagateway.store.StoreUnavailableException;
import io.wagateway.store.ElasticsearchStore;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * Starts the gateway's beans once the Camel context runs, from the {@code gateway-startup} route
 * ({@code routes/startup.camel.yaml}); works the same under Spring Boot and Camel JBang.
 *
 * <p>Why not the YAML beans' {@code initMethod}: Camel 4.17's YAML loader creates every bean of a route file twice
 * (once while pre-parsing, once while configuring) and runs {@code initMethod} on both, leaving the first instance
 * orphaned. Beans with side effects (an Elasticsearch client) are therefore started
 * here, on the instances the registry really holds; each also starts lazily on first use.
 */
public class GatewayStartup {

    private final CountDownLatch done = new CountDownLatch(1);

    /**
     * Connects the store and creates its indices (the reply outbox and the chats too; the chats bean migrates whatsapp-chat-settings), prepares the names cache, and logs each provider's signature
     * state. (The Unipile webhook registration is a route of its own: routes/unipile-registration.camel.yaml.)
     *
     * @param exchange the startup timer's exchange (gives the Camel context)
     */
    public void run(Exchange exchange) {
        try {
            start(exchange.getContext());
        } finally {
            done.countDown();
        }
    }

    /**
     * Waits until {@link #run} has returned (or thrown), so that nothing else creates or deletes the gateway's
     * indices at the same time as the start-up does (the integration tests' reset of the indices does).
     *
     * @param timeoutMs the longest wait, in ms
     * @return true when the start-up has run; false when the wait timed out
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitDone(long timeoutMs) throws InterruptedException {
        return done.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void start(CamelContext context) {
        context.getRegistry().findByType(ElasticsearchStore.class).forEach(ElasticsearchStore::start);
        context.getRegistry().findByType(EnrichmentCache.class).forEach(EnrichmentCache::start);
        // each asks the store for its alias, which makes it part of the store's readiness; when Elasticsearch is
        // not ready yet the store creates them all as soon as it is (webhooks are refused with 503 until then)
        for (Runnable start : new Runnable[] {
                () -> context.getRegistry().findByType(MessageLifecycle.class).forEach(MessageLifecycle::start),
                () -> context.getRegistry().findByType(ReplyOutbox.class).forEach(ReplyOutbox::start),
                () -> context.getRegistry().findByType(io.wagateway.media.MediaDownloads.class)
                        .forEach(io.wagateway.media.MediaDownloads::start),
                () -> context.getRegistry().findByType(AutoReplyPolicy.class).forEach(AutoReplyPolicy::start),
                () -> context.getRegistry().findByType(Chats.class).forEach(Chats::start)}) {
            try {
                start.run();
            } catch (StoreUnavailableException e) {
                // not ready yet: see above
            }
        }
        Map<String, WebhookSignatureVerifier> verifiers = context.getRegistry()
                .findByTypeWithName(WebhookSignatureVerifier.class);
        verifiers.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .forEach(e -> e.getValue().logState());
    }
}
