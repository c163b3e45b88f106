package io.wagateway.ops;

import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * The webhook body bound under Camel JBang (issue 15 item 8): a request whose {@code Content-Length} is over
 * {@code maxBodyBytes} is answered 413 before its body is read, on every path. Camel 4.17's
 * {@code camel.server.max-body-size} bounds only the bodies Vert.x's BodyHandler reads; the webhook routes read theirs
 * as a stream ({@code useStreaming=true}, for the exact bytes), which that limit does not cover. Spring Boot has its
 * own bound (the webhook servlet filter); this bean exists only in a {@code camel run} started by {@link JBangLauncher}.
 * A body sent without {@code Content-Length} (chunked) is not bounded here.
 *
 * <p>It also keeps a webhook's JSON labelled {@code application/x-www-form-urlencoded} (Unipile's API-created
 * webhooks, providers.md §4.2) from being parsed as a form, as {@code RawBodyFilter} does under Spring Boot: on a
 * webhook path ({@code /webhooks/*} and every path of a {@code WebhookPaths} bean) such a request is relabelled
 * {@code application/octet-stream}, the original in {@code X-Gateway-Original-Content-Type}. Camel 4.17 hands a
 * form-labelled request to Vert.x's BodyHandler even with {@code useStreaming=true}, whose form decoder refuses a
 * field over 1 KB (Vert.x's {@code maxFormBufferedBytes}) and leaves the route an empty body: 400.
 */
public class VertxBodyLimit implements CamelContextAware, StartupListener {

    private CamelContext camelContext;
    private long maxBodyBytes = 3_145_728;
    private volatile java.util.Set<String> webhookPaths = java.util.Set.of();

    /** @param maxBodyBytes the largest body accepted, bytes ({@code gateway.webhooks.max-body-bytes}) */
    public void setMaxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        try {
            camelContext.addStartupListener(this);
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the body limit", e);
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        java.util.Set<String> paths = new java.util.HashSet<>();
        context.getRegistry().findByType(io.wagateway.inbound.WebhookPaths.class)
                .forEach(p -> paths.addAll(p.getPaths()));
        webhookPaths = java.util.Set.copyOf(paths);
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            router.route().order(Integer.MIN_VALUE).handler(this::check);
        }
    }

    private void check(RoutingContext rc) {
        String length = rc.request().getHeader("Content-Length");
        long bytes;
        try {
            bytes = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            bytes = Long.MAX_VALUE;
        }
        if (bytes > maxBodyBytes) {
            rc.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                    .putHeader("Connection", "close")
                    .end("{\"error\":\"body larger than " + maxBodyBytes + " bytes\"}");
            return;
        }
        String type = rc.request().getHeader("Content-Type");
        String path = rc.request().path();
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")
                && path != null && (path.startsWith("/webhooks/") || webhookPaths.contains(path))) {
            rc.request().headers().set("X-Gateway-Original-Content-Type", type);
            rc.request().headers().set("Content-Type", "application/octet-stream");
        }
        rc.next();
    }
}
