package io.wagateway.routes;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Route auto-reply-decision with gateway.auto-reply.groups=true: group chats are answered too. */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/auto-reply.camel.yaml",
        "gateway.auto-reply.enabled=true",
        "gateway.auto-reply.groups=true",
        "gateway.auto-reply.recovery-delay-ms=3600000"})
class AutoReplyGroupsRouteTest extends AutoReplyRouteTestSupport {

    @Test
    void groupMessagesAreAnsweredWhenGroupsAreOn() throws Exception {
        expectReply(Items.group("g1"), null);
    }
}
