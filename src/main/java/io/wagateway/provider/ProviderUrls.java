package io.wagateway.provider;

import io.wagateway.media.MediaDownloadException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * URL rules of the media downloads (issue 20, {@code media-download-<provider>} routes): a provider's credentials go
 * only to the provider's configured base URL, never to a host named by a webhook. Shared by the providers' media
 * beans; every failure is a {@link MediaDownloadException}.
 */
public final class ProviderUrls {

    private ProviderUrls() {
    }

    /**
     * @param url an absolute http(s) URL
     * @return {@code scheme://host[:port]} in lower case
     * @throws MediaDownloadException {@code no_source} (final) when the text is no absolute http(s) URL
     */
    public static String origin(String url) {
        URI uri = parse(url);
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority().toLowerCase(Locale.ROOT);
    }

    /**
     * @param url an absolute http(s) URL
     * @return its host in lower case, without the port
     * @throws MediaDownloadException {@code no_source} (final) when the text is no absolute http(s) URL
     */
    public static String host(String url) {
        return parse(url).getHost().toLowerCase(Locale.ROOT);
    }

    /**
     * The path and query of a URL a webhook gave, fetched from our own configured base instead of the webhook's host
     * (WAHA builds {@code media.url} from its own base URL, which may differ from ours).
     *
     * @param url     the URL from the webhook
     * @param baseUrl our configured base URL of the provider (its own path, if any, is replaced)
     * @return {@code origin(baseUrl)} + the URL's raw path and query
     * @throws MediaDownloadException {@code no_source} (final) when either is no absolute http(s) URL
     */
    public static String onBase(String url, String baseUrl) {
        URI uri = parse(url);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return origin(baseUrl) + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    /**
     * @param value a path segment (an id)
     * @return the value percent-encoded for a URL path ({@code +} written {@code %20})
     */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * @param url text that should be an absolute http(s) URL
     * @return true when it is one
     */
    public static boolean isAbsolute(String url) {
        try {
            parse(url);
            return true;
        } catch (MediaDownloadException e) {
            return false;
        }
    }

    private static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new MediaDownloadException(0, "no_source", "no URL", true);
        }
        try {
            URI uri = new URI(url.trim());
            String scheme = uri.getScheme();
            if (scheme == null || uri.getHost() == null
                    || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                throw new MediaDownloadException(0, "no_source", "not an absolute http(s) URL", true);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new MediaDownloadException(0, "no_source", "not a URL: " + e.getReason(), true);
        }
    }
}
