package io.wagateway.provider.meta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Graph paging URL the templates route follows never carries the access token in its query string. */
class MetaTemplatesTest {

    @Test
    void anAccessTokenInPagingNextIsDroppedAndTheRestKept() {
        String base = "https://graph.facebook.com/v23.0/200000000000001/message_templates";
        assertThat(MetaTemplates.withoutAccessToken(base + "?access_token=EAAB123&limit=100&after=QVFIUmxy"))
                .isEqualTo(base + "?limit=100&after=QVFIUmxy");
        assertThat(MetaTemplates.withoutAccessToken(base + "?limit=100&access_token=EAAB123"))
                .isEqualTo(base + "?limit=100");
        assertThat(MetaTemplates.withoutAccessToken(base + "?access_token=EAAB123")).isEqualTo(base);
        assertThat(MetaTemplates.withoutAccessToken(base + "?limit=100&after=QVFIUmxy"))
                .isEqualTo(base + "?limit=100&after=QVFIUmxy");
        assertThat(MetaTemplates.withoutAccessToken(base)).isEqualTo(base);
    }
}
