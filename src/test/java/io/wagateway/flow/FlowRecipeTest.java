package io.wagateway.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.MessageDetails;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/**
 * docs/recipes.md recipe 12 ("Write a multi-step flow"), read from the document and run: its file loads into Camel
 * (the flow bean and its validation route), and the engine talks the booking through - a day in the past re-asked by
 * the route's check, a button, the result for the endpoint.
 */
class FlowRecipeTest {

    private static final Pattern YAML = Pattern.compile("## 12\\. Write a multi-step flow.*?```yaml\\n(.*?)```",
            Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CanonicalMessage text(String id, String text, int second) {
        Instant at = Instant.now().plusSeconds(second);
        return new CanonicalMessage("meta", "100000000000002", id, "15550100001", "direct", null, "15550100001",
                "Alex", false, "text", text, null, null, at, at, "received", null);
    }

    private static CanonicalMessage button(String id, String buttonId, String title, int second) {
        CanonicalMessage m = text(id, null, second);
        com.fasterxml.jackson.databind.node.ObjectNode interactive = JsonNodeFactory.instance.objectNode()
                .put("type", "button_reply");
        interactive.putObject("button_reply").put("id", buttonId).put("title", title);
        return new CanonicalMessage(m.provider(), m.accountId(), id, m.chatId(), m.chatType(), null, m.senderId(),
                m.senderName(), false, "interactive", null, null, null, m.timestamp(), m.receivedAt(), "received",
                null, null, MessageDetails.NONE.withAnswer(interactive, null));
    }

    @Test
    void theBookingFlowOfTheRecipeRunsAsWritten() throws Exception {
        Matcher m = YAML.matcher(Files.readString(Path.of("docs/recipes.md")));
        assertThat(m.find()).as("recipe 12's yaml block").isTrue();
        try (CamelContext camel = new DefaultCamelContext()) {
            Properties p = new Properties();
            p.setProperty("gateway.flows.booking.enabled", "true");
            camel.getPropertiesComponent().setInitialProperties(p);
            PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString("booking.camel.yaml", m.group(1)));
            camel.start();

            InMemoryFlowStates states = new InMemoryFlowStates();
            FlowEngine engine = new FlowEngine();
            engine.setCamelContext(camel);          // the flows are found by type; the route check is called
            engine.setStates(states);
            engine.setPolicy(new AppOwnedPolicy());

            FlowDecision started = engine.dispatch(text("m1", "Book a table", 1));
            assertThat(started.outcome()).isEqualTo("started");
            assertThat(JSON.readTree(started.sends().get(0).get("request")).path("text").asText())
                    .startsWith("Which day would you like to come?");

            String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
            FlowDecision past = engine.dispatch(text("m2", yesterday, 2));
            assertThat(past.outcome()).isEqualTo("invalid");
            assertThat(past.sends()).hasSize(2);
            assertThat(JSON.readTree(past.sends().get(0).get("request")).path("text").asText())
                    .startsWith("Please write a day from today on");

            String day = LocalDate.now(ZoneOffset.UTC).plusDays(7).toString();
            FlowDecision size = engine.dispatch(text("m3", day, 3));
            assertThat(size.outcome()).isEqualTo("answered");
            JsonNode buttons = JSON.readTree(size.sends().get(0).get("request"));
            assertThat(buttons.path("type").asText()).isEqualTo("buttons");
            assertThat(buttons.path("chat_id").asText()).isEqualTo("15550100001");

            FlowDecision done = engine.dispatch(button("m4", "4", "4 people", 4));
            assertThat(done.outcome()).isEqualTo("completed");
            assertThat(done.hasResultUri()).isTrue();
            assertThat(done.resultUri()).isEqualTo("log:booking");
            assertThat(done.hasResultIndex()).isFalse();
            JsonNode result = JSON.readTree(done.result());
            assertThat(result.path("answers")).isEqualTo(JSON.readTree("{\"day\":\"" + day + "\",\"size\":\"4\"}"));
            assertThat(JSON.readTree(done.sends().get(0).get("request")).path("text").asText())
                    .isEqualTo("Booked for 4 people on " + day + ". See you!");
            assertThat(List.of(states.docs.values().iterator().next().doc().path("status").asText()))
                    .containsExactly("completed");
        }
    }
}
