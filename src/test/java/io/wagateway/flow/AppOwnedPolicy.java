package io.wagateway.flow;

import io.wagateway.message.CanonicalMessage;
import io.wagateway.reply.AutoReplyPolicy;

/** The engine's policy in unit tests: every message is recent and every chat is owned by the app (no store read). */
class AppOwnedPolicy extends AutoReplyPolicy {

    @Override
    public boolean recent(CanonicalMessage message) {
        return true;
    }

    @Override
    public boolean ownedByApp(CanonicalMessage message) {
        return true;
    }

    @Override
    public String ownerOf(String key) {
        return null;
    }
}
