package io.wagateway.send;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The message kinds (the {@code type} of a send request, contract C1) one provider can send. Declared in the
 * provider's route file as the bean {@code <provider>SendKinds} with the property {@code kinds}, next to the
 * {@code send-message-<provider>} route that builds those kinds (docs/sending.md lists them per provider). The send
 * API answers 422 for a kind the provider's bean does not support. Thread-safe once configured.
 */
public class SendKinds {

    private volatile List<String> kinds = List.of();
    private volatile boolean mediaIds;
    private volatile boolean storedMedia;
    private volatile boolean mediaUrls = true;

    /**
     * @param kinds comma-separated kinds, e.g. {@code text,image,video}; blanks and case are ignored, order is kept
     */
    public void setKinds(String kinds) {
        this.kinds = kinds == null ? List.of() : Arrays.stream(kinds.split(","))
                .map(k -> k.strip().toLowerCase(Locale.ROOT))
                .filter(k -> !k.isEmpty())
                .distinct()
                .toList();
    }

    /** @return the kinds this provider can send, in declaration order (unmodifiable) */
    public List<String> kinds() {
        return kinds;
    }

    /**
     * @param type a request's {@code type} (C1), e.g. {@code buttons}
     * @return true when the provider can send that kind (case-insensitive); false for null
     */
    public boolean supports(String type) {
        return type != null && kinds.contains(type.strip().toLowerCase(Locale.ROOT));
    }

    /**
     * @param mediaIds true when the provider sends media by its own media id ({@code media_id}; Meta's uploaded
     *                 media), not only by URL; false (default): a request with {@code media_id} is refused (422)
     */
    public void setMediaIds(boolean mediaIds) {
        this.mediaIds = mediaIds;
    }

    /** @return true when the provider takes a {@code media_id} for media kinds */
    public boolean mediaIds() {
        return mediaIds;
    }

    /**
     * @param storedMedia true when the provider's send route sends a stored media item ({@code media_sha256}: the
     *                    bytes of the media store, streamed to the provider); false (default): such a request is
     *                    refused (422)
     */
    public void setStoredMedia(boolean storedMedia) {
        this.storedMedia = storedMedia;
    }

    /** @return true when the provider takes a {@code media_sha256} for media kinds */
    public boolean storedMedia() {
        return storedMedia;
    }

    /**
     * @param mediaUrls true (default) when the provider sends media by URL ({@code url}); false: such a request is
     *                  refused (422), e.g. Unipile, which takes the bytes only
     */
    public void setMediaUrls(boolean mediaUrls) {
        this.mediaUrls = mediaUrls;
    }

    /** @return true when the provider takes a {@code url} for media kinds */
    public boolean mediaUrls() {
        return mediaUrls;
    }
}
