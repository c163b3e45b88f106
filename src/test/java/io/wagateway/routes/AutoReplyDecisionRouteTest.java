package io.wagateway.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.MessageDetails;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Every decision of the route auto-reply-decision (routes/auto-reply.camel.yaml) with the auto-reply on and the
 * defaults of application.yaml otherwise (direct chats only, WhatsApp only, 900 s age gate, the opening-hours keyword
 * rule), plus one opted-out chat: one test per filter and choice branch.
 */
@TestPropertySource(properties = {
        "camel.main.routes-include-pattern=classpath:routes/beans.camel.yaml,classpath:routes/auto-reply.camel.yaml",
        "gateway.auto-reply.enabled=true",
        "gateway.auto-reply.opt-out-chats=15550100099@c.us",
        "gateway.auto-reply.recovery-delay-ms=3600000"})
class AutoReplyDecisionRouteTest extends AutoReplyRouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anInboundTextFromTheOtherPartyIsRecordedAndHandedToAWorker() throws Exception {
        expectReply(Items.message("m1"), null);
    }

    @Test
    void aReplyRecordedBeforeIsNotHandedToAWorkerAgain() throws Exception {
        mock("mock:outbox").whenAnyExchangeReceived(e -> e.getMessage().setBody("exists"));
        mock("mock:outbox").expectedMessageCount(1);
        mock("mock:auto-reply-worker").expectedMessageCount(0);
        decide(Items.message("m1"));
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void aKeywordRuleAnswersWithItsFixedTextWithoutTheLlm() throws Exception {
        expectReply(Items.text("m1", "Hi, what are your opening hours on Sunday?"),
                "We are open Monday to Saturday 9:00-18:00 and Sunday 10:00-16:00.");
    }

    @Test
    void ownMessagesAreNeverAnswered() throws Exception {
        expectNoReply(Items.own("m1"));
    }

    @Test
    void onlyConversationalTypesAreAnswered() throws Exception {
        expectNoReply(Items.ofType("m1", "sticker"));
        expectNoReply(Items.ofType("m2", "unsupported"));
        MockEndpoint.resetMocks(context);
        expectReply(Items.ofType("m3", "image"), null);
    }

    @Test
    void metaStandbyCopiesAndHistoryImportsAreNeverAnswered() throws Exception {
        expectNoReply(Items.withDetails(Items.message("m1"), MessageDetails.NONE.withOrigin(null, true, "standby")));
        expectNoReply(Items.withDetails(Items.message("m2"), MessageDetails.NONE.withOrigin(true, null, "history")));
    }

    @Test
    void aChannelNotListedIsStoredButNotAnswered() throws Exception {
        expectNoReply(Items.withDetails(Items.message("m1"), MessageDetails.NONE.withAttachments(null, "LINKEDIN")));
        MockEndpoint.resetMocks(context);
        expectReply(Items.withDetails(Items.message("m2"), MessageDetails.NONE.withAttachments(null, "whatsapp")), null);
    }

    @Test
    void aMessageOlderThanTheAgeGateIsNotAnswered() throws Exception {
        // the clock stands 60 s after Items.NOW; the gate is 900 s
        expectNoReply(Items.dated("m1", Items.NOW.minusSeconds(841)));
        MockEndpoint.resetMocks(context);
        expectReply(Items.dated("m2", Items.NOW.minusSeconds(839)), null);
    }

    @Test
    void aMessageWithoutTimestampCountsAsNew() throws Exception {
        expectReply(Items.dated("m1", null), null);
    }

    @Test
    void groupMessagesAreNotAnsweredByDefault() throws Exception {
        expectNoReply(Items.group("g1"));
    }

    @Test
    void aChatOwnedByAnotherResponderIsNotAnswered() throws Exception {
        SETTINGS.put("waha:default:15550100001@c.us", JSON.readTree("{\"owner\":\"page_inbox\"}"));
        expectNoReply(Items.message("m1"));
    }

    @Test
    void aChatOwnedByTheAppIsAnswered() throws Exception {
        SETTINGS.put("waha:default:15550100001@c.us", JSON.readTree("{\"owner\":\"app\"}"));
        expectReply(Items.message("m1"), null);
    }

    @Test
    void aChatSwitchedOffInItsSettingsIsNotAnswered() throws Exception {
        SETTINGS.put("waha:default:15550100001@c.us", JSON.readTree("{\"auto_reply\":false}"));
        expectNoReply(Items.message("m1"));
    }

    @Test
    void anOptedOutChatIsNotAnsweredUnlessItsSettingsSwitchItOn() throws Exception {
        expectNoReply(Items.inChat("m1", "15550100099@c.us"));
        SETTINGS.put("waha:default:15550100099@c.us", JSON.readTree("{\"auto_reply\":true}"));
        context.getRegistry().lookupByNameAndType("autoReplyPolicy", io.wagateway.reply.AutoReplyPolicy.class)
                .invalidate();
        MockEndpoint.resetMocks(context);
        expectReply(Items.inChat("m2", "15550100099@c.us"), null);
    }

    @Test
    void aMetaChatKeyedOnTheBsuidFollowsAnOwnerRecordedUnderThePhone() throws Exception {
        CanonicalMessage m = new CanonicalMessage("meta", "100000000000002", "wamid.1", "US.10000000000000000001",
                "direct", null, "US.10000000000000000001", "Alex Example", false, "text", "Hello", null, null,
                Items.NOW, Items.NOW, "received", null)
                .withDetails(MessageDetails.NONE.withIdentity("US.10000000000000000001", null, null, "15550100001"));
        SETTINGS.put("meta:100000000000002:15550100001", JSON.readTree("{\"owner\":\"page_inbox\"}"));
        expectNoReply(m);
    }
}
