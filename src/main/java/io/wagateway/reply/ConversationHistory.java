package io.wagateway.reply;

import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the LLM conversation for a reply: the system prompt, then the chat's last {@code historySize} stored
 * messages (both directions, oldest first: ours as assistant turns, theirs as user turns), ending with the message
 * being answered. The chat's messages are those of its id and of every id linked to it (a Meta user's phone and
 * BSUID: {@link io.wagateway.enrich.IdentityLinks}), so a conversation keyed on the phone before 2026 goes on.
 */
public class ConversationHistory {

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param links the identity links a chat id is expanded through (phone and BSUID); none: the id alone */
    public void setLinks(io.wagateway.enrich.IdentityLinks links) {
        this.links = links;
    }

    private int historySize = 10;
    private io.wagateway.enrich.IdentityLinks links;
    private String systemPrompt = "You are a helpful assistant answering WhatsApp messages for a business.";
    private String systemPromptFile;

    /**
     * @param task the claimed reply
     * @return [system, ...history..., the inbound message] as langchain4j chat messages
     * @throws StoreUnavailableException when the history cannot be read
     */
    public List<ChatMessage> messages(ReplyTask task) {
        List<JsonNode> recent = recent(task);
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(SystemMessage.from(prompt()));
        boolean inboundSeen = false;
        for (JsonNode m : recent) {
            String text = m.path("text").asText(null);
            if (text == null || text.isBlank()) {
                continue;
            }
            if (task.inboundMessageId().equals(m.path("message_id").asText())) {
                inboundSeen = true;
            }
            messages.add(m.path("from_me").asBoolean() ? AiMessage.from(text) : UserMessage.from(text));
        }
        if (!inboundSeen && task.inboundText() != null) {
            // the message being answered may not be searchable yet (refresh interval): it is always the last turn
            if (messages.size() > historySize) {
                messages.remove(1);
            }
            messages.add(UserMessage.from(task.inboundText()));
        }
        return messages;
    }

    private List<JsonNode> recent(ReplyTask task) {
        List<co.elastic.clients.elasticsearch._types.FieldValue> chatIds = (links == null
                ? List.of(task.chatId()) : links.expand(task.provider(), task.accountId(), task.chatId()))
                .stream().map(co.elastic.clients.elasticsearch._types.FieldValue::of).toList();
        try {
            SearchResponse<JsonNode> r = store.client().search(s -> s.index(store.getMessagesIndex())
                    .size(historySize)
                    .sort(so -> so.field(f -> f.field("timestamp").order(SortOrder.Desc)))
                    .source(src -> src.filter(f -> f.includes("message_id", "from_me", "text", "timestamp")))
                    .query(q -> q.bool(b -> b
                            .filter(f -> f.term(t -> t.field("provider").value(task.provider())))
                            .filter(f -> f.term(t -> t.field("account_id").value(task.accountId())))
                            .filter(f -> f.terms(t -> t.field("chat_id").terms(v -> v.value(chatIds)))))),
                    JsonNode.class);
            List<JsonNode> docs = new ArrayList<>();
            for (Hit<JsonNode> hit : r.hits().hits()) {
                docs.add(hit.source());
            }
            Collections.reverse(docs);
            return docs;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read the conversation history", e);
        }
    }

    /**
     * @return the system prompt: the file's content when a file is configured, else the property; followed by the
     *         hand-over instruction ({@code gateway.handover.llm-prompt}) when the hand-over marker is on
     */
    public String prompt() {
        String prompt = systemPrompt;
        if (systemPromptFile != null && !systemPromptFile.isBlank()) {
            try {
                prompt = Files.readString(Path.of(systemPromptFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the system prompt file " + systemPromptFile, e);
            }
        }
        if (handoverMarker != null && !handoverMarker.isBlank() && handoverPrompt != null
                && !handoverPrompt.isBlank()) {
            prompt = prompt + "\n\n" + handoverPrompt.strip();
        }
        return prompt;
    }

    private String handoverMarker = "";
    private String handoverPrompt = "";

    /** @param handoverMarker {@code gateway.handover.llm-marker}; blank: no hand-over instruction in the prompt */
    public void setHandoverMarker(String handoverMarker) {
        this.handoverMarker = handoverMarker;
    }

    /** @param handoverPrompt {@code gateway.handover.llm-prompt}: tells the model when and how to write the marker */
    public void setHandoverPrompt(String handoverPrompt) {
        this.handoverPrompt = handoverPrompt;
    }

    /** @param historySize how many of the chat's last messages go to the LLM (both directions) */
    public void setHistorySize(int historySize) {
        this.historySize = historySize;
    }

    /** @param systemPrompt the system prompt text */
    public void setSystemPrompt(String systemPrompt) {
        this.systemPrompt = systemPrompt;
    }

    /** @param systemPromptFile a UTF-8 file whose content replaces {@code systemPrompt}; blank for none */
    public void setSystemPromptFile(String systemPromptFile) {
        this.systemPromptFile = systemPromptFile;
    }
}
