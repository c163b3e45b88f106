package io.wagateway.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.store.ElasticsearchStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter path keeps one copy of a large body (issue 15 item 8): the document refers to the received bytes
 * (no base64 string, no text copy above the limit), and the journal line written when Elasticsearch is down still
 * holds them byte-exact.
 */
class DeadLetterStoreTest {

    @TempDir
    Path journal;
    private DefaultCamelContext camel;
    private ElasticsearchStore store;
    private DeadLetterStore deadLetters;

    @BeforeEach
    void unreachableElasticsearch() {
        camel = new DefaultCamelContext();
        store = new ElasticsearchStore();
        store.setUrl("http://127.0.0.1:9");           // nothing listens there: every write fails, the journal takes it
        store.setWriteTimeoutMs(2000);
        camel.getRegistry().bind("elasticsearchStore", store);
        camel.start();
        deadLetters = new DeadLetterStore();
        deadLetters.setStore(store);
        deadLetters.setJournalDir(journal.toString());
    }

    @AfterEach
    void stop() {
        camel.stop();
        store.stop();
    }

    private Exchange failed(byte[] body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty("provider", "waha");
        exchange.setProperty("rawBody", body);
        exchange.getMessage().setBody(body);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalArgumentException("body is not valid JSON"));
        return exchange;
    }

    private static byte[] largeMalformedBody() {
        byte[] body = new byte[2_900_000];
        Arrays.fill(body, (byte) 'a');
        byte[] head = "{\"event\":\"message\",\"payload\":{\"body\":\"\u00e9".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, body, 0, head.length);
        body[body.length - 1] = (byte) 0xC3;         // a cut UTF-8 sequence: not text, bytes must stay exact
        return body;
    }

    @Test
    void aLargeBodyIsReferencedNotCopied() {
        byte[] body = largeMalformedBody();
        Map<String, Object> doc = deadLetters.toDocument(failed(body), "malformed-payload");
        assertThat(doc.get("raw_body_base64")).as("the received array itself").isSameAs(body);
        assertThat(doc).doesNotContainKey("raw_body");
        assertThat(doc.get("raw_body_bytes")).isEqualTo(body.length);
    }

    @Test
    void aSmallBodyIsAlsoKeptAsText() {
        byte[] body = "{\"event\":\"message\", broken".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> doc = deadLetters.toDocument(failed(body), "malformed-payload");
        assertThat(doc.get("raw_body")).isEqualTo("{\"event\":\"message\", broken");
        assertThat(doc.get("raw_body_base64")).isSameAs(body);
    }

    @Test
    void theJournalLineKeepsTheBytesExactly() throws Exception {
        byte[] body = largeMalformedBody();
        deadLetters.record(failed(body), "malformed-payload");
        List<Path> files;
        try (var listing = Files.list(journal)) {
            files = listing.toList();
        }
        assertThat(files).hasSize(1);
        List<String> lines = Files.readAllLines(files.get(0), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(1);
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertThat(Base64.getDecoder().decode(line.path("raw_body_base64").asText())).isEqualTo(body);
        assertThat(line.path("raw_body_bytes").asInt()).isEqualTo(body.length);
        assertThat(line.path("reason").asText()).isEqualTo("malformed-payload");
    }
}
