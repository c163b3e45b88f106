package io.wagateway.enrich;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.store.ElasticsearchStore;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Elasticsearch tier of the names enrichment: the index {@code whatsapp-names}, shared by every instance and kept
 * across restarts. Reads go through the store's batched real-time {@code _mget} (concurrent misses share one
 * request); writes are partial updates (upserts), so the {@code linked_ids} that {@link IdentityLinks} keeps in the
 * same documents stay.
 */
public class NamesIndex {

    private static final Logger LOG = LoggerFactory.getLogger(NamesIndex.class);

    /** The store, set by reference ({@code store: "#bean:elasticsearchStore"}, routes/beans.camel.yaml). */
    private ElasticsearchStore store;

    /** @param store the Elasticsearch store this bean reads and writes through */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /**
     * Looks a name up in the index; waits (on the caller's thread, a names-lookup thread) for the batched read.
     *
     * @param load the name to load
     * @return the load answered by {@code elasticsearch} (its name may be null: known to have none), or unchanged when
     *         the index does not know the key or cannot answer now (then the provider's API is asked)
     */
    public NameLoad read(NameLoad load) {
        Optional<ObjectNode> doc;
        try {
            doc = store.lookup(store.getNamesIndex(), load.key()).join();
        } catch (RuntimeException e) {
            LOG.debug("names index read failed for {}: {}", load.key(), e.toString());
            return load;
        }
        if (doc.isEmpty()) {
            return load;
        }
        JsonNode name = doc.get().get("name");
        return load.answered(name == null || name.isNull() ? null : name.asText(), "elasticsearch");
    }

    /**
     * Writes a name document (upsert of {@code provider, account_id, kind, id, name, source, updated_at}).
     *
     * @param load the name and where it came from ({@code source})
     * @throws Exception when Elasticsearch does not take it (after one re-creation of a missing alias)
     */
    public void write(NameLoad load) throws Exception {
        upsert(load.key(), load.provider(), load.accountId(), load.kind(), load.id(), load.name(), load.source());
    }

    /**
     * Writes a name document; a null name is stored as null (the name is forgotten, the document and its links stay).
     *
     * @throws Exception when Elasticsearch does not take it (after one re-creation of a missing alias)
     */
    public void upsert(String key, String provider, String accountId, String kind, String id, String name,
            String source) throws Exception {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("provider", provider);
        doc.put("account_id", accountId);
        doc.put("kind", kind);
        doc.put("id", id);
        if (name == null) {
            doc.putNull("name");
        } else {
            doc.put("name", name);
        }
        doc.put("source", source);
        doc.put("updated_at", Instant.now().toString());
        for (int attempt = 1; ; attempt++) {
            try {
                // requireAlias: before start-up created the alias (or after it was deleted) the write fails instead
                // of auto-creating a concrete index named like the alias, which would block the alias for good
                store.client().update(u -> u.index(store.getNamesIndex()).id(key).doc(doc).docAsUpsert(true)
                        .requireAlias(true).retryOnConflict(3), ObjectNode.class);
                return;
            } catch (ElasticsearchException e) {
                if (attempt == 1 && e.status() == 404) {
                    store.resetIndices(); // the alias is gone: the store re-creates its aliases, then once more
                    if (store.notReady() == null) {
                        continue;
                    }
                }
                throw e;
            }
        }
    }
}
