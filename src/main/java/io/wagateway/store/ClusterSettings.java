package io.wagateway.store;

import co.elastic.clients.elasticsearch.indices.IndexSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The store's cluster settings, parsed and checked once at start (docs/operations-store.md, "A cluster of nodes"):
 * the node list of {@code gateway.elasticsearch.url}, {@code gateway.elasticsearch.replicas} and
 * {@code gateway.elasticsearch.wait-for-active-shards}. A wrong value fails the start with a message that names the
 * property, never a write later.
 */
public final class ClusterSettings {

    /** {@code gateway.elasticsearch.replicas} by default: one replica when a second node exists, none on one node. */
    public static final String DEFAULT_REPLICAS = "0-1";

    private ClusterSettings() {
    }

    /**
     * The nodes of {@code gateway.elasticsearch.url}: a comma-separated list of base URLs, all of one cluster and all
     * taking the same credentials. The client sends each request to the next live node (round robin) and tries the
     * next one when a node cannot be reached or answers 502/503/504.
     *
     * @param urls e.g. {@code http://es1:9200, http://es2:9200}
     * @return the nodes' URIs in the order given, without a trailing slash
     * @throws IllegalArgumentException when the list is empty or a URL has no {@code http}/{@code https} scheme or no
     *                                  host, or carries a query, a fragment or user info (credentials go in
     *                                  {@code gateway.elasticsearch.username}/{@code password}, never in the URL)
     */
    public static List<URI> nodes(String urls) {
        List<URI> nodes = new ArrayList<>();
        for (String part : (urls == null ? "" : urls).split(",")) {
            String url = part.trim();
            if (url.isEmpty()) {
                continue;
            }
            while (url.endsWith("/")) {
                url = url.substring(0, url.length() - 1);
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gateway.elasticsearch.url: '" + url + "' is not a URL", e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("gateway.elasticsearch.url: '" + url
                        + "' must be http(s)://host[:port]");
            }
            if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("gateway.elasticsearch.url: a node URL takes no credentials, query"
                        + " or fragment (set gateway.elasticsearch.username / password)");
            }
            nodes.add(uri);
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("gateway.elasticsearch.url names no node");
        }
        return List.copyOf(nodes);
    }

    /**
     * {@code gateway.elasticsearch.replicas}: how many copies of each shard besides the primary the indices the
     * gateway creates get.
     *
     * @param autoExpand {@code index.auto_expand_replicas} (e.g. {@code 0-1}, {@code 0-all}), or null for a fixed number
     * @param number     {@code index.number_of_replicas} when fixed, else null
     */
    public record Replicas(String autoExpand, Integer number) {

        /**
         * @param value a range {@code <min>-<max>} ({@code max} a number or {@code all}): auto-expanded with the
         *              number of nodes, e.g. the default {@code 0-1}; or a plain number: that many replicas, auto-expand
         *              off
         * @return the parsed setting
         * @throws IllegalArgumentException for anything else
         */
        public static Replicas parse(String value) {
            String v = value == null || value.isBlank() ? DEFAULT_REPLICAS : value.trim().toLowerCase(Locale.ROOT);
            if (v.matches("\\d{1,3}")) {
                return new Replicas(null, Integer.valueOf(v));
            }
            if (v.matches("\\d{1,3}-(\\d{1,3}|all)")) {
                String[] range = v.split("-");
                if (!"all".equals(range[1]) && Integer.parseInt(range[1]) < Integer.parseInt(range[0])) {
                    throw new IllegalArgumentException("gateway.elasticsearch.replicas: range '" + value
                            + "' ends below its start");
                }
                return new Replicas(v, null);
            }
            throw new IllegalArgumentException("gateway.elasticsearch.replicas must be a number (e.g. 1) or a range"
                    + " <min>-<max|all> (e.g. 0-1), not '" + value + "'");
        }

        /**
         * Puts the replica settings on an index's (or a template's) settings.
         *
         * @param settings the settings being built
         * @return the same builder
         */
        public IndexSettings.Builder apply(IndexSettings.Builder settings) {
            return autoExpand != null ? settings.autoExpandReplicas(autoExpand)
                    : settings.autoExpandReplicas("false").numberOfReplicas(number.toString());
        }

        @Override
        public String toString() {
            return autoExpand != null ? "auto_expand_replicas " + autoExpand : number + " replica(s)";
        }
    }

    /**
     * {@code gateway.elasticsearch.wait-for-active-shards}: {@code wait_for_active_shards} of every write.
     *
     * @param value blank (unset: Elasticsearch's default, the primary only), a number ≥ 1 (shard copies, primary
     *              included) or {@code all}
     * @return the value to send, or null when unset
     * @throws IllegalArgumentException for anything else
     */
    public static String waitForActiveShards(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("all") || v.matches("[1-9]\\d{0,2}")) {
            return v;
        }
        throw new IllegalArgumentException("gateway.elasticsearch.wait-for-active-shards must be blank, a number >= 1"
                + " or all, not '" + value + "'");
    }
}
