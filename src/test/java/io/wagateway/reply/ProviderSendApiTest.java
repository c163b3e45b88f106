package io.wagateway.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderSendApiTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ProviderSendApi api = new ProviderSendApi();

    private static JsonNode parse(String json) throws Exception {
        return MAPPER.readTree(json);
    }

    // ---------------------------------------------------------------- success answers

    @Test
    void metaSuccess() {
        // providers.md §1.8, success response
        String body = """
                {"messaging_product":"whatsapp",
                 "contacts":[{"input":"+15550100001","wa_id":"15550100001"}],
                 "messages":[{"id":"wamid.HBgL…","message_status":"accepted"}]}""";
        assertThat(api.messageId("meta", 200, body)).isEqualTo("wamid.HBgL…");
    }

    @Test
    void wahaSuccessIdAsStringObjectOrKey() {
        // §2.9: sendText answers the created WAMessage; id shape is engine-dependent
        String asString = """
                {"id":"true_15550100001@c.us_3EB0C767D097B7C7C0B4","timestamp":1716900000,
                 "from":"15550109999@c.us","fromMe":true,"to":"15550100001@c.us","body":"Hi there!","ack":1}""";
        assertThat(api.messageId("waha", 201, asString)).isEqualTo("true_15550100001@c.us_3EB0C767D097B7C7C0B4");

        String asObject = """
                {"id":{"fromMe":true,"remote":"15550100001@c.us","id":"3EB0C767D097B7C7C0B4",
                       "_serialized":"true_15550100001@c.us_3EB0C767D097B7C7C0B4"},
                 "body":"Hi there!","fromMe":true}""";
        assertThat(api.messageId("waha", 200, asObject)).isEqualTo("true_15550100001@c.us_3EB0C767D097B7C7C0B4");

        String noweb = """
                {"key":{"remoteJid":"15550100001@s.whatsapp.net","fromMe":true,"id":"BAE5F2A1C3D4E5F6"},
                 "message":{"conversation":"Hi there!"},"status":"PENDING"}""";
        assertThat(api.messageId("waha", 201, noweb)).isEqualTo("BAE5F2A1C3D4E5F6");
    }

    @Test
    void periskopeQueuedAndSync() {
        // §3.7: queued answer {queue_id, queue_position, unique_id, hint}
        String queued = """
                {"queue_id":"q_7f3c","queue_position":1,"unique_id":"u_9a8b7c",
                 "hint":"https://api.periskope.app/v1/queue/jobs?queue_id=q_7f3c"}""";
        assertThat(api.messageId("periskope", 200, queued)).isEqualTo("u_9a8b7c");

        // send-sync {"status":"sent","unique_id","message":{...}}; message.message_id when unique_id is absent
        String sync = """
                {"status":"sent","message":{"message_id":"true_15550100001@c.us_3EB0AA","body":"hi"}}""";
        assertThat(api.messageId("periskope", 200, sync)).isEqualTo("true_15550100001@c.us_3EB0AA");
    }

    @Test
    void unipileSuccess() {
        // §4.6: 201 {"object":"MessageSent","message_id":"<unipile message id>"}
        assertThat(api.messageId("unipile", 201, "{\"object\":\"MessageSent\",\"message_id\":\"<unipile message id>\"}"))
                .isEqualTo("<unipile message id>");
        assertThat(api.messageId("UNIPILE", 201, "{\"object\":\"MessageSent\",\"message_id\":null}")).isNull();
        assertThat(api.messageId("unipile", 201, "{\"object\":\"MessageSent\"}")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"meta", "waha", "periskope", "unipile"})
    void successWithoutIdIsNull(String provider) {
        assertThat(api.messageId(provider, 200, null)).isNull();
        assertThat(api.messageId(provider, 200, "")).isNull();
        assertThat(api.messageId(provider, 201, "{}")).isNull();
        assertThat(api.messageId(provider, 202, "not json")).isNull();
    }

    // ---------------------------------------------------------------- failures

    @Test
    void metaThrottlingCodesAreRateLimitedWhateverTheStatus() {
        // §1.8, error response example
        String body = """
                {"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,
                  "error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},
                  "error_subcode":2494055,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}""";
        assertThatThrownBy(() -> api.messageId("meta", 400, body))
                .isInstanceOf(RateLimitedException.class)
                .hasMessageContaining("130429")
                .hasMessageContaining("throughput");
        for (int code : new int[] {4, 80007, 131056}) {
            String other = "{\"error\":{\"message\":\"limit\",\"type\":\"OAuthException\",\"code\":" + code + "}}";
            assertThatThrownBy(() -> api.messageId("meta", 403, other))
                    .isInstanceOfSatisfying(RateLimitedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
        }
    }

    @Test
    void metaOtherErrorCodeIsRejected() {
        String body = "{\"error\":{\"message\":\"(#131047) Re-engagement message\",\"type\":\"OAuthException\",\"code\":131047}}";
        assertThatThrownBy(() -> api.messageId("meta", 400, body))
                .isInstanceOfSatisfying(SendRejectedException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(e.getDetail()).contains("131047");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"meta", "waha", "periskope", "unipile"})
    void http429IsRateLimited(String provider) {
        String body = "{\"status\":429,\"type\":\"errors/too_many_requests\",\"title\":\"Too many requests\"}";
        assertThatThrownBy(() -> api.messageId(provider, 429, body))
                .isInstanceOfSatisfying(RateLimitedException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(429);
                    assertThat(e.getProvider()).isEqualTo(provider);
                });
        assertThatThrownBy(() -> api.messageId(provider, 429, null)).isInstanceOf(RateLimitedException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 500, 503})
    void otherNon2xxIsRejected(int status) {
        // Periskope error shape, §3.7
        String body = "{\"code\":\"UNAUTHORIZED_ERROR\",\"message\":\"Invalid bearer auth token\",\"status\":401}";
        for (String provider : new String[] {"meta", "waha", "periskope", "unipile"}) {
            assertThatThrownBy(() -> api.messageId(provider, status, body))
                    .isInstanceOfSatisfying(SendRejectedException.class, e -> {
                        assertThat(e.getStatus()).isEqualTo(status);
                        assertThat(e.getDetail()).contains("UNAUTHORIZED_ERROR");
                    });
        }
        assertThatThrownBy(() -> api.messageId("waha", status, null))
                .isInstanceOfSatisfying(SendRejectedException.class, e -> assertThat(e.getDetail()).isEmpty());
    }

    @Test
    void rejectedDetailIsTruncated() {
        String longBody = "<html>" + "x".repeat(5000) + "</html>";
        assertThatThrownBy(() -> api.messageId("waha", 502, longBody))
                .isInstanceOfSatisfying(SendRejectedException.class,
                        e -> assertThat(e.getDetail().length()).isLessThanOrEqualTo(ProviderSendApi.MAX_DETAIL + 1));
    }

    @Test
    void unknownProvider() {
        assertThatThrownBy(() -> api.messageId("telegram", 200, "{}")).isInstanceOf(IllegalArgumentException.class);
    }
}
