/**
 * The HTTP entry of the webhooks under the Spring Boot runtime: the only custom HTTP code of the gateway, kept here
 * because Camel 4.17's Spring Boot platform-http consumer cannot host the protections of docs/http-entry.md, and as
 * the place a future Camel release would replace. Under Camel JBang (Vert.x) none of it runs.
 *
 * <ul>
 *   <li>{@link io.wagateway.runtime.springboot.WebhookServlet}: byte admission before authentication (two
 *       {@link io.wagateway.runtime.springboot.ByteBudget}s counted as bytes are read, with Servlet non-blocking
 *       reads), the body deadline (408, no thread held by a trickling client), the 413 limit, admission control
 *       (503 above {@code max-in-flight}), 503 while the routes are not started, and raw-byte capture. The stock
 *       consumer reads the body with blocking reads on a task-executor thread inside Camel's HTTP binding, and
 *       Camel's Spring MVC handler mapping answers 404 for a path whose consumer is not started yet: none of these
 *       can be configured there. Would be replaced by a platform-http consumer option for a body deadline and a
 *       byte budget (Vert.x has {@code bodyLimit} only), or by Tomcat reading bodies non-blocking itself.</li>
 *   <li>{@link io.wagateway.runtime.springboot.AsyncPlatformHttpEngine}: routes with Camel's {@code AsyncProcessor},
 *       so no thread waits for Elasticsearch, and lists its consumers by path for the servlet. It subclasses
 *       camel-spring-boot's {@code SpringBootPlatformHttpEngine}; kept because the servlet needs a consumer it can hand
 *       a read request to, and for its measured gain over the stock consumer with a sized Spring task executor
 *       ({@code spring.task.execution.pool.core-size}): 24-35 % less gateway CPU per webhook, see
 *       docs/http-entry.md, "Stock platform-http or the custom entry". Would be replaced by an asynchronous Spring Boot platform-http
 *       consumer (as the Vert.x one is) that can be handed an already read request.</li>
 *   <li>{@link io.wagateway.runtime.springboot.RawBodyFilter}: raw-byte capture and the 413 limit for the stock
 *       engine ({@code gateway.webhooks.async=false}, the comparison path). Would be replaced by platform-http
 *       keeping the raw bytes of a body (a {@code byte[]} body option) and not parsing a form-labelled JSON body.</li>
 *   <li>{@link io.wagateway.runtime.springboot.InboundHttpConfiguration}: the Spring Boot wiring of the above on
 *       {@code /webhooks/*} and on every provider's {@code gateway.<provider>.paths}.</li>
 * </ul>
 * Tests: {@code ByteBudgetTest}, {@code RawBodyFilterTest}, {@code InboundHttpConfigurationTest} (this package);
 * end to end {@code HttpEntryIT} (budgets, deadline, 503 while starting), {@code BadInputIT} (413, 400),
 * {@code FuzzIT}.
 */
package io.wagateway.runtime.springboot;
