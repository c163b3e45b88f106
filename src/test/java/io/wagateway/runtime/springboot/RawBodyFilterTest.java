package io.wagateway.runtime.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RawBodyFilterTest {

    private static final byte[] JSON = "{\"event\":\"message\",\"text\":\"a=b&c=d\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void theRawBytesReachTheChainAndAFormLabelledJsonBodyIsNotParsedAsAForm() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/unipile");
        request.setContentType("application/x-www-form-urlencoded");
        request.setQueryString("account=a%201");
        request.setContent(JSON);
        AtomicReference<ServletRequest> seen = new AtomicReference<>();
        new RawBodyFilter(1024).doFilter(request, new MockHttpServletResponse(),
                (req, res) -> seen.set(req));
        ServletRequest passed = seen.get();
        assertThat(passed.getInputStream().readAllBytes()).isEqualTo(JSON);
        assertThat(passed.getContentType()).isEqualTo("application/octet-stream");
        assertThat(((jakarta.servlet.http.HttpServletRequest) passed)
                .getHeader(RawBodyFilter.ORIGINAL_CONTENT_TYPE_HEADER)).isEqualTo("application/x-www-form-urlencoded");
        assertThat(passed.getParameterMap()).containsOnlyKeys("account");
        assertThat(passed.getParameter("account")).isEqualTo("a 1");
        assertThat(passed.getAttribute(RawBodyFilter.RAW_BODY_ATTRIBUTE)).isEqualTo(JSON);
    }

    @Test
    void aBodyOverTheLimitIs413AndGoesNoFurther() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/waha");
        request.setContentType("application/json");
        request.setContent(JSON);
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        new RawBodyFilter(JSON.length - 1).doFilter(request, response, chain);
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(chain.getRequest()).as("the route never sees it").isNull();
    }
}
