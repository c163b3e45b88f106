package io.wagateway.send;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.wagateway.reply.AutoReplyIT;
import io.wagateway.support.GatewayIntegrationTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Tenants on the outbound side end to end (issue 22 item 1): the whole gateway with a tenants file, the real
 * Elasticsearch, WireMock standing in for three WAHA servers - the default tenant's ({@code /api/...}), acme's
 * ({@code /acme/api/...}) and globex's ({@code /globex/api/...}), each with a session called {@code default} - that
 * answer {@code POST /api/sendText} as providers.md 2.9 shows. Sends go through the send API; the tokens are the
 * shared ones and acme's scoped page and send tokens.
 */
@TestPropertySource(properties = {
        "gateway.api.send-token=test-send-token",
        "gateway.page.token=test-page-token",
        "gateway.auto-reply.send-retry-delay-ms=100",
        "gateway.send.recovery-delay-ms=500",
        "gateway.send.recovery-interval-ms=500"})
class TenantsOutboundIT extends GatewayIntegrationTest {

    static final String WAHA_ANSWER = "{\"id\":\"true_15550100001@c.us_3EB0TENANT0001\",\"fromMe\":true,\"body\":\"ok\"}";

    @DynamicPropertySource
    static void tenantsFile(DynamicPropertyRegistry registry) {
        registry.add("gateway.tenants.file", () -> {
            try {
                Path file = Files.createTempFile("tenants-outbound-it", ".yaml");
                file.toFile().deleteOnExit();
                Files.writeString(file, """
                        tenants:
                          acme:
                            page-token: acme-page-token
                            send-token: acme-send-token
                            waha:
                              - base-url: %s/acme
                                api-key: acme-waha-key
                                hmac-key: acme-hmac-key
                                sessions: [default]
                          globex:
                            waha:
                              - base-url: %s/globex
                                api-key: globex-waha-key
                                hmac-key: globex-hmac-key
                                sessions: [default]
                        """.formatted(PEERS.baseUrl(), PEERS.baseUrl()));
                return file.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @BeforeEach
    void sendApis() {
        AutoReplyIT.stubSendApis();             // the default tenant's WAHA: /api/sendText
        for (String tenant : List.of("acme", "globex")) {
            PEERS.stubFor(WireMock.post(urlPathEqualTo("/" + tenant + "/api/sendText"))
                    .willReturn(okJson(WAHA_ANSWER).withStatus(201)));
        }
    }

    /** No send of this test may reach the next one's WireMock. */
    @AfterEach
    void sendsSettled() {
        await().atMost(Duration.ofSeconds(20)).until(() -> all("whatsapp-replies").stream()
                .allMatch(e -> Set.of("sent", "failed", "unknown").contains(e.path("state").asText())));
    }

    private HttpResponse<String> send(String account, String chat, String text, String token) throws Exception {
        String body = "{\"provider\":\"waha\",\"account_id\":\"" + account + "\",\"chat_id\":\"" + chat
                + "\",\"type\":\"text\",\"text\":\"" + text + "\"}";
        return post("/api/messages", body.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token));
    }

    private HttpResponse<String> read(String pathAndQuery, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<LoggedRequest> sends(String prefix) {
        return PEERS.findAll(postRequestedFor(urlPathEqualTo(prefix + "/api/sendText")));
    }

    private static JsonNode body(LoggedRequest r) throws IOException {
        return JSON.readTree(r.getBodyAsString());
    }

    @Test
    void eachTenantsSendGoesToItsWahaServerWithItsKeyAndTheRawSession() throws Exception {
        assertThat(send("acme~default", "15550100001@c.us", "to acme", "test-send-token").statusCode()).isEqualTo(202);
        assertThat(send("globex~default", "15550100002@c.us", "to globex", "test-send-token").statusCode())
                .isEqualTo(202);
        assertThat(send("default", "15550100003@c.us", "to default", "test-send-token").statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(20)).until(() -> sends("/acme").size() == 1 && sends("/globex").size() == 1
                && sends("").size() == 1);
        LoggedRequest acme = sends("/acme").get(0);
        assertThat(acme.getHeader("X-Api-Key")).isEqualTo("acme-waha-key");
        assertThat(body(acme).path("session").asText()).isEqualTo("default");
        assertThat(body(acme).path("text").asText()).isEqualTo("to acme");
        LoggedRequest globex = sends("/globex").get(0);
        assertThat(globex.getHeader("X-Api-Key")).isEqualTo("globex-waha-key");
        assertThat(body(globex).path("session").asText()).isEqualTo("default");
        assertThat(body(globex).path("text").asText()).isEqualTo("to globex");
        LoggedRequest plain = sends("").get(0);                  // WAHA_BASE_URL / WAHA_API_KEY, as before tenants
        assertThat(plain.getHeader("X-Api-Key")).isEqualTo("test-waha-key");
        assertThat(body(plain).path("session").asText()).isEqualTo("default");
        assertThat(body(plain).path("text").asText()).isEqualTo("to default");
        // the stored outbound documents keep the tenant in their account id and _id
        await().atMost(Duration.ofSeconds(10)).until(() -> all("whatsapp-messages").stream()
                .map(m -> m.path("account_id").asText()).toList()
                .containsAll(List.of("acme~default", "globex~default", "default")));
    }

    @Test
    void aTenantsSendTokenSendsForItsOwnAccountsOnly() throws Exception {
        HttpResponse<String> other = send("globex~default", "15550100002@c.us", "not yours", "acme-send-token");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(JSON.readTree(other.body()).path("error").asText()).contains("tenant acme");
        HttpResponse<String> plain = send("default", "15550100003@c.us", "not yours either", "acme-send-token");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(403);

        HttpResponse<String> own = send("acme~default", "15550100001@c.us", "yours", "acme-send-token");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> sends("/acme").size() == 1);
        assertThat(sends("/globex")).isEmpty();
        assertThat(sends("")).isEmpty();

        // its sends' state, not another tenant's
        String ownId = JSON.readTree(own.body()).path("id").asText();
        assertThat(read("/api/messages/" + encode(ownId), "acme-send-token").statusCode()).isEqualTo(200);
        HttpResponse<String> shared = send("globex~default", "15550100002@c.us", "by the shared token",
                "test-send-token");
        String globexId = JSON.readTree(shared.body()).path("id").asText();
        assertThat(read("/api/messages/" + encode(globexId), "acme-send-token").statusCode()).isEqualTo(404);
        assertThat(read("/api/messages/" + encode(globexId), "test-send-token").statusCode()).isEqualTo(200);
    }

    @Test
    void aTenantsPageTokenSearchesOnlyItsTenantsMessagesAndChats() throws Exception {
        send("acme~default", "15550100001@c.us", "hello acme", "test-send-token");
        send("globex~default", "15550100002@c.us", "hello globex", "test-send-token");
        send("default", "15550100003@c.us", "hello default", "test-send-token");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            HttpResponse<String> all = read("/api/messages?q=hello", "test-page-token");
            return JSON.readTree(all.body()).path("items").size() == 3;
        });

        HttpResponse<String> scoped = read("/api/messages?q=hello", "acme-page-token");
        assertThat(scoped.statusCode()).as(scoped.body()).isEqualTo(200);
        List<String> accounts = new ArrayList<>();
        JSON.readTree(scoped.body()).path("items").forEach(i -> accounts.add(i.path("account_id").asText()));
        assertThat(accounts).containsExactly("acme~default");
        assertThat(JSON.readTree(scoped.body()).path("total").asLong()).isEqualTo(1);

        // asking for another tenant's account by name finds nothing
        HttpResponse<String> asked = read("/api/conversation?chat=15550100002%40c.us&account=globex~default",
                "acme-page-token");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
        assertThat(JSON.readTree(asked.body()).path("items")).isEmpty();

        // the chat list: only acme's chats (once the chats of the three sends are written)
        await().atMost(Duration.ofSeconds(20)).until(() -> JSON.readTree(read("/api/chats", "test-page-token").body())
                .path("items").size() == 3);
        HttpResponse<String> chats = read("/api/chats", "acme-page-token");
        assertThat(chats.statusCode()).as(chats.body()).isEqualTo(200);
        List<String> chatAccounts = new ArrayList<>();
        JSON.readTree(chats.body()).path("items").forEach(i -> chatAccounts.add(i.path("account_id").asText()));
        assertThat(chatAccounts).containsExactly("acme~default");
        String globexChat = "waha:globex~default:15550100002@c.us";
        assertThat(read("/api/chats/" + encode(globexChat), "acme-page-token").statusCode()).isEqualTo(404);
        assertThat(read("/api/chats/" + encode(globexChat), "test-page-token").statusCode()).isEqualTo(200);

        // a page token sends nothing, and a scoped token reads no templates
        assertThat(send("acme~default", "15550100001@c.us", "x", "acme-page-token").statusCode()).isEqualTo(401);
        assertThat(read("/api/templates?provider=meta", "acme-page-token").statusCode()).isEqualTo(403);
    }
}
