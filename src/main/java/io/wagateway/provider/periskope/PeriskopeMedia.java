package io.wagateway.provider.periskope;

import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.provider.ProviderUrls;

/**
 * Where the {@code media-download-periskope} route (routes/periskope.camel.yaml) fetches a Periskope file. The message
 * object's {@code media.path} (providers.md 3.5, "The message object") is relative to {@code https://api.periskope.app}
 * storage (e.g. {@code /storage/v1/object/public/message-media/...}) or an absolute URL. A relative path is resolved
 * against the origin of {@code gateway.periskope.base-url}; the API key (Bearer) is sent only to that origin, never to
 * another host an absolute URL names (public storage URLs need no key).
 */
public class PeriskopeMedia {

    private String baseUrl = "https://api.periskope.app/v1";

    /**
     * @param media the item (variable {@code media}); {@code url} is the message's {@code media.path} (or
     *              {@code media.url})
     * @return the absolute URL to GET
     * @throws MediaDownloadException final {@code no_source} when the message gave no path
     */
    public String url(MediaItem media) {
        return url(media, baseUrl);
    }

    /**
     * {@link #url(MediaItem)} against the base URL of the item's tenant entry (issue 22).
     *
     * @param media   the item
     * @param baseUrl the Periskope API base URL of the entry whose key is sent
     * @return the absolute URL to GET
     * @throws MediaDownloadException final {@code no_source} when the message gave no path
     */
    public String url(MediaItem media, String baseUrl) {
        String path = media.url();
        if (path == null || path.isBlank()) {
            throw new MediaDownloadException(0, "no_source", "the Periskope message has no media.path", true);
        }
        if (ProviderUrls.isAbsolute(path)) {
            return path.trim();
        }
        return ProviderUrls.origin(baseUrl) + (path.startsWith("/") ? "" : "/") + path.trim();
    }

    /**
     * @param url the URL {@link #url(MediaItem)} gave
     * @return true when it is on the origin of {@code gateway.periskope.base-url}, the only place the key goes
     */
    public boolean onApi(String url) {
        return onApi(url, baseUrl);
    }

    /**
     * @param url     the URL {@link #url(MediaItem, String)} gave
     * @param baseUrl the Periskope API base URL of the item's tenant entry
     * @return true when {@code url} is on the origin of {@code baseUrl}, the only place that entry's key goes
     */
    public boolean onApi(String url, String baseUrl) {
        return ProviderUrls.origin(url).equals(ProviderUrls.origin(baseUrl));
    }

    /** @param baseUrl {@code gateway.periskope.base-url}, e.g. https://api.periskope.app/v1 */
    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }
}
