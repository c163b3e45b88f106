package io.wagateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** Query parameters read from the raw query string, and bearer tokens read from the header only. */
class QueryParamsTest {

    @Test
    void valuesAreDecodedAndValidated() {
        QueryParams p = QueryParams.parse("from=2026-11-30T10%3A00%3A00%2B02%3A00&to=2026-12-01&size=20&q=a+b%20c&empty=");
        assertThat(p.instant("from")).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        assertThat(p.instant("to")).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(p.integer("size", 50, 1, 500)).isEqualTo(20);
        assertThat(p.integer("absent", 50, 1, 500)).isEqualTo(50);
        assertThat(p.text("q", 100)).isEqualTo("a b c");
        assertThat(p.term("empty")).isNull();
        assertThat(QueryParams.parse("t=2026-11-30T10:00:00").instant("t")).isEqualTo(Instant.parse("2026-11-30T10:00:00Z"));
        assertThat(QueryParams.parse("b=TRUE").bool("b", false)).isTrue();
    }

    @Test
    void badValuesNameTheirParameter() {
        assertThatThrownBy(() -> QueryParams.parse("from=yesterday").instant("from"))
                .isInstanceOf(BadRequestException.class).hasMessageStartingWith("from: ");
        assertThatThrownBy(() -> QueryParams.parse("size=1e3").integer("size", 1, 1, 500)).hasMessageStartingWith("size: ");
        assertThatThrownBy(() -> QueryParams.parse("size=99999999999").integer("size", 1, 1, 500))
                .hasMessageStartingWith("size: ");
        assertThatThrownBy(() -> QueryParams.parse("size=1&size=2").integer("size", 1, 1, 500))
                .hasMessageStartingWith("size: given 2 times");
        assertThatThrownBy(() -> QueryParams.parse("b=yes").bool("b", false)).hasMessageStartingWith("b: ");
        assertThatThrownBy(() -> QueryParams.parse("provider=Not%20one!").providerId("provider"))
                .hasMessageStartingWith("provider: must be a provider id");
        assertThat(QueryParams.parse("provider=my-sixth_provider").providerId("provider")).isEqualTo("my-sixth_provider");
        assertThatThrownBy(() -> QueryParams.parse("kind=x").oneOf("kind", java.util.Set.of("a", "b")))
                .hasMessageStartingWith("kind: must be one of a, b");
        assertThatThrownBy(() -> QueryParams.parse("q=%zz").text("q", 10)).hasMessageStartingWith("q: ");
        assertThatThrownBy(() -> QueryParams.parse("from=%2B300000000-01-01T00:00:00Z").instant("from"))
                .hasMessageStartingWith("from: outside the years 0000-9999");
        assertThatThrownBy(() -> QueryParams.parse("from=2026-02-01&to=2026-01-01").range("from", "to"))
                .hasMessageStartingWith("from: is after to");
        assertThat(new BadRequestException("q", "has \"quotes\"").getJson())
                .isEqualTo("{\"error\":\"q: has \\\"quotes\\\"\",\"parameter\":\"q\"}");
    }

    private static Exchange request(String rawQuery, Object authorizationHeader) {
        Exchange e = new DefaultExchange(new DefaultCamelContext());
        e.getMessage().setHeader(Exchange.HTTP_QUERY, rawQuery);
        e.getMessage().setHeader("Authorization", authorizationHeader);
        return e;
    }

    @Test
    void withoutItsRequestTheBearerTokenIsTheHeaderMinusTheQuery() {
        // what platform-http makes of these requests: query parameters merged into the headers (a message that does
        // not expose its HTTP request: the fallback)
        assertThat(BearerAuth.header(request(null, "Bearer t"), "Authorization")).isEqualTo("Bearer t");
        assertThat(BearerAuth.header(request("Authorization=Bearer%20t", "Bearer t"), "Authorization")).isNull();
        assertThat(BearerAuth.header(request("authorization=Bearer+t", "Bearer t"), "Authorization")).isNull();
        assertThat(BearerAuth.header(request("Authorization=Bearer%20x", List.of("Bearer t", "Bearer x")),
                "Authorization")).isEqualTo("Bearer t");
        // cannot tell which value came from where: nothing
        assertThat(BearerAuth.header(request("Authorization=Bearer%20x", "Bearer t"), "Authorization")).isNull();
        assertThat(BearerAuth.header(request(null, List.of("Bearer t", "Bearer u")), "Authorization")).isNull();
        assertThat(BearerAuth.matches("bearer t", "t")).isTrue();
        assertThat(BearerAuth.matches("Bearer tt", "t")).isFalse();
        assertThat(BearerAuth.matches(null, "t")).isFalse();
    }
}
