package io.wagateway.routes;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** The switches of route auto-reply-decision that are off by default: gateway.auto-reply.enabled and .groups. */
class AutoReplySwitchesRouteTest {

    /** The default: the auto-reply is off, so nothing is ever recorded for a reply. */
    @TestPropertySource(properties = {
            "camel.main.routes-include-pattern=classpath:routes/auto-reply.camel.yaml",
            "gateway.auto-reply.recovery-delay-ms=3600000"})
    static class Off extends AutoReplyRouteTestSupport {
        @Test
        void noMessageIsAnsweredWhileTheAutoReplyIsOff() throws Exception {
            expectNoReply(Items.message("m1"));
        }
    }

    /** gateway.auto-reply.groups=true: group chats are answered too. */
    @TestPropertySource(properties = {
            "camel.main.routes-include-pattern=classpath:routes/auto-reply.camel.yaml",
            "gateway.auto-reply.enabled=true",
            "gateway.auto-reply.groups=true",
            "gateway.auto-reply.recovery-delay-ms=3600000"})
    static class Groups extends AutoReplyRouteTestSupport {
        @Test
        void groupMessagesAreAnsweredWhenGroupsAreOn() throws Exception {
            expectReply(Items.group("g1"), null);
        }
    }
}
