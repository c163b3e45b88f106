package io.wagateway.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;

/**
 * The provider API answers of the docs' shapes (providers.md 2.x, 3.7, 4.x) with names derived from the id:
 * Periskope chat "Chat &lt;id&gt;" and contact "Contact &lt;digits&gt;", Unipile chat "Unipile chat &lt;id&gt;",
 * WAHA group subject "Group &lt;id&gt;" and contact "Contact &lt;id&gt;". Shared by the integration tests and the
 * benchmark ({@code bench/}).
 */
public final class ProviderApiStubs {

    private ProviderApiStubs() {
    }

    /** @param server the WireMock server (with global response templating) that stands in for the provider APIs */
    public static void stubNameLookups(WireMockServer server) {
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/v1/chats/[^/]+"))
                .willReturn(WireMock.okJson("{\"chat_id\":\"{{request.pathSegments.[2]}}\","
                        + "\"chat_name\":\"Chat {{request.pathSegments.[2]}}\",\"chat_type\":\"group\"}")));
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/v1/contacts/[^/]+"))
                .willReturn(WireMock.okJson("{\"contact_id\":\"{{request.pathSegments.[2]}}@c.us\","
                        + "\"contact_name\":\"Contact {{request.pathSegments.[2]}}\"}")));
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/api/v1/chats/[^/]+"))
                .willReturn(WireMock.okJson("{\"object\":\"Chat\",\"id\":\"{{request.pathSegments.[3]}}\","
                        + "\"name\":\"Unipile chat {{request.pathSegments.[3]}}\"}")));
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/api/[^/]+/groups/[^/]+"))
                .willReturn(WireMock.okJson("{\"id\":\"{{request.pathSegments.[3]}}\","
                        + "\"subject\":\"Group {{request.pathSegments.[3]}}\"}")));
        server.stubFor(WireMock.get(WireMock.urlPathEqualTo("/api/contacts"))
                .willReturn(WireMock.okJson("{\"id\":\"{{request.query.contactId}}\","
                        + "\"name\":\"Contact {{request.query.contactId}}\"}")));
    }
}
