package io.wagateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class MappedWebhookItemsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-01-05T12:00:00Z");
    private final MappedWebhookItems items = new MappedWebhookItems(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aMappedMessageGetsTheCanonicalDefaults() throws Exception {
        List<WebhookItem> out = items.items(JSON.readTree("""
                {"kind":"message","provider":"p","account_id":"a","message_id":"m1","chat_id":"123@g.us",
                 "sender_id":"9@c.us","text":"hi","timestamp":1767612000,
                 "media":{"mime":"image/jpeg","size_bytes":"48213"},"raw":{"x":1}}"""));
        CanonicalMessage m = (CanonicalMessage) out.get(0);
        assertThat(m.documentId()).isEqualTo("p:a:m1");
        assertThat(m.chatType()).isEqualTo("group");
        assertThat(m.type()).isEqualTo("text");
        assertThat(m.status()).isEqualTo("received");
        assertThat(m.fromMe()).isFalse();
        assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-01-05T11:20:00Z"));
        assertThat(m.receivedAt()).isEqualTo(NOW);
        assertThat(m.media().sizeBytes()).isEqualTo(48213L);
        assertThat(m.raw().path("x").asInt()).isEqualTo(1);
    }

    @Test
    void anArrayMapsABatchOfMessagesUpdatesAndIgnoredEvents() throws Exception {
        List<WebhookItem> out = items.items(JSON.readTree("""
                [{"kind":"message","provider":"p","account_id":"a","message_id":"m1","from_me":true},
                 {"kind":"lifecycle","provider":"p","account_id":"a","target_message_id":"m1","update":"status",
                  "status":"read","timestamp":"2026-01-05T11:21:00Z"},
                 {"kind":"ignored","provider":"p","account_id":"a","event":"connection.update","reason":"non-message-event"}]"""));
        assertThat(out).hasSize(3);
        CanonicalMessage own = (CanonicalMessage) out.get(0);
        assertThat(own.status()).isEqualTo("sent");
        assertThat(own.type()).isEqualTo("unsupported");
        LifecycleUpdate update = (LifecycleUpdate) out.get(1);
        assertThat(update.targetDocumentId()).isEqualTo("p:a:m1");
        assertThat(update.documentId()).isEqualTo("p:a:m1:status:read");
        assertThat(((IgnoredEvent) out.get(2)).event()).isEqualTo("connection.update");
    }

    @Test
    void aMessageWithoutItsKeysIsMalformed() throws Exception {
        assertThatThrownBy(() -> items.items(JSON.readTree("{\"kind\":\"message\",\"provider\":\"p\",\"message_id\":\"m\"}")))
                .isInstanceOf(MalformedPayloadException.class);
        assertThatThrownBy(() -> items.items(JSON.readTree("\"not an object\"")))
                .isInstanceOf(MalformedPayloadException.class);
    }

    /** No message id: keyed on the content hash of its raw item, flagged - never on null (issue 15 item 10). */
    @Test
    void aMessageWithoutAMessageIdIsKeyedOnTheContentHashOfItsRawItem() throws Exception {
        CanonicalMessage first = (CanonicalMessage) items.items(JSON.readTree(
                "{\"kind\":\"message\",\"provider\":\"p\",\"account_id\":\"a\",\"text\":\"one\",\"raw\":{\"t\":\"one\"}}")).get(0);
        CanonicalMessage again = (CanonicalMessage) items.items(JSON.readTree(
                "{\"kind\":\"message\",\"provider\":\"p\",\"account_id\":\"a\",\"text\":\"one\",\"raw\":{\"t\":\"one\"}}")).get(0);
        CanonicalMessage other = (CanonicalMessage) items.items(JSON.readTree(
                "{\"kind\":\"message\",\"provider\":\"p\",\"account_id\":\"a\",\"text\":\"two\",\"raw\":{\"t\":\"two\"}}")).get(0);
        assertThat(first.messageId()).startsWith("sha256-").hasSize(7 + 64);
        assertThat(first.idSource()).isEqualTo("content_hash");
        assertThat(again.documentId()).isEqualTo(first.documentId());
        assertThat(other.documentId()).isNotEqualTo(first.documentId());
    }
}
