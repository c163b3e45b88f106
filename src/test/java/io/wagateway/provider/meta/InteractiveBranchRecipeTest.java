package io.wagateway.provider.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.support.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/**
 * The route of docs/recipes.md "Branch on the button a user chose", read from the document and run by Camel: a route
 * can branch on the chosen button's id because the answer is a field of the message (issue 16 item 6).
 */
class InteractiveBranchRecipeTest {

    private static final Pattern YAML = Pattern.compile(
            "## Branch on the button a user chose.*?```yaml\\n(.*?)```", Pattern.DOTALL);

    private static CanonicalMessage message(String fixture) throws Exception {
        return (CanonicalMessage) new MetaNormalizer()
                .normalize(new ObjectMapper().readTree(Fixtures.bytes(fixture))).get(0);
    }

    @Test
    void theRecipeRouteSendsTheRescheduleAnswerToItsEndpointOnly() throws Exception {
        Matcher m = YAML.matcher(Files.readString(Path.of("docs/recipes.md")));
        assertThat(m.find()).as("the recipe's yaml block").isTrue();
        try (CamelContext camel = new DefaultCamelContext()) {
            Properties p = new Properties();
            p.setProperty("gateway.reschedule.endpoint", "seda:reschedule");
            p.setProperty("gateway.template-answers.endpoint", "seda:template-answers");
            camel.getPropertiesComponent().setInitialProperties(p);
            PluginHelper.getRoutesLoader(camel).loadRoutes(
                    ResourceHelper.fromString("button-answers.camel.yaml", m.group(1)));
            camel.start();
            ProducerTemplate producer = camel.createProducerTemplate();
            ConsumerTemplate consumer = camel.createConsumerTemplate();

            // shared fixture: interactive button_reply {id: reschedule-button, title: Reschedule}
            CanonicalMessage reschedule = message("webhooks/meta/interactive_button_reply.json");
            producer.sendBody("direct:button-answers", reschedule);
            assertThat(consumer.receiveBody("seda:reschedule", 5000)).isSameAs(reschedule);

            // a list answer (list_reply {id: ship_express}) takes no branch
            producer.sendBody("direct:button-answers", message("webhooks/meta/interactive_list_reply.json"));
            // a template quick-reply tap (button {payload: callback_data}) takes the second
            CanonicalMessage tap = message("peer/meta/pywa__template_quick_reply_no_context.json");
            producer.sendBody("direct:button-answers", tap);
            assertThat(consumer.receiveBody("seda:template-answers", 5000)).isSameAs(tap);
            assertThat(consumer.receiveBodyNoWait("seda:reschedule")).as("the list answer").isNull();
        }
    }
}
