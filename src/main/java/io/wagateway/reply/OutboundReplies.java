package io.wagateway.reply;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.page.MessageEvents;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.WriteOutcome;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** Stores a sent reply as an outbound conversation message ({@code from_me: true}, {@code reply_to} = the inbound). */
public class OutboundReplies {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** The live stream: a {@code reply} event once a reply is stored (none when null). */
    private MessageEvents events;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param events the live stream that gets a {@code reply} event for each reply this bean stores */
    public void setEvents(MessageEvents events) {
        this.events = events;
    }

    /**
     * @param task              the reply, in state {@code sending}
     * @param providerMessageId the id the provider gave the sent message; when null, {@code reply:{outbox id}}
     * @return completes when the message is stored (or was, e.g. by the provider's own echo webhook); a newly stored
     *         reply is published to the live stream as a {@code reply} event
     */
    public CompletableFuture<WriteOutcome> store(ReplyTask task, String providerMessageId) {
        ObjectNode raw = store.objectMapper().createObjectNode();
        raw.put("gateway_reply", true);
        raw.put("outbox_id", task.id());
        raw.put("mode", task.doc().path("mode").asText());
        Instant now = Instant.now();
        CanonicalMessage message = new CanonicalMessage(task.provider(), task.accountId(),
                providerMessageId != null ? providerMessageId : "reply:" + task.id(), task.chatId(), task.chatType(),
                null, task.accountId(), null, true, "text", task.replyText(), null, task.inboundMessageId(), now, now,
                "sent", raw);
        return store.storeMessage(message).thenApply(outcome -> {
            if (outcome == WriteOutcome.STORED && events != null) {
                events.publish(MessageEvents.REPLY, message);
            }
            return outcome;
        });
    }
}
