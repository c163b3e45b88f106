package io.wagateway.provider.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.IgnoredEvent;
import io.wagateway.message.LifecycleUpdate;
import io.wagateway.message.WebhookItem;
import io.wagateway.support.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetaNormalizerTest {

    private final MetaNormalizer normalizer = new MetaNormalizer();

    private List<WebhookItem> normalize(String fixture) throws Exception {
        return normalizer.normalize(new ObjectMapper().readTree(Fixtures.bytes(fixture)));
    }

    @Test
    void reactionRemovalWithoutEmojiKeyOrWithEmptyEmojiIsAnEmptyReaction() throws Exception {
        for (String f : List.of("peer/meta/pywa__reaction_removed_no_emoji_key.json",
                "peer/meta/pywa__reaction_removed_empty_emoji.json")) {
            LifecycleUpdate u = (LifecycleUpdate) normalize(f).get(0);
            assertThat(u.update()).isEqualTo("reaction");
            assertThat(u.targetMessageId()).isEqualTo("wamid.yzxyzx=");
            assertThat(u.text()).isEmpty();
        }
        LifecycleUpdate added = (LifecycleUpdate) normalize("peer/meta/pywa__reaction.json").get(0);
        assertThat(added.text()).isEqualTo("\uD83D\uDE2E");
    }

    @Test
    void callsFieldIsAcknowledgedNotStored() throws Exception {
        List<WebhookItem> items = normalize("peer/meta/pywa__calls_terminate_with_value_errors.json");
        assertThat(items).hasSize(1);
        assertThat(((IgnoredEvent) items.get(0)).event()).isEqualTo("calls.terminate");
        assertThat(((IgnoredEvent) items.get(0)).reason()).isEqualTo("call-event");
    }

    @Test
    void failedStatusKeepsTheProviderErrors() throws Exception {
        LifecycleUpdate u = (LifecycleUpdate) normalize("peer/meta/pywa__status_failed_130472.json").get(0);
        assertThat(u.status()).isEqualTo("failed");
        assertThat(u.errors().get(0).path("code").asInt()).isEqualTo(130472);
    }
}
