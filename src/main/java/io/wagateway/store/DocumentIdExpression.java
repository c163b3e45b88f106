package io.wagateway.store;

import io.wagateway.message.CanonicalMessage;
import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;

/**
 * The idempotency key of a message, as a Camel expression for {@code idempotentConsumer} ({@code ref: documentId}
 * in {@code routes/message-store.camel.yaml}): the body's {@link CanonicalMessage#documentId()}, i.e.
 * {@code {provider}:{account_id}:{message_id}}, the document's {@code _id}.
 *
 * <p>The same as {@code simple: ${body.documentId}}, without the cost: Camel reads a property of the body through its
 * bean language, which copies the exchange twice per evaluation, and this runs for every message.
 */
public class DocumentIdExpression extends ExpressionAdapter {

    /**
     * @param exchange the exchange; body a {@link CanonicalMessage}
     * @return the document id, or null when the body is not a message
     */
    @Override
    public Object evaluate(Exchange exchange) {
        return exchange.getMessage().getBody() instanceof CanonicalMessage m ? m.documentId() : null;
    }
}
