package io.wagateway.enrich;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One chat or contact name to load after a memory miss, or to write back after a payload carried it: the body of each
 * split item of the route {@code names-load} ({@code routes/enrichment.camel.yaml}).
 *
 * @param key       names cache key and names document {@code _id}: {@code {provider}:{account_id}:{kind}:{id}}
 * @param provider  provider id
 * @param accountId our account
 * @param kind      {@code chat} or {@code contact}
 * @param id        the chat or contact id
 * @param chatType  the message's chat type ({@code direct}, {@code group}, ...)
 * @param name      the name found (null: none yet, or the tier that answered knows none)
 * @param source    who answered: {@code payload}, {@code elasticsearch}, {@code api}; null while no tier has
 * @param result    the memory tier's pending entry, completed by {@link EnrichmentCache#loaded} or
 *                  {@link EnrichmentCache#failed}; null for a write-back of a payload's name
 */
public record NameLoad(String key, String provider, String accountId, String kind, String id, String chatType,
        String name, String source, CompletableFuture<Optional<String>> result) {

    /**
     * @param answer the name a tier gave (blank or null: it knows none)
     * @param tier   the tier that answered
     * @return this load, answered
     */
    public NameLoad answered(String answer, String tier) {
        String stripped = answer == null ? null : answer.strip();
        return new NameLoad(key, provider, accountId, kind, id, chatType,
                stripped == null || stripped.isEmpty() ? null : stripped, tier, result);
    }
}
