package io.wagateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.wagateway.support.Fixtures;
import io.wagateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.BeanDefinition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 16 item 8: an event the gateway does not turn into a message or an update is kept in the events index (raw
 * item, provider, account, event, reason, received time), once per content, searchable and replayable through the
 * admin API. Before this change such events were answered 200 and only logged: the events index did not exist and
 * nothing of them was stored.
 */
class EventsIT extends GatewayIntegrationTest {

    private static final String TOKEN = "test-admin-token";

    /**
     * A Meta {@code user_preferences} change as Meta's "Business-scoped user IDs" page shows it (developers.facebook.com
     * /docs/whatsapp/cloud-api/business-scoped-user-ids, "User preferences webhooks"; mirrored in vaam-apps/
     * meta-whatsapp-rs, fixtures/pages/business-scoped-user-ids__user_preferences_webhooks.json). The gateway has no
     * handler for this field.
     */
    static final String META_USER_PREFERENCES = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
              "messaging_product":"whatsapp",
              "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
              "contacts":[{"profile":{"name":"Pablo M.","username":"pablomorales"},"wa_id":"16505551234",
                "user_id":"US.13491208655302741918","parent_user_id":"US.ENT.11815799212886844830"}],
              "user_preferences":[{"wa_id":"16505551234","user_id":"US.13491208655302741918",
                "parent_user_id":"US.ENT.11815799212886844830",
                "detail":"User requested to resume marketing messages","category":"marketing_messages",
                "value":"resume","timestamp":1750030073}]},
              "field":"user_preferences"}]}]}""";

    /**
     * A field Meta could add tomorrow, {@code messages_v2}, whose value is the text message of Meta's "Get started"
     * page, step 4 "Set up the test webhook app" (developers.facebook.com/docs/whatsapp/cloud-api/get-started; mirrored
     * in vaam-apps/meta-whatsapp-rs, fixtures/pages/get-started__step_4_set_up_the_test_webhook_app.json). The field
     * name is made up on purpose: it stands for "a field this version does not know".
     */
    static final String META_NEW_FIELD = """
            {"object":"whatsapp_business_account","entry":[{"id":"215589313241560883","changes":[{"value":{
              "messaging_product":"whatsapp",
              "metadata":{"display_phone_number":"15551797781","phone_number_id":"7794189252778687"},
              "contacts":[{"profile":{"name":"Jessica Laverdetman"},"wa_id":"13557825698"}],
              "messages":[{"from":"17863559966","id":"wamid.HBgLMTc4NjM1NTk5NjYVAGHAYWYET688aASGNTI1QzZFQjhEMDk2QQA=",
                "timestamp":"1758254144","text":{"body":"Hi!"},"type":"text"}]},
              "field":"messages_v2"}]}]}""";

    /**
     * A WAHA envelope (providers.md 2.5, WAHA's "Webhooks" page) of an event this version does not know,
     * {@code message.new} (made up: "an event WAHA adds later"), carrying a message payload as WAHA documents it for
     * {@code message} (providers.md 2.7).
     */
    static final String WAHA_NEW_EVENT = """
            {"id":"evt_01kb2x3y4z5a6b7c8d9e0f1g9z","timestamp":1767610740002,"event":"message.new","session":"default",
             "me":{"id":"15550100100@c.us","pushName":"Acme Support"},
             "payload":{"id":"false_15550100001@c.us_3EB0NEWEVENT01","timestamp":1767610739,
               "from":"15550100001@c.us","fromMe":false,"source":"app","to":"15550100100@c.us","participant":null,
               "body":"Hello from a new event","hasMedia":false,"media":null,"ack":1,"ackName":"SERVER"},
             "engine":"WEBJS"}""";

    @Test
    void anUnknownMetaFieldAndAnUnknownWahaEventAreKeptOnceWithTheirRawItem() throws Exception {
        double storedBefore = kept("stored");
        double duplicatesBefore = kept("duplicate");
        byte[] meta = META_USER_PREFERENCES.getBytes(StandardCharsets.UTF_8);
        byte[] waha = WAHA_NEW_EVENT.getBytes(StandardCharsets.UTF_8);
        for (int delivery = 1; delivery <= 2; delivery++) { // the second delivery is the provider's redelivery
            HttpResponse<String> m = postMeta(meta);
            assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
            assertThat(JSON.readTree(m.body()).path("ignored").asInt()).isEqualTo(1);
            HttpResponse<String> w = postWaha(waha);
            assertThat(w.statusCode()).as(w.body()).isEqualTo(200);
            assertThat(JSON.readTree(w.body()).path("ignored").asInt()).isEqualTo(1);
        }

        List<JsonNode> events = all(store().getEventsIndex());
        assertThat(events).as("one document per event content, the redelivery included").hasSize(2);
        JsonNode metaEvent = events.stream().filter(e -> "meta".equals(e.path("provider").asText())).findFirst()
                .orElseThrow();
        assertThat(metaEvent.path("account_id").asText()).isEqualTo("106540352242922");
        assertThat(metaEvent.path("event").asText()).isEqualTo("user_preferences");
        assertThat(metaEvent.path("reason").asText()).isEqualTo("unhandled-field");
        assertThat(metaEvent.path("raw_scope").asText()).isEqualTo("item");
        assertThat(metaEvent.path("raw").path("field").asText()).isEqualTo("user_preferences");
        assertThat(metaEvent.path("raw").path("value").path("user_preferences").get(0).path("value").asText())
                .isEqualTo("resume");
        assertThat(Instant.parse(metaEvent.path("received_at").asText()))
                .isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(5, ChronoUnit.MINUTES));
        assertThat(metaEvent.path("_id").asText()).startsWith("meta:106540352242922:sha256-");

        JsonNode wahaEvent = events.stream().filter(e -> "waha".equals(e.path("provider").asText())).findFirst()
                .orElseThrow();
        assertThat(wahaEvent.path("account_id").asText()).isEqualTo("default");
        assertThat(wahaEvent.path("event").asText()).isEqualTo("message.new");
        assertThat(wahaEvent.path("reason").asText()).isEqualTo("unknown-event");
        assertThat(wahaEvent.path("raw").path("payload").path("body").asText()).isEqualTo("Hello from a new event");
        assertThat(wahaEvent.path("received_at").asText()).isNotBlank();

        assertThat(kept("stored") - storedBefore).isEqualTo(2);
        assertThat(kept("duplicate") - duplicatesBefore).isEqualTo(2);

        // searchable through the admin API: filtered, paged, summaries without the raw item; bearer-protected
        assertThat(admin("GET", "/admin/events", null).statusCode()).isEqualTo(401);
        JsonNode page = JSON.readTree(admin("GET", "/admin/events?provider=waha&event=message.new", TOKEN).body());
        assertThat(page.path("total").asInt()).isEqualTo(1);
        assertThat(page.path("items").get(0).path("reason").asText()).isEqualTo("unknown-event");
        assertThat(page.path("items").get(0).has("raw")).isFalse();
        JsonNode first = JSON.readTree(admin("GET", "/admin/events?size=1", TOKEN).body());
        assertThat(first.path("items")).hasSize(1);
        JsonNode second = JSON.readTree(admin("GET", "/admin/events?size=1&after=" + first.path("next").asText(),
                TOKEN).body());
        assertThat(second.path("items")).hasSize(1);
        assertThat(second.path("next").isNull()).isTrue();
        assertThat(second.path("items").get(0).path("id").asText())
                .isNotEqualTo(first.path("items").get(0).path("id").asText());
        JsonNode whole = JSON.readTree(admin("GET", "/admin/events/" + encode(metaEvent.path("_id").asText()),
                TOKEN).body());
        assertThat(whole.path("raw").path("field").asText()).isEqualTo("user_preferences");
        assertThat(admin("GET", "/admin/events?reason=unhandled-field&from=2020-01-01T00:00:00Z", TOKEN).body())
                .contains("user_preferences").doesNotContain("message.new");
        assertThat(admin("GET", "/admin/events?replayed=maybe", TOKEN).statusCode()).isEqualTo(400);
    }

    @Test
    void replayStoresTheMessageOnceARouteHandlesTheEventAndMarksTheEvent() throws Exception {
        assertThat(postMeta(META_NEW_FIELD.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        assertThat(postWaha(WAHA_NEW_EVENT.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        List<JsonNode> events = all(store().getEventsIndex());
        assertThat(events).hasSize(2);
        String metaId = events.stream().filter(e -> "meta".equals(e.path("provider").asText())).findFirst()
                .orElseThrow().path("_id").asText();
        assertThat(all(store().getMessagesIndex())).isEmpty();

        // this version still does not handle them: the replay says so, and makes no second event document
        JsonNode still = JSON.readTree(admin("POST", "/admin/events/" + encode(metaId) + "/replay", TOKEN).body());
        assertThat(still.path("outcome").asText()).as(still.toString()).isEqualTo("still_ignored");
        assertThat(all(store().getEventsIndex())).hasSize(2);
        assertThat(all(store().getMessagesIndex())).isEmpty();

        // "the upgrade": a gateway whose payload routes handle messages_v2 like messages and message.new like message
        try (ConfigurableApplicationContext upgraded = startAnotherGateway()) {
            CamelContext camel = upgraded.getBean(CamelContext.class);
            AdviceWith.adviceWith(camel, "meta-payload", a -> a.weaveByType(BeanDefinition.class).selectFirst()
                    .after().process(e -> {
                        for (JsonNode entry : e.getMessage().getBody(JsonNode.class).path("entry")) {
                            for (JsonNode change : entry.path("changes")) {
                                if ("messages_v2".equals(change.path("field").asText())) {
                                    ((ObjectNode) change).put("field", "messages");
                                }
                            }
                        }
                    }));
            AdviceWith.adviceWith(camel, "waha-payload", a -> a.weaveByType(BeanDefinition.class).selectFirst()
                    .after().process(e -> {
                        ObjectNode envelope = (ObjectNode) e.getMessage().getBody(JsonNode.class);
                        if ("message.new".equals(envelope.path("event").asText())) {
                            envelope.put("event", "message");
                        }
                    }));
            int upgradedPort = Integer.parseInt(upgraded.getEnvironment().getProperty("local.server.port"));

            JsonNode one = JSON.readTree(admin(upgradedPort, "POST", "/admin/events/" + encode(metaId) + "/replay",
                    TOKEN).body());
            assertThat(one.path("outcome").asText()).as(one.toString()).isEqualTo("stored");
            JsonNode all = JSON.readTree(admin(upgradedPort, "POST", "/admin/events/replay?event=message.new", TOKEN)
                    .body());
            assertThat(all.path("matched").asInt()).as(all.toString()).isEqualTo(1);
            assertThat(all.path("outcomes").path("stored").asInt()).isEqualTo(1);
            // replaying again finds the messages already there
            JsonNode again = JSON.readTree(admin(upgradedPort, "POST", "/admin/events/" + encode(metaId) + "/replay",
                    TOKEN).body());
            assertThat(again.path("outcome").asText()).isEqualTo("duplicate");
        }

        JsonNode metaMessage = message("meta:7794189252778687:wamid.HBgLMTc4NjM1NTk5NjYVAGHAYWYET688aASGNTI1QzZFQjhEMDk2QQA=");
        assertThat(metaMessage).isNotNull();
        assertThat(metaMessage.path("text").asText()).isEqualTo("Hi!");
        JsonNode wahaMessage = message("waha:default:false_15550100001@c.us_3EB0NEWEVENT01");
        assertThat(wahaMessage).isNotNull();
        assertThat(wahaMessage.path("text").asText()).isEqualTo("Hello from a new event");
        assertThat(all(store().getMessagesIndex())).hasSize(2);

        // the events are marked, not deleted, and still one document each
        List<JsonNode> after = all(store().getEventsIndex());
        assertThat(after).hasSize(2);
        JsonNode metaEvent = document(store().getEventsIndex(), metaId);
        assertThat(metaEvent.path("replay_outcome").asText()).isEqualTo("duplicate");
        assertThat(metaEvent.path("replays").asInt()).isEqualTo(3);
        assertThat(metaEvent.path("replayed_at").asText()).isNotBlank();
        assertThat(JSON.readTree(admin("GET", "/admin/events?replayed=true&event=message.new", TOKEN).body())
                .path("items").get(0).path("replay_outcome").asText()).isEqualTo("stored");
    }

    @Test
    void eventsOlderThanTheRetentionAreDeleted() throws Exception {
        store().ensureIndices();
        String index = store().getEventsIndex();
        Instant old = Instant.now().minus(31, ChronoUnit.DAYS);
        assertThat(es("PUT", "/" + index + "/_doc/waha:default:old?refresh=true", "{\"provider\":\"waha\","
                + "\"event\":\"session.status\",\"reason\":\"non-message-event\",\"received_at\":\"" + old + "\"}")
                .statusCode()).isEqualTo(201);
        assertThat(postWaha(Fixtures.bytes("webhooks/waha/session_status_working.json")).statusCode()).isEqualTo(200);
        assertThat(all(index)).hasSize(2);

        EventStore events = camelContext.getRegistry().lookupByNameAndType("eventStore", EventStore.class);
        assertThat(events.getRetentionDays()).isEqualTo(30);
        assertThat(events.purgeExpired()).isEqualTo(1);
        List<JsonNode> left = all(index);
        assertThat(left).hasSize(1);
        assertThat(left.get(0).path("event").asText()).isEqualTo("session.status");
        assertThat(left.get(0).path("_id").asText()).isNotEqualTo("waha:default:old");
    }

    /**
     * Read from this context's own registry: the global composite's first child may be the closed registry of an
     * earlier test context, whose meters registered after it closed read 0 whatever the count.
     */
    private double kept(String outcome) {
        return meters.find("gateway.events.kept").tag("outcome", outcome).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @org.springframework.beans.factory.annotation.Autowired
    private io.micrometer.core.instrument.MeterRegistry meters;

    private HttpResponse<String> admin(String method, String path, String token) throws Exception {
        return admin(port, method, path, token);
    }

    private static HttpResponse<String> admin(int port, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
