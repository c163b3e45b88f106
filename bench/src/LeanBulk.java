import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Phase (a), Elasticsearch's own {@code _bulk} limit (issue 18, "Measure the limit right first"): the documents are
 * serialised to NDJSON before the clock starts (with the gateway's own {@code ObjectMapper}, as its store writes them:
 * {@code create} with the real {@code _id}), then {@code clients} threads send the prepared bodies through
 * {@code java.net.http} (one request per {@code _bulk} of 500-1,000 documents: the client's ≈ 1 ms per request is
 * ≈ 1 µs per document) and read only {@code errors} and the failed items ({@code filter_path}).
 */
final class LeanBulk {

    /** The bodies of one pass: NDJSON, {@code size} documents each. */
    record Prepared(List<byte[]> bodies, int documents, long bytes) {
    }

    /** What a pass measured. */
    record Result(int documents, double seconds, long itemErrors, int requests) {
        double docsPerSecond() {
            return documents / seconds;
        }
    }

    private LeanBulk() {
    }

    /**
     * @param mapper the gateway store's mapper ({@code ElasticsearchStore.objectMapper()})
     * @param index  alias or index to create the documents in
     * @param docs   the documents
     * @param size   documents per {@code _bulk}
     * @return the prepared bodies
     */
    static Prepared prepare(ObjectMapper mapper, String index, List<CanonicalMessage> docs, int size) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < docs.size(); i += size) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(size * 2048);
            for (CanonicalMessage m : docs.subList(i, Math.min(docs.size(), i + size))) {
                out.write(mapper.writeValueAsBytes(Map.of("create", Map.of("_index", index, "_id", m.documentId()))));
                out.write('\n');
                out.write(mapper.writeValueAsBytes(m));
                out.write('\n');
            }
            byte[] body = out.toByteArray();
            bytes += body.length;
            bodies.add(body);
        }
        return new Prepared(bodies, docs.size(), bytes);
    }

    /** One document of a {@code _bulk}: where, under which {@code _id}, what. */
    record Doc(String index, String id, Object document) {
    }

    /**
     * As {@link #prepare(ObjectMapper, String, List, int)}, for documents of several indices (the traffic mix's
     * messages and updates).
     */
    static Prepared prepareDocs(ObjectMapper mapper, List<Doc> docs, int size) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < docs.size(); i += size) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(size * 2048);
            for (Doc d : docs.subList(i, Math.min(docs.size(), i + size))) {
                out.write(mapper.writeValueAsBytes(Map.of("create", Map.of("_index", d.index(), "_id", d.id()))));
                out.write('\n');
                out.write(mapper.writeValueAsBytes(d.document()));
                out.write('\n');
            }
            byte[] body = out.toByteArray();
            bytes += body.length;
            bodies.add(body);
        }
        return new Prepared(bodies, docs.size(), bytes);
    }

    /**
     * Sends every prepared body once, {@code clients} at a time.
     *
     * @param esUrl   Elasticsearch's base URL
     * @param bodies  from {@link #prepare}
     * @param clients concurrent requests
     * @return documents, seconds, failed items
     * @throws IllegalStateException when Elasticsearch answers other than 200
     */
    static Result send(String esUrl, Prepared bodies, int clients) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create(esUrl + "/_bulk?filter_path=errors,items.*.error.type");
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(clients);
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                try {
                    for (int b; (b = next.getAndIncrement()) < bodies.bodies().size(); ) {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                                .header("Content-Type", "application/x-ndjson")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.bodies().get(b))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("_bulk answered " + r.statusCode() + ": " + r.body());
                        }
                        if (r.body().contains("\"errors\":true")) {
                            errors.addAndGet(r.body().split("\"type\"", -1).length - 1);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            }, "lean-bulk-" + c);
            t.setDaemon(true);
            t.start();
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("lean _bulk failed", failures.get(0));
        }
        return new Result(bodies.documents(), seconds, errors.get(), bodies.bodies().size());
    }
}
