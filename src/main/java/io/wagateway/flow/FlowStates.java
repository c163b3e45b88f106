package io.wagateway.flow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * Where flow state lives: one document per chat ({@code _id} = chat key), read with its version and written under
 * optimistic concurrency. {@link ElasticsearchFlowStates} is the real one; tests may use another.
 */
public interface FlowStates {

    /**
     * A state document as read, with what a conditional write needs.
     *
     * @param doc         the document, or null when there is none
     * @param seqNo       its {@code _seq_no} (ignored when absent)
     * @param primaryTerm its {@code _primary_term}
     */
    record Versioned(ObjectNode doc, long seqNo, long primaryTerm) {
        /** No document yet. */
        public static final Versioned ABSENT = new Versioned(null, -1, -1);

        /** @return true when a document was read */
        public boolean exists() {
            return doc != null;
        }
    }

    /**
     * @param chatKey the chat key {@code {provider}:{account_id}:{chat_id}}
     * @return the chat's state document, or {@link Versioned#ABSENT}
     */
    Versioned read(String chatKey);

    /**
     * Writes a state if nobody wrote it since {@code base} was read (create-if-absent when base is absent).
     *
     * @param chatKey the chat key
     * @param doc     the new document
     * @param base    what the decision was made on
     * @return false on a conflict (another writer got there first): read again and decide again
     */
    boolean write(String chatKey, ObjectNode doc, Versioned base);

    /**
     * @param now the current time
     * @param max most keys answered
     * @return chat keys of active flows whose {@code expires_at} is before {@code now}
     */
    List<String> expired(Instant now, int max);

    /**
     * Writes a flow's result document (index by id: a repeat overwrites the same document).
     *
     * @param index the result index
     * @param id    the deterministic id
     * @param doc   the result
     */
    void writeResult(String index, String id, ObjectNode doc);

    /**
     * Marks a stored outbound message as a flow's (field {@code flow}); a missing document is left alone.
     *
     * @param messageDocumentId the message document's id ({@code {provider}:{account_id}:out:{key}})
     * @param flow              the flow's name
     */
    void tagMessage(String messageDocumentId, String flow);
}
