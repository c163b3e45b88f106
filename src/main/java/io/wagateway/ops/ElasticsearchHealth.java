package io.wagateway.ops;

import co.elastic.clients.elasticsearch._types.HealthStatus;
import io.wagateway.store.ElasticsearchStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Is the store's Elasticsearch reachable? Asks {@code GET /_cluster/health} through the store's own client (this
 * Elasticsearch distribution answers 405 to {@code GET /}) and gives up after a short timeout, so a probe never
 * hangs on a dead cluster. Used by the readiness probe and {@code GET /health}.
 */
public final class ElasticsearchHealth {

    private static final ExecutorService CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "es-health-check");
        t.setDaemon(true);
        return t;
    });

    /**
     * The answer of one check.
     *
     * @param up     true when the cluster answered green or yellow
     * @param status {@code green}, {@code yellow}, {@code red} or {@code unreachable}
     * @param error  why it is not up, or null
     */
    public record Result(boolean up, String status, String error) {
    }

    private ElasticsearchHealth() {
    }

    /**
     * @param store     the gateway's store (its client is created if needed)
     * @param timeoutMs how long to wait for the answer, in ms
     * @return the cluster's state; never throws
     */
    public static Result check(ElasticsearchStore store, long timeoutMs) {
        if (store == null) {
            return new Result(false, "unreachable", "no elasticsearchStore bean");
        }
        try {
            HealthStatus status = CompletableFuture.supplyAsync(() -> {
                try {
                    store.start();
                    return store.client().cluster().health().status();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, CHECKS).get(timeoutMs, TimeUnit.MILLISECONDS);
            String name = status.jsonValue();
            return new Result(status != HealthStatus.Red, name, status == HealthStatus.Red ? "cluster is red" : null);
        } catch (java.util.concurrent.TimeoutException e) {
            return new Result(false, "unreachable", "no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "unreachable", "interrupted");
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return new Result(false, "unreachable", cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }
}
