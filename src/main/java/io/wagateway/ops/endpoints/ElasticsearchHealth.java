package io.wagateway.ops.endpoints;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Is the store ready? Asks {@code GET /_cluster/health} through the store's own client (this Elasticsearch
 * distribution answers 405 to {@code GET /}), then the store itself ({@link ElasticsearchStore#notReady()}: every
 * alias in place), each with a short timeout, so a probe never hangs on a dead cluster. Used by the readiness probe
 * and {@code GET /health}.
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
     * @param up     true when the cluster answered green or yellow and the store is ready
     * @param status {@code green}, {@code yellow}, {@code red}, {@code unreachable} or {@code error}
     * @param error  why it is not up, or null
     */
    public record Result(boolean up, String status, String error) {
    }

    private ElasticsearchHealth() {
    }

    /**
     * Asks the cluster's health, then whether the store is ready (every alias in place, the client working): a store
     * that is not ready tries to prepare itself here, so it recovers without a restart once its cause is repaired.
     *
     * @param store     the gateway's store (its client is created if needed)
     * @param timeoutMs how long to wait for each answer, in ms
     * @return the state: {@code status} is the cluster's ({@code green}, {@code yellow}, {@code red}),
     *         {@code unreachable} when Elasticsearch did not answer, or {@code error} when it answered with an error;
     *         {@code error} says why the store is not up (never "unreachable" when Elasticsearch answered); never throws
     */
    public static Result check(ElasticsearchStore store, long timeoutMs) {
        if (store == null) {
            return new Result(false, "unreachable", "no elasticsearchStore bean");
        }
        HealthStatus status;
        try {
            status = CompletableFuture.supplyAsync(() -> {
                try {
                    store.start();
                    return store.client().cluster().health().status();
                } catch (java.io.IOException e) {
                    store.repairIfBroken(e);
                    throw new java.io.UncheckedIOException(e);
                }
            }, CHECKS).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return new Result(false, "unreachable", "no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "unreachable", "interrupted");
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof ElasticsearchException ee) {
                return new Result(false, "error", "Elasticsearch answered " + ee.status() + ": " + ee.getMessage());
            }
            if (cause instanceof co.elastic.clients.transport.TransportException te && te.statusCode() > 0) {
                return new Result(false, "error", "Elasticsearch answered HTTP " + te.statusCode() + ": "
                        + te.getMessage());
            }
            if (cause instanceof StoreUnavailableException) {
                return new Result(false, "error", cause.getMessage());
            }
            return new Result(false, "unreachable", cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        String name = status.jsonValue();
        if (status == HealthStatus.Red) {
            return new Result(false, name, "cluster is red");
        }
        String notReady;
        try {
            notReady = CompletableFuture.supplyAsync(store::notReady, CHECKS).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            notReady = "Elasticsearch answered; the store is still preparing its indices";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notReady = "interrupted";
        } catch (Exception e) {
            notReady = String.valueOf(e.getCause() != null ? e.getCause() : e);
        }
        return new Result(notReady == null, name, notReady);
    }
}
