package io.wagateway.routes;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Route auto-reply-decision with application.yaml's default gateway.auto-reply.enabled=false: nothing is answered. */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/auto-reply.camel.yaml",
        "gateway.auto-reply.recovery-delay-ms=3600000"})
class AutoReplyOffRouteTest extends AutoReplyRouteTestSupport {

    @Test
    void noMessageIsAnsweredWhileTheAutoReplyIsOff() throws Exception {
        expectNoReply(Items.message("m1"));
    }
}
