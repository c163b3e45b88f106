package io.wagateway.provider.waha;

import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.provider.ProviderUrls;
import java.net.URI;

/**
 * Where the {@code media-download-waha} route (routes/waha.camel.yaml) fetches a WAHA file. WAHA's "Receive messages"
 * page (Media Files): {@code payload.media.url} points at the WAHA server ({@code /api/files/...}) and is downloaded
 * with the {@code X-Api-Key} header. WAHA builds that URL from its own base URL ({@code WAHA_BASE_URL} or
 * {@code WHATSAPP_API_SCHEMA/HOSTNAME/PORT}), which may differ from the one we reach it at, and a webhook may name any
 * host: so only the URL's path and query are taken, and fetched from {@code gateway.waha.base-url}. The key never goes
 * to a host a webhook names.
 */
public class WahaMedia {

    private String baseUrl = "";

    /**
     * @param media the item (variable {@code media}); {@code url} is WAHA's {@code media.url}
     * @return {@code gateway.waha.base-url} + the path (unless it already starts with the base URL's own path) and
     *         query of {@code media.url}
     * @throws MediaDownloadException final {@code provider_error} when WAHA gave no {@code media.url} (it could not
     *                                download the file - see {@code media.error} - or its media download is off),
     *                                final {@code unsupported} when {@code gateway.waha.base-url} is not set
     */
    public String url(MediaItem media) {
        return url(media, baseUrl);
    }

    /**
     * {@link #url(MediaItem)} on the base URL of the item's tenant entry (issue 22: each tenant's WAHA server,
     * {@code Tenants.credentials(...).baseUrl()}).
     *
     * @param media   the item
     * @param baseUrl the WAHA server's base URL the key belongs to; blank = not configured
     * @return that base URL + the path and query of {@code media.url}
     * @throws MediaDownloadException as {@link #url(MediaItem)}
     */
    public String url(MediaItem media, String baseUrl) {
        if (media.url() == null || media.url().isBlank()) {
            throw new MediaDownloadException(0, "provider_error",
                    "WAHA gave no media.url: it could not download the file (media.error) or does not download media",
                    true);
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new MediaDownloadException(0, "unsupported",
                    "gateway.waha.base-url is not set: the X-Api-Key is sent only to WAHA's configured base URL",
                    true);
        }
        String base = baseUrl.trim().replaceAll("/+$", "");
        String basePath = URI.create(base).getRawPath();
        String onOrigin = ProviderUrls.onBase(media.url(), base);
        String pathAndQuery = onOrigin.substring(ProviderUrls.origin(base).length());
        if (basePath == null || basePath.isEmpty() || pathAndQuery.startsWith(basePath + "/")) {
            return onOrigin;
        }
        return base + pathAndQuery;
    }

    /** @param baseUrl {@code gateway.waha.base-url}, e.g. http://waha:3000 */
    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }
}
