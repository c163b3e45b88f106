import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.util.BinaryData;
import io.wagateway.deadletter.DeadLetterStore;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.JsonMapperFactory;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

/**
 * How many bytes the dead-letter path allocates for one large malformed body (issue 15 item 8): a signed, malformed
 * 2.9 MB WAHA body is dead-lettered (1) towards Elasticsearch - the document is built and serialised exactly as the
 * client's BulkIngester does (BinaryData.of with the store's Jackson mapper) - and (2) to the local journal, as when
 * Elasticsearch is down (DeadLetterStore.record with an unreachable store). Allocation is read from the JVM's
 * per-thread allocation counter (com.sun.management.ThreadMXBean), after a warm-up, and printed as bytes and as
 * multiples of the body. Run on demand: bench/deadletter/run.sh. Not part of the test suite.
 */
public class DeadLetterCopies {

    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 2_900_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] body = malformedBody(size);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        DefaultCamelContext camel = new DefaultCamelContext();
        ElasticsearchStore store = new ElasticsearchStore();
        store.setUrl("http://127.0.0.1:9");          // nothing listens: every write fails, the journal takes it
        store.setWriteTimeoutMs(2000);
        camel.getRegistry().bind("elasticsearchStore", store);
        camel.start();
        DeadLetterStore deadLetters = new DeadLetterStore();
        deadLetters.setCamelContext(camel);
        Path journal = Files.createTempDirectory("dead-letter-bench");
        deadLetters.setJournalDir(journal.toString());
        JacksonJsonpMapper esMapper = new JacksonJsonpMapper(JsonMapperFactory.create());
        java.lang.reflect.Method serialise = null;
        try {
            serialise = DeadLetterStore.class.getMethod("serialise", Map.class);
        } catch (NoSuchMethodException before) {
            System.out.println("(DeadLetterStore without serialise(): the version before the fix)");
        }

        long[] toElasticsearch = new long[rounds];
        long[] toJournal = new long[rounds];
        final java.lang.reflect.Method serialiseMethod = serialise;
        for (int round = -2; round < rounds; round++) {          // two warm-up rounds
            Exchange exchange = exchange(camel, body);
            long before = threads.getCurrentThreadAllocatedBytes();
            Map<String, Object> doc = deadLetters.toDocument(exchange, "malformed-payload");
            // what reaches the bulk request: the store's own serialisation when it has one (the client then sends it
            // as it is), else what BulkIngester.add does with a document object
            sink = serialiseMethod == null ? BinaryData.of(doc, esMapper) : serialiseMethod.invoke(deadLetters, doc);
            long es = threads.getCurrentThreadAllocatedBytes() - before;

            Exchange failed = exchange(camel, body);
            before = threads.getCurrentThreadAllocatedBytes();
            deadLetters.record(failed, "malformed-payload");     // Elasticsearch unreachable: journaled
            long journaled = threads.getCurrentThreadAllocatedBytes() - before;
            if (round >= 0) {
                toElasticsearch[round] = es;
                toJournal[round] = journaled;
            }
        }
        long esMedian = median(toElasticsearch);
        long journalMedian = median(toJournal);
        System.out.printf("body: %,d bytes (malformed JSON, ASCII), %d rounds, median allocation per dead letter:%n",
                body.length, rounds);
        System.out.printf("  document + bulk serialisation (to Elasticsearch): %,d bytes = %.1f x the body%n",
                esMedian, esMedian / (double) body.length);
        System.out.printf("  document + journal line (Elasticsearch down):      %,d bytes = %.1f x the body%n",
                journalMedian, journalMedian / (double) body.length);
        System.out.printf("  (serialised base64 alone is %.2f x the body)%n", 4.0 / 3);
        camel.stop();
        store.stop();
        try (var files = Files.list(journal)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.delete(journal);
    }

    private static Exchange exchange(DefaultCamelContext camel, byte[] body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty("provider", "waha");
        exchange.setProperty("rawBody", body);
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader("Content-Type", "application/json");
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalArgumentException("body is not valid JSON"));
        return exchange;
    }

    /** A WAHA message whose body text is {@code size} bytes long and whose JSON is cut short (malformed). */
    static byte[] malformedBody(int size) {
        String head = "{\"event\":\"message\",\"session\":\"default\",\"payload\":{\"id\":\"false_1@c.us_X\",\"body\":\"";
        byte[] bytes = new byte[size];
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(h, 0, bytes, 0, h.length);
        Arrays.fill(bytes, h.length, size, (byte) 'a');
        return bytes;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
