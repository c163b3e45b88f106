package io.wagateway.store;

import co.elastic.clients.json.JsonpMapper;
import co.elastic.clients.transport.ElasticsearchTransportBase;
import co.elastic.clients.transport.TransportOptions;
import co.elastic.clients.transport.http.TransportHttpClient;
import co.elastic.clients.transport.instrumentation.Instrumentation;
import co.elastic.clients.transport.rest5_client.Rest5ClientHttpClient;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The store's transport: the client's own {@link Rest5Client} (every configured node; round robin, a node that cannot
 * be reached or answers 502/503/504 is skipped for a while and the request goes to the next one) with one addition:
 * {@code wait_for_active_shards} on every write request ({@code _bulk}, index, create, update, delete) that does not
 * set it itself, so no write path can forget it. Reads and searches are sent as they are.
 *
 * <p>Elasticsearch checks {@code wait_for_active_shards} before it writes: it is a pre-check, not a durability
 * guarantee (a copy that fails after the check does not undo the write).
 */
final class StoreTransport extends ElasticsearchTransportBase {

    /** The endpoints ({@code Endpoint.id()} of elasticsearch-java 9.2) that take {@code wait_for_active_shards}. */
    static final Set<String> WRITE_ENDPOINTS = Set.of("es/bulk", "es/index", "es/create", "es/update", "es/delete");

    private final Rest5Client restClient;
    private final String waitForActiveShards;

    /**
     * @param restClient          the low-level client over every node
     * @param mapper              the JSON mapper of documents
     * @param waitForActiveShards the value for every write, or null for Elasticsearch's default
     */
    StoreTransport(Rest5Client restClient, JsonpMapper mapper, String waitForActiveShards) {
        this(restClient, mapper, waitForActiveShards, null, null);
    }

    private StoreTransport(Rest5Client restClient, JsonpMapper mapper, String waitForActiveShards,
            TransportOptions options, Instrumentation instrumentation) {
        super(new WritesWaitForActiveShards(new Rest5ClientHttpClient(restClient), waitForActiveShards), options,
                mapper, instrumentation);
        this.restClient = restClient;
        this.waitForActiveShards = waitForActiveShards;
    }

    /** @return the low-level client (its HTTP client's state tells whether the I/O reactor still runs) */
    Rest5Client restClient() {
        return restClient;
    }

    @Override
    protected ElasticsearchTransportBase cloneWith(TransportOptions options, JsonpMapper mapper,
            Instrumentation instrumentation) {
        return new StoreTransport(restClient, mapper != null ? mapper : this.mapper, waitForActiveShards,
                options != null ? options : this.transportOptions,
                instrumentation != null ? instrumentation : this.instrumentation);
    }

    /** Adds {@code wait_for_active_shards} to the write requests that do not carry it. */
    static final class WritesWaitForActiveShards implements TransportHttpClient {

        private final TransportHttpClient delegate;
        private final String value;

        WritesWaitForActiveShards(TransportHttpClient delegate, String value) {
            this.delegate = delegate;
            this.value = value;
        }

        /** @return the request with {@code wait_for_active_shards} when it is a write without it, else itself */
        Request withWaitForActiveShards(String endpointId, Request request) {
            if (value == null || !WRITE_ENDPOINTS.contains(endpointId)
                    || request.queryParams().containsKey("wait_for_active_shards")) {
                return request;
            }
            Map<String, String> params = new HashMap<>(request.queryParams());
            params.put("wait_for_active_shards", value);
            return new Request(request.method(), request.path(), params, request.headers(), request.body());
        }

        @Override
        public TransportOptions createOptions(TransportOptions options) {
            return delegate.createOptions(options);
        }

        @Override
        public Response performRequest(String endpointId, Node node, Request request, TransportOptions options)
                throws IOException {
            return delegate.performRequest(endpointId, node, withWaitForActiveShards(endpointId, request), options);
        }

        @Override
        public CompletableFuture<Response> performRequestAsync(String endpointId, Node node, Request request,
                TransportOptions options) {
            return delegate.performRequestAsync(endpointId, node, withWaitForActiveShards(endpointId, request),
                    options);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
