package io.wagateway.flow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Flow state in memory with Elasticsearch's optimistic concurrency rules (a write based on an older version, or a
 * create over an existing document, is a conflict), for the engine's tests. {@link #beforeWrite} lets a test play
 * another instance writing between a read and a write.
 */
public class InMemoryFlowStates implements FlowStates {

    /** The documents, by chat key, with their seq_no. */
    public final Map<String, Versioned> docs = new ConcurrentHashMap<>();
    /** Result documents by index + "/" + id. */
    public final Map<String, ObjectNode> results = new ConcurrentHashMap<>();
    /** Writes refused as conflicts. */
    public final AtomicInteger conflicts = new AtomicInteger();
    /** Runs before each write (null: nothing). */
    public volatile Runnable beforeWrite;
    private final AtomicInteger seq = new AtomicInteger();

    @Override
    public Versioned read(String chatKey) {
        Versioned v = docs.get(chatKey);
        return v == null ? Versioned.ABSENT : new Versioned(v.doc().deepCopy(), v.seqNo(), v.primaryTerm());
    }

    @Override
    public synchronized boolean write(String chatKey, ObjectNode doc, Versioned base) {
        Runnable hook = beforeWrite;
        if (hook != null) {
            beforeWrite = null;
            hook.run();
        }
        Versioned current = docs.get(chatKey);
        boolean ok = base.exists() ? current != null && current.seqNo() == base.seqNo() : current == null;
        if (!ok) {
            conflicts.incrementAndGet();
            return false;
        }
        docs.put(chatKey, new Versioned(doc.deepCopy(), seq.incrementAndGet(), 1));
        return true;
    }

    @Override
    public List<String> expired(Instant now, int max) {
        List<String> keys = new ArrayList<>();
        docs.forEach((k, v) -> {
            if ("active".equals(v.doc().path("status").asText())
                    && Instant.parse(v.doc().path("expires_at").asText()).isBefore(now)) {
                keys.add(k);
            }
        });
        return keys;
    }

    /** Flow messages marked: message document id → flow. */
    public final Map<String, String> tagged = new ConcurrentHashMap<>();

    @Override
    public void tagMessage(String messageDocumentId, String flow) {
        tagged.put(messageDocumentId, flow);
    }

    @Override
    public void writeResult(String index, String id, ObjectNode doc) {
        results.put(index + "/" + id, doc);
    }
}
