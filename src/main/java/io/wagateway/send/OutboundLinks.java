package io.wagateway.send;

import io.wagateway.reply.ReplyTask;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.util.Map;

/**
 * Links a sent message's outbound document to the provider's id of it (issue 19, contract C4). This branch's
 * version only records {@code provider_message_id} on the message document; the "echo" work replaces it with the
 * matching of echoes and statuses.
 */
public class OutboundLinks {

    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /**
     * @param task              the outbox entry that was sent ({@code task.id()} = the outbound document's {@code _id})
     * @param providerMessageId the id the provider gave the sent message; null leaves the document as it is
     * @throws StoreUnavailableException when Elasticsearch cannot be reached
     */
    public void sent(ReplyTask task, String providerMessageId) {
        if (providerMessageId == null) {
            return;
        }
        try {
            store.client().update(u -> u.index(store.getMessagesIndex()).id(task.id())
                    .doc(Map.of("provider_message_id", providerMessageId)).retryOnConflict(3), Map.class);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot link " + task.id() + " to " + providerMessageId, e);
        }
    }
}
