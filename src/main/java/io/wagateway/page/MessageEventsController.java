package io.wagateway.page;

import io.wagateway.api.AdminAccessException;
import java.io.IOException;
import org.apache.camel.CamelContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /events/messages}: the live page's Server-Sent Events stream, one {@code message} event per newly
 * stored message (JSON as in {@link MessageEvents.Sink#send}), a {@code ready} event on connect and a keep-alive
 * comment every {@code gateway.page.events.heartbeat-ms}. Bearer token as the page's API ({@link MessageBrowser}):
 * 401 wrong/missing, 404 off; 503 when too many browsers are connected.
 *
 * <p>Why Spring MVC's {@code SseEmitter} and not a Camel route: an SSE answer is one long-lived response written in
 * pieces, which needs the servlet's async support; Camel's platform-http answers each exchange with one body. The
 * routes still decide what is published ({@code routes/messages-page.camel.yaml}); this class only holds connections.
 * The beans are looked up in the Camel registry, where the routes declare them.
 */
@RestController
public class MessageEventsController {

    private final CamelContext camelContext;
    private final long timeoutMs;

    /**
     * @param camelContext the gateway's Camel context (its registry holds {@code messageBrowser} and {@code messageEvents})
     * @param timeoutMs    {@code gateway.page.events.timeout-ms}: a connection is closed after this long (the page
     *                     reconnects)
     */
    public MessageEventsController(CamelContext camelContext,
            @Value("${gateway.page.events.timeout-ms:1800000}") long timeoutMs) {
        this.camelContext = camelContext;
        this.timeoutMs = timeoutMs;
    }

    /**
     * @param authorization {@code Authorization: Bearer <token>}
     * @return the event stream
     */
    @GetMapping(path = "/events/messages", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter events(@RequestHeader(value = "Authorization", required = false) String authorization)
            throws IOException {
        try {
            bean("messageBrowser", MessageBrowser.class).authorize(authorization); // the page token or an operator's
        } catch (AdminAccessException e) {
            throw new ResponseStatusException(HttpStatus.valueOf(e.getStatus()), e.getMessage());
        }
        SseEmitter emitter = new SseEmitter(timeoutMs);
        MessageEvents.Subscription subscription;
        try {
            subscription = bean("messageEvents", MessageEvents.class).subscribe(new MessageEvents.Sink() {
                @Override
                public void send(String type, String json) throws IOException {
                    emitter.send(SseEmitter.event().name(type).data(json, MediaType.APPLICATION_JSON));
                }

                @Override
                public void heartbeat() throws IOException {
                    emitter.send(SseEmitter.event().comment("keep-alive"));
                }

                @Override
                public void close() {
                    emitter.complete();
                }
            });
        } catch (IllegalStateException e) {
            throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        }
        emitter.onCompletion(subscription::cancel);
        emitter.onTimeout(subscription::cancel);
        emitter.onError(e -> subscription.cancel());
        emitter.send(SseEmitter.event().name("ready").data("{}", MediaType.APPLICATION_JSON));
        return emitter;
    }

    /** Ends open streams first, so connected browsers never hold up a graceful shutdown. */
    @EventListener(ContextClosedEvent.class)
    public void closeStreams() {
        MessageEvents events = camelContext.getRegistry().lookupByNameAndType("messageEvents", MessageEvents.class);
        if (events != null) {
            events.closeAll();
        }
    }

    private <T> T bean(String name, Class<T> type) {
        T bean = camelContext.getRegistry().lookupByNameAndType(name, type);
        if (bean == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "routes/messages-page.camel.yaml is not loaded");
        }
        return bean;
    }
}
