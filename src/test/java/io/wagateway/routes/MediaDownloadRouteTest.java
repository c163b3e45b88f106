package io.wagateway.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaDownloads;
import io.wagateway.media.MediaItem;
import io.wagateway.media.MediaJob;
import io.wagateway.media.MediaSpool;
import io.wagateway.media.PlaceholderMediaStore;
import io.wagateway.media.StoredObject;
import io.wagateway.message.LifecycleUpdate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Route tests of the download worker (routes/media.camel.yaml: media-download, its route configuration
 * media-download-errors and media-download-failed). The job index and the lifecycle are doubles that record what the
 * routes ask of them; the provider is a route {@code direct:media-download-test} whose answer depends on the message
 * id; the store is a filesystem store under target/; the dead-letter channel's end is mock:dead-letter.
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/media.camel.yaml",
        "gateway.media.dir=target/media-route-test",
        "gateway.media.retries=2",
        "gateway.media.retry-delay-ms=10",
        "gateway.media.recovery-delay-ms=3600000"})
class MediaDownloadRouteTest extends RouteTestSupport {

    static final byte[] BYTES = "the bytes of an image".getBytes(StandardCharsets.UTF_8);
    static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    static final List<LifecycleUpdate> UPDATES = new CopyOnWriteArrayList<>();
    static final List<String> MARKS = new CopyOnWriteArrayList<>();

    /** The job index: every claim succeeds, except for message id {@code lost} (another worker holds it). */
    public static class JobsDouble extends MediaDownloads {
        @Override
        public MediaJob claim(MediaItem item) {
            return "lost".equals(item.messageId()) ? null
                    : new MediaJob(item, 1, 1, JsonNodeFactory.instance.objectNode().put("attempts", 0));
        }

        @Override
        public void markStored(MediaJob job, StoredObject stored, Exchange exchange) {
            MARKS.add(job.item().messageId() + ":stored:" + stored.sha256() + ":redeliveries="
                    + exchange.getVariable(io.wagateway.media.MediaDownloadRetried.REDELIVERIES, 0, Integer.class));
        }

        @Override
        public boolean markFailed(Exchange exchange) {
            MARKS.add(exchange.getVariable("media", MediaItem.class).messageId() + ":failed");
            return true;
        }
    }

    /** Stands in for messageLifecycle: records the media updates. */
    public static class LifecycleDouble {
        public String keep(LifecycleUpdate update) {
            UPDATES.add(update);
            return "update_STORED";
        }
    }

    @Override
    protected void prepare() throws Exception {
        context.getRegistry().bind("mediaDownloads", new JobsDouble());
        context.getRegistry().bind("mediaDownloadRetried", new io.wagateway.media.MediaDownloadRetried());
        context.getRegistry().bind("messageLifecycle", new LifecycleDouble());
        PlaceholderMediaStore store = new PlaceholderMediaStore();
        store.setDir("target/media-route-test");
        context.getRegistry().bind("mediaStore", store);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                errorHandler(noErrorHandler());
                from("direct:media-download-test").routeId("media-download-test").process(this::answer);
                from("direct:dead-letter").routeId("dead-letter-test").to("mock:dead-letter");
            }

            private void answer(Exchange exchange) throws IOException {
                MediaItem item = exchange.getVariable("media", MediaItem.class);
                int call = CALLS.computeIfAbsent(item.messageId(), k -> new AtomicInteger()).incrementAndGet();
                switch (item.messageId()) {
                    case "gone" -> throw new MediaDownloadException(404, "not_found", "HTTP 404", true);
                    case "down" -> throw new IOException("connection refused");
                    case "flaky" -> {
                        if (call == 1) {
                            throw new IOException("connection reset");
                        }
                    }
                    case "mismatch" -> exchange.setVariable("expectedSha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
                    default -> { }
                }
                MediaSpool spool = exchange.getContext().getRegistry().lookupByNameAndType("mediaSpool", MediaSpool.class);
                exchange.getMessage().setBody(spool.spool(new ByteArrayInputStream(BYTES), item.type(), "image/png"));
            }
        });
    }

    @BeforeEach
    void clear() {
        CALLS.clear();
        UPDATES.clear();
        MARKS.clear();
    }

    private void download(String messageId) {
        MediaItem item = new MediaItem(MediaItem.jobId("test:acct:" + messageId, 0), "test:acct:" + messageId, "test",
                "acct", messageId, "chat", 0, "image", "image/png", "http://provider/file", null, null, null, null);
        template.sendBody(context.getRoute("media-download").getEndpoint(), item);
    }

    private static int calls(String messageId) {
        AtomicInteger n = CALLS.get(messageId);
        return n == null ? 0 : n.get();
    }

    @Test
    void aDownloadIsStoredAndProjected() throws Exception {
        download("ok");
        await().atMost(Duration.ofSeconds(10)).until(() -> MARKS.size() == 1);
        assertThat(MARKS.get(0)).startsWith("ok:stored:").endsWith(":redeliveries=0");
        assertThat(UPDATES).singleElement().satisfies(u -> {
            assertThat(u.update()).isEqualTo("media");
            assertThat(u.targetDocumentId()).isEqualTo("test:acct:ok");
            assertThat(u.raw().path("stored").path("size_bytes").asLong()).isEqualTo(BYTES.length);
            assertThat(u.raw().path("stored").path("mime").asText()).isEqualTo("image/png");
        });
    }

    @Test
    void aLostClaimDownloadsNothing() throws Exception {
        download("lost");
        download("ok");   // the worker goes on; "lost" went before it on the same queue
        await().atMost(Duration.ofSeconds(10)).until(() -> MARKS.size() == 1);
        assertThat(calls("lost")).isZero();
        assertThat(UPDATES).extracting(LifecycleUpdate::targetMessageId).containsExactly("ok");
    }

    @Test
    void aFailedDownloadIsRetriedThenStored() throws Exception {
        download("flaky");
        await().atMost(Duration.ofSeconds(10)).until(() -> MARKS.size() == 1);
        assertThat(calls("flaky")).isEqualTo(2);
        assertThat(MARKS.get(0)).startsWith("flaky:stored:").endsWith(":redeliveries=1");
    }

    @Test
    void retriesExhaustedRecordTheFailureAndDeadLetterTheJob() throws Exception {
        MockEndpoint deadLetter = mock("mock:dead-letter");
        deadLetter.expectedBodiesReceived(MediaItem.jobId("test:acct:down", 0));
        download("down");
        deadLetter.assertIsSatisfied(10_000);
        assertThat(calls("down")).isEqualTo(3); // the first attempt and gateway.media.retries=2
        Exchange letter = deadLetter.getReceivedExchanges().get(0);
        assertThat(letter.getProperty("deadLetterReason")).isEqualTo("media-download-failed");
        assertThat(letter.getProperty("deadLetterRef")).isEqualTo(MediaItem.jobId("test:acct:down", 0));
        assertThat(MARKS).containsExactly("down:failed");
        assertThat(UPDATES).singleElement().satisfies(u -> {
            assertThat(u.raw().path("download_error").path("reason").asText()).isEqualTo("error");
            assertThat(u.raw().path("download_error").path("final").asBoolean()).isFalse();
            assertThat(u.raw().path("download_error").path("attempts").asInt()).isEqualTo(3);
        });
    }

    @Test
    void aFinalFailureIsNotRetried() throws Exception {
        MockEndpoint deadLetter = mock("mock:dead-letter");
        deadLetter.expectedMessageCount(1);
        download("gone");
        deadLetter.assertIsSatisfied(10_000);
        assertThat(calls("gone")).isEqualTo(1);
        assertThat(UPDATES).singleElement().satisfies(u -> {
            assertThat(u.raw().path("download_error").path("reason").asText()).isEqualTo("not_found");
            assertThat(u.raw().path("download_error").path("status").asInt()).isEqualTo(404);
            assertThat(u.raw().path("download_error").path("final").asBoolean()).isTrue();
        });
    }

    @Test
    void aSha256MismatchIsRefusedFinallyAndNothingIsStored() throws Exception {
        MockEndpoint deadLetter = mock("mock:dead-letter");
        deadLetter.expectedMessageCount(1);
        download("mismatch");
        deadLetter.assertIsSatisfied(10_000);
        assertThat(calls("mismatch")).isEqualTo(1);
        assertThat(MARKS).containsExactly("mismatch:failed");
        assertThat(UPDATES).singleElement().satisfies(
                u -> assertThat(u.raw().path("download_error").path("reason").asText()).isEqualTo("sha256_mismatch"));
        try (var spool = java.nio.file.Files.list(java.nio.file.Path.of("target/media-route-test/.spool"))) {
            assertThat(spool).isEmpty(); // the spool file was discarded
        }
    }
}
