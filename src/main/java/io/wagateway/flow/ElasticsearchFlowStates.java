package io.wagateway.flow;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Flow state in Elasticsearch: the concrete index {@code whatsapp-flows} (by id, mapping
 * {@code elasticsearch/flows-mapping.json}), conditional writes with {@code if_seq_no}/{@code if_primary_term}; result
 * documents in their own concrete indices (created on first use, dynamic mapping). Indices are created when missing.
 */
public class ElasticsearchFlowStates implements FlowStates {

    private ElasticsearchStore store;
    private String index = "whatsapp-flows";
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    @Override
    public Versioned read(String chatKey) {
        ensure(index, "elasticsearch/flows-mapping.json");
        try {
            GetResponse<ObjectNode> r = store.client().get(g -> g.index(index).id(chatKey), ObjectNode.class);
            return r.found() && r.source() != null ? new Versioned(r.source(), r.seqNo(), r.primaryTerm())
                    : Versioned.ABSENT;
        } catch (ElasticsearchException e) {
            if (indexMissing(e)) {
                ready.remove(index);        // deleted since: created again (with its mapping) before the first write
                ensure(index, "elasticsearch/flows-mapping.json");
                return Versioned.ABSENT;
            }
            throw new StoreUnavailableException("flow state not readable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("flow state not readable: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean write(String chatKey, ObjectNode doc, Versioned base) {
        try {
            if (base.exists()) {
                store.client().index(i -> i.index(index).id(chatKey).document(doc).ifSeqNo(base.seqNo())
                        .ifPrimaryTerm(base.primaryTerm()));
            } else {
                store.client().create(c -> c.index(index).id(chatKey).document(doc));
            }
            return true;
        } catch (ElasticsearchException e) {
            if (e.status() == 409) {
                return false;
            }
            throw new StoreUnavailableException("flow state not written: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("flow state not written: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> expired(Instant now, int max) {
        ensure(index, "elasticsearch/flows-mapping.json");
        try {
            SearchResponse<Void> r = store.client().search(s -> s.index(index).size(max).source(src -> src.fetch(false))
                    .query(q -> q.bool(b -> b.filter(f -> f.term(t -> t.field("status").value("active")))
                            .filter(f -> f.range(rg -> rg.date(d -> d.field("expires_at").lt(now.toString())))))),
                    Void.class);
            List<String> keys = new ArrayList<>();
            for (Hit<Void> hit : r.hits().hits()) {
                keys.add(hit.id());
            }
            return keys;
        } catch (ElasticsearchException e) {
            if (indexMissing(e)) {
                ready.remove(index);
                return List.of();
            }
            throw new StoreUnavailableException("expired flows not searchable: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreUnavailableException("expired flows not searchable: " + e.getMessage(), e);
        }
    }

    @Override
    public void writeResult(String resultIndex, String id, ObjectNode doc) {
        ensure(resultIndex, null);
        try {
            store.client().index(i -> i.index(resultIndex).id(id).document(doc));
        } catch (IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("flow result not written: " + e.getMessage(), e);
        }
    }

    @Override
    public void tagMessage(String messageDocumentId, String flow) {
        String index = store.messageIndexOf(messageDocumentId, null); // the alias, or the partition holding it
        if (index == null) {
            return; // partitioned and not stored
        }
        try {
            store.client().update(u -> u.index(index).id(messageDocumentId)
                    .doc(java.util.Map.of("flow", flow)).retryOnConflict(3), java.util.Map.class);
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw new StoreUnavailableException("flow message not marked: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("flow message not marked: " + e.getMessage(), e);
        }
    }

    /** Creates a concrete index with the mapping (or an empty one) and the store's replicas unless it exists. */
    private void ensure(String name, String mappingResource) {
        if (ready.contains(name)) {
            return;
        }
        try {
            boolean exists = store.client().indices().exists(e -> e.index(name)).value();
            if (!exists) {
                try (InputStream mapping = mappingResource == null ? null
                        : getClass().getClassLoader().getResourceAsStream(mappingResource)) {
                    store.client().indices().create(c -> (mapping == null ? c.index(name)
                            : c.index(name).withJson(mapping)).settings(st -> store.getReplicas().apply(st)));
                } catch (ElasticsearchException e) {
                    if (!"resource_already_exists_exception".equals(e.error().type())) {
                        throw e;
                    }
                }
            }
            // a new index answers reads only once its shard is active (another instance may have just created it)
            store.client().cluster().health(h -> h.index(name)
                    .waitForStatus(co.elastic.clients.elasticsearch._types.HealthStatus.Yellow)
                    .timeout(t -> t.time("10s")));
            ready.add(name);
        } catch (IOException | ElasticsearchException e) {
            throw new StoreUnavailableException("index " + name + " not available: " + e.getMessage(), e);
        }
    }

    private static boolean indexMissing(ElasticsearchException e) {
        return e.status() == 404 && e.error() != null && "index_not_found_exception".equals(e.error().type());
    }

    /** Forgets which indices exist (after a test deleted them). */
    public void resetIndex() {
        ready.clear();
    }

    /** @param store the gateway's store (its client) */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /** @param index the concrete flow state index */
    public void setIndex(String index) {
        this.index = index;
    }

    /** @return the flow state index */
    public String getIndex() {
        return index;
    }
}
