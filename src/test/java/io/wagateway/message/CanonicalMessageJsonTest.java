package io.wagateway.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.store.JsonMapperFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanonicalMessageJsonTest {

    private final ObjectMapper mapper = JsonMapperFactory.create();

    private CanonicalMessage message() {
        return new CanonicalMessage("meta", "acc", "wamid.1", "US.1", "direct", null, "US.1", "Ann", false, "text",
                "hi", null, null, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:01Z"),
                "received", null);
    }

    @Test
    void aMessageWithoutDetailsHasNoneOfTheirFields() {
        JsonNode doc = mapper.valueToTree(message());
        assertThat(doc.has("details")).isFalse();
        assertThat(doc.has("sender_user_id")).isFalse();
        assertThat(doc.has("attachments")).isFalse();
        assertThat(doc.path("chat_id").asText()).isEqualTo("US.1");
    }

    @Test
    void detailsAreTopLevelSnakeCaseFieldsOnlyWhenSet() {
        CanonicalMessage m = message().withDetails(MessageDetails.NONE
                .withIdentity("US.1", "US.ENT.2", "@ann", null)
                .withAttachments(List.of(new Media("image/png", null, "m1", null, null, null)), "WHATSAPP")
                .withOrigin(true, null, "history"));
        JsonNode doc = mapper.valueToTree(m);
        assertThat(doc.path("sender_user_id").asText()).isEqualTo("US.1");
        assertThat(doc.path("sender_parent_user_id").asText()).isEqualTo("US.ENT.2");
        assertThat(doc.path("sender_username").asText()).isEqualTo("@ann");
        assertThat(doc.has("sender_phone")).isFalse();
        assertThat(doc.path("attachments").get(0).path("id").asText()).isEqualTo("m1");
        assertThat(doc.path("channel").asText()).isEqualTo("WHATSAPP");
        assertThat(doc.path("history").asBoolean()).isTrue();
        assertThat(doc.has("standby")).isFalse();
        assertThat(doc.path("webhook_field").asText()).isEqualTo("history");
        assertThat(doc.has("details")).isFalse();
        assertThat(m.withNames("chat", null).details()).isEqualTo(m.details());
        assertThat(m.withId("x", "content_hash").details()).isEqualTo(m.details());
    }
}
