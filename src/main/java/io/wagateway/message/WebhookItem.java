package io.wagateway.message;

/**
 * One unit of work produced from a provider webhook: a conversation message, a lifecycle update
 * (status/ack, edit, delete, reaction) that targets a message, a contact update (ids of one person, a
 * contact's name: {@link ContactUpdate}), a change of the conversation's owner ({@link ChatOwnerChange}), or an event
 * the gateway acknowledges without storing it as a message. A single webhook (e.g. a Meta batch) can yield many items.
 */
public sealed interface WebhookItem permits CanonicalMessage, LifecycleUpdate, IgnoredEvent,
        ContactUpdate, ChatOwnerChange {

    /** Provider id, e.g. {@code meta}, {@code waha}. */
    String provider();

    /**
     * What the pipeline does with the item (the routes branch on the item's type, which says the same).
     *
     * @return {@code message}, {@code lifecycle}, {@code contact}, {@code owner} or {@code ignored}
     */
    String kind();

    /** Our side of the conversation the item belongs to (as the pipeline keys it); may be null for an event. */
    String accountId();

    /**
     * The same item under another account id: where a tenant's webhook enters the pipeline its account ids become
     * {@code <tenant>~<account>} ({@code Tenants.qualify}), so every key built from them carries the tenant.
     *
     * @param newAccountId the account id (may be null)
     * @return a copy of the same type, every other field unchanged; this item when the id is the same
     */
    WebhookItem withAccountId(String newAccountId);
}
