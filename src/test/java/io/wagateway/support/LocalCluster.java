package io.wagateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.store.LocalElasticsearch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A three-node Elasticsearch cluster on this machine for the cluster tests: three processes of the project's own
 * distribution ({@code .local/elasticsearch}), started by {@link LocalElasticsearch#startClusterNode} (same user, same
 * settings as the single node), each with its data and logs under {@code target/}, a small heap, nodes {@code es1..3}.
 * A node can be killed with SIGKILL and started again on its data.
 */
public final class LocalCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String clusterName;
    private final int firstHttpPort;
    private final int firstTransportPort;
    private final int size;
    private final Path dir;
    private final String heap;
    private final Map<String, ProcessHandle> processes = new ConcurrentHashMap<>();

    /**
     * @param size               nodes ({@code es1..es<size>})
     * @param firstHttpPort      HTTP port of es1; es2 has the next, ...
     * @param firstTransportPort transport port of es1; es2 has the next, ...
     * @param dir                where the nodes' data and logs go (wiped at start)
     * @param heap               each node's heap, e.g. {@code 256m}
     */
    public LocalCluster(int size, int firstHttpPort, int firstTransportPort, Path dir, String heap) {
        this.size = size;
        this.firstHttpPort = firstHttpPort;
        this.firstTransportPort = firstTransportPort;
        this.dir = dir.toAbsolutePath();
        this.heap = heap;
        this.clusterName = "gateway-cluster-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
    }

    /** @return {@code es1}, {@code es2}, ... */
    public List<String> nodeNames() {
        return IntStream.rangeClosed(1, size).mapToObj(i -> "es" + i).toList();
    }

    /** @return the nodes' base URLs, comma-separated (what {@code gateway.elasticsearch.url} takes) */
    public String urls() {
        return nodeNames().stream().map(this::url).collect(Collectors.joining(","));
    }

    /** @return a node's base URL */
    public String url(String node) {
        return "http://127.0.0.1:" + (firstHttpPort + index(node));
    }

    private int index(String node) {
        return Integer.parseInt(node.substring(2)) - 1;
    }

    private LocalElasticsearch.Settings settings(String node, boolean clean, Duration timeout) {
        return new LocalElasticsearch.Settings(Path.of(System.getProperty("gateway.project-dir", "."))
                .resolve(".local/elasticsearch"), dir.resolve(node + "/data"), dir.resolve(node + "/logs"),
                firstHttpPort + index(node), heap, "elasticsearch", clean, timeout);
    }

    /**
     * Starts every node at once (a node alone waits for a master) and waits until the cluster is green with all nodes.
     *
     * @param timeout how long to wait for green
     */
    public void start(Duration timeout) throws Exception {
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (String node : nodeNames()) {
            starting.add(CompletableFuture.runAsync(() -> startNode(node, true, timeout)));
        }
        try {
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            awaitHealth("green", size, timeout);
        } catch (Exception | Error e) {
            close(); // the nodes that did start (their pid files), so no Elasticsearch outlives the test
            throw e;
        }
    }

    private void startNode(String node, boolean clean, Duration timeout) {
        List<Integer> transports = IntStream.range(0, size).mapToObj(i -> firstTransportPort + i).toList();
        processes.put(node, LocalElasticsearch.startClusterNode(settings(node, clean, timeout), clusterName, node,
                firstTransportPort + index(node), transports, nodeNames()));
    }

    /** @return the node's live process from its pid file, when it runs */
    private java.util.Optional<ProcessHandle> fromPidFile(String node) {
        try {
            Path pid = dir.resolve(node + "/logs/elasticsearch.pid");
            return java.nio.file.Files.isRegularFile(pid)
                    ? ProcessHandle.of(Long.parseLong(java.nio.file.Files.readString(pid).trim()))
                            .filter(ProcessHandle::isAlive)
                    : java.util.Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Starts a node that was killed again, on its data; returns once its process runs (it joins by itself).
     *
     * @param node e.g. {@code es2}
     */
    public void restart(String node) {
        startNode(node, false, Duration.ofMinutes(5));
    }

    /**
     * Kills a node's process with SIGKILL (no shutdown: what a crashed machine does) and waits until it is gone.
     *
     * @param node e.g. {@code es2}
     */
    public void kill(String node) throws Exception {
        ProcessHandle p = processes.remove(node);
        if (p != null) {
            p.destroyForcibly();
            p.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until {@code GET /_cluster/health} on a live node says at least {@code status} with {@code nodes} nodes.
     */
    public void awaitHealth(String status, int nodes, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = request("GET", "/_cluster/health?wait_for_status=" + status
                        + "&wait_for_nodes=" + nodes + "&timeout=5s", null);
                last = r.body();
                if (r.statusCode() == 200 && !JSON.readTree(r.body()).path("timed_out").asBoolean(true)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200); // polling a cluster that forms, not waiting for the system under test
        }
        throw new IllegalStateException("cluster " + clusterName + " not " + status + " with " + nodes + " nodes within "
                + timeout + ": " + last + " (logs in " + dir + ")");
    }

    /** @return the node holding the primary of shard 0 of {@code index} */
    public String primaryOf(String index) throws Exception {
        JsonNode shards = JSON.readTree(request("GET", "/_cat/shards/" + index + "?format=json&h=shard,prirep,node,state",
                null).body());
        for (JsonNode s : shards) {
            if ("p".equals(s.path("prirep").asText()) && "STARTED".equals(s.path("state").asText())) {
                return s.path("node").asText();
            }
        }
        throw new IllegalStateException("no started primary of " + index + ": " + shards);
    }

    /** @return the elected master's node name */
    public String master() throws Exception {
        return JSON.readTree(request("GET", "/_cat/master?format=json", null).body()).get(0).path("node").asText();
    }

    /**
     * One request to the first node that answers.
     *
     * @return its answer
     * @throws IOException when no node answers
     */
    public HttpResponse<String> request(String method, String path, String body) throws IOException,
            InterruptedException {
        IOException last = null;
        for (String node : nodeNames()) {
            if (!processes.containsKey(node)) {
                continue;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(node) + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            try {
                return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no live node in cluster " + clusterName);
    }

    /** Stops every node still running (SIGTERM, SIGKILL after 20 s), also those whose start failed half-way. */
    @Override
    public void close() {
        for (String node : nodeNames()) {
            if (!processes.containsKey(node)) {
                fromPidFile(node).ifPresent(p -> processes.put(node, p));
            }
        }
        for (ProcessHandle p : processes.values()) {
            p.destroy();
        }
        for (ProcessHandle p : processes.values()) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        processes.clear();
    }
}
