package io.wagateway.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's start-up side: index templates, write indices behind aliases, and mapping updates of indices an earlier
 * version created. Each alias {@code <alias>} gets a template for {@code <alias>-*} (one shard, the replicas of
 * {@code gateway.elasticsearch.replicas}, by default {@code auto_expand_replicas 0-1}, the mapping of {@code classpath:elasticsearch/*.json}) and a write index {@code <alias>-000001}; a concrete index
 * that squats the alias's name is refused (docs/operations-store.md). Readiness (when to try again) stays with
 * {@link ElasticsearchStore}.
 */
final class ElasticsearchIndexTemplates {

    /** The store's logger: operators (and SquattedAliasIT, MappingUpdateIT) find these lines under its name. */
    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchStore.class);

    private final Supplier<ElasticsearchClient> client;
    private final Consumer<Throwable> repair;
    private final String url;
    private final ObjectMapper objectMapper;
    private final ClusterSettings.Replicas replicas;
    private final Map<String, Map<String, String>> mappingConflicts = new ConcurrentHashMap<>();

    /**
     * @param client       the store's current client
     * @param repair       told of a client failure (the store rebuilds a broken client)
     * @param url          Elasticsearch's URL, for messages
     * @param objectMapper reads the mapping files
     * @param replicas     replicas of the templates and of the indices already behind the aliases
     */
    ElasticsearchIndexTemplates(Supplier<ElasticsearchClient> client, Consumer<Throwable> repair, String url,
            ObjectMapper objectMapper, ClusterSettings.Replicas replicas) {
        this.client = client;
        this.repair = repair;
        this.url = url;
        this.objectMapper = objectMapper;
        this.replicas = replicas;
    }

    /** @return alias → (dotted field path → Elasticsearch's reason) of the fields the existing indices refused */
    Map<String, Map<String, String>> mappingConflicts() {
        return Map.copyOf(mappingConflicts);
    }

    /**
     * Creates the index template {@code <alias>} for {@code <alias>-*} and the write index {@code <alias>-000001}
     * with the alias if missing, waits for its primary shard, and brings the mapping file's fields and the replica
     * settings to an index that already stood there. Safe to call concurrently and from several instances.
     *
     * @param alias           the alias the gateway reads and writes
     * @param mappingResource classpath resource of the mapping JSON
     * @throws StoreUnavailableException when Elasticsearch cannot be reached or refuses (the message says which)
     */
    void createIndex(String alias, String mappingResource) {
        createIndex(alias, mappingResource, null);
    }

    /**
     * As {@link #createIndex(String, String)}, for an alias partitioned by time when {@code firstPartition} is given
     * (docs/partitions.md): the template also adds the alias (not as a write index) to every {@code <alias>-*} index,
     * and when the alias is missing its first index is {@code firstPartition} instead of a write index
     * {@code <alias>-000001}. An existing {@code <alias>-000001} (the generation before partitioning) stays as it is.
     *
     * @param firstPartition the partition to create when the alias is missing (the current month's), or null for the
     *                       unpartitioned layout
     */
    void createIndex(String alias, String mappingResource, String firstPartition) {
        String mapping = readResource(mappingResource);
        ElasticsearchClient client = this.client.get();
        boolean partitioned = firstPartition != null;
        String writeIndex = partitioned ? firstPartition : alias + "-000001";
        try {
            client.indices().putIndexTemplate(t -> t.name(alias)
                    .indexPatterns(alias + "-*")
                    .priority(100L)
                    .template(tt -> {
                        tt.settings(s -> replicas.apply(s.numberOfShards("1")))
                                .mappings(m -> m.withJson(new StringReader(mapping)));
                        if (partitioned) { // every partition, even one Elasticsearch auto-created, is read by the alias
                            tt.aliases(alias, a -> a.isWriteIndex(false));
                        }
                        return tt;
                    }));
            boolean exists = client.indices().existsAlias(a -> a.name(alias)).value();
            boolean created = false;
            if (!exists) {
                if (client.indices().exists(e -> e.index(alias)).value()) {
                    throw squatted(alias);
                }
                try {
                    client.indices().create(c -> c.index(writeIndex).aliases(alias, a -> a.isWriteIndex(!partitioned)));
                    LOG.info("Created Elasticsearch index {} with alias {}", writeIndex, alias);
                    created = true;
                } catch (ElasticsearchException e) {
                    String type = e.error().type();
                    if ("invalid_alias_name_exception".equals(type)) {
                        throw squatted(alias);
                    }
                    if (!"resource_already_exists_exception".equals(type)) {
                        throw e;
                    }
                    // created by another thread or instance, or left without its alias: (re)attach it
                    client.indices().putAlias(p -> p.index(writeIndex).name(alias).isWriteIndex(!partitioned));
                }
            }
            // created just now, maybe by another thread or instance: reads fail until its primary shard is active
            // (yellow is not enough: a brand-new index reports yellow while its primary is still initialising)
            client.cluster().health(h -> h.index(alias).waitForActiveShards(w -> w.count(1))
                    .timeout(tm -> tm.time("30s")));
            // the template applies to new indices only: bring the fields of the current mapping file to the indices
            // that already stand behind the alias (created by an earlier version); one created just now from the
            // template put above has them already
            if (!created) {
                updateMapping(client, alias, mappingResource, mapping);
                // replicas are dynamic: an index created before gateway.elasticsearch.replicas changed follows it
                client.indices().putSettings(p -> p.index(alias).settings(s -> replicas.apply(s)));
            }
        } catch (IOException e) {
            repair.accept(e);
            throw new StoreUnavailableException("cannot reach Elasticsearch at " + url + ": " + e, e);
        } catch (ElasticsearchException e) {
            throw new StoreUnavailableException("Elasticsearch answered " + e.status() + " while preparing alias "
                    + alias + ": " + e.error().type() + ": " + e.error().reason(), e);
        } catch (RuntimeException e) {
            if (e instanceof StoreUnavailableException) {
                throw e;
            }
            repair.accept(e);
            throw new StoreUnavailableException("Elasticsearch client failed while preparing alias " + alias + ": "
                    + e, e);
        }
    }

    /**
     * Adds every field of the mapping file to the indices behind {@code alias} ({@code PUT <alias>/_mapping}); adding a
     * field is allowed on an existing index and putting the same mapping again changes nothing, so this is idempotent.
     * When Elasticsearch refuses the mapping as a whole (a field whose type or parameters conflict with what the index
     * has), the fields are put one at a time (descending into an object field refused as a whole): every field that
     * can be added is, and each one refused is reported by its dotted path ({@link #mappingConflicts()}, an ERROR line)
     * without making the store unready.
     */
    private void updateMapping(ElasticsearchClient client, String alias, String mappingResource, String mapping)
            throws IOException {
        try {
            client.indices().putMapping(p -> p.index(alias).withJson(new StringReader(mapping)));
            mappingConflicts.remove(alias);
            return;
        } catch (ElasticsearchException e) {
            if (e.status() != 400) {
                throw e;
            }
            LOG.debug("mapping of {} refused as a whole ({}), putting its fields one at a time", alias, e.getMessage());
        }
        Map<String, String> conflicts = new java.util.TreeMap<>();
        putFields(client, alias, java.util.List.of(), objectMapper.readTree(mapping).path("properties"), conflicts);
        if (conflicts.isEmpty()) {
            mappingConflicts.remove(alias);
            return;
        }
        mappingConflicts.put(alias, conflicts);
        LOG.error("Elasticsearch alias {}: {} field(s) of {} conflict with the existing index and were not added (the"
                + " other fields were; documents are still written, these fields are not searchable as mapped): {}."
                + " Reindex into a new index to change them (docs/operations-store.md, 'Mapping updates')",
                alias, conflicts.size(), mappingResource, conflicts);
    }

    /**
     * Puts each field of {@code properties} (the fields under the object field {@code parents}) on its own; an object
     * field refused as a whole is descended into, so a conflict deep inside it costs only that leaf.
     *
     * @param conflicts collects each refused field's dotted path → Elasticsearch's reason
     */
    private void putFields(ElasticsearchClient client, String alias, List<String> parents,
            com.fasterxml.jackson.databind.JsonNode properties, Map<String, String> conflicts) throws IOException {
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> field : properties.properties()) {
            ObjectNode body = objectMapper.createObjectNode();
            ObjectNode level = body;
            for (String parent : parents) {
                level = level.putObject("properties").putObject(parent);
            }
            level.putObject("properties").set(field.getKey(), field.getValue());
            try {
                client.indices().putMapping(p -> p.index(alias).withJson(new StringReader(body.toString())));
            } catch (ElasticsearchException e) {
                if (e.status() != 400) {
                    throw e;
                }
                com.fasterxml.jackson.databind.JsonNode children = field.getValue().path("properties");
                if (children.isObject() && !children.isEmpty()) {
                    List<String> path = new ArrayList<>(parents);
                    path.add(field.getKey());
                    int before = conflicts.size();
                    putFields(client, alias, path, children, conflicts);
                    if (conflicts.size() > before) {
                        continue;
                    }
                }
                String dotted = parents.isEmpty() ? field.getKey()
                        : String.join(".", parents) + "." + field.getKey();
                conflicts.put(dotted, e.error().reason());
            }
        }
    }

    private StoreUnavailableException squatted(String alias) {
        String message = "a concrete index named '" + alias + "' exists where the gateway needs an alias of that"
                + " name (created by a write that reached Elasticsearch before the alias existed, or restored);"
                + " writes are refused until it is repaired (docs/operations-store.md, 'An index squats an alias')";
        io.wagateway.ops.RateLimitedLog.error(LOG, "squatted:" + alias, "Elasticsearch store not ready: {}", message);
        return new StoreUnavailableException(message, null);
    }

    private static String readResource(String name) {
        try (InputStream in = ElasticsearchIndexTemplates.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }
}
