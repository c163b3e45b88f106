package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wagateway.media.MediaDownloadException;
import io.wagateway.media.MediaItem;
import io.wagateway.media.MediaSpool;
import io.wagateway.provider.Json;
import io.wagateway.provider.ProviderUrls;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the {@code media-download-meta} route (routes/meta-cloud-api.camel.yaml) needs beyond YAML, after the Cloud API
 * "Media" reference: "Retrieve media URL" ({@code GET /{version}/{media-id}} with the Bearer access token answers
 * {@code {messaging_product, url, mime_type, sha256, file_size, id}}) and "Download media" ({@code GET url} with the
 * same token). The token goes only to the Graph base URL's host and the hosts of {@code gateway.meta.media-hosts}
 * (default Meta's lookaside host {@code lookaside.fbsbx.com}).
 */
public class MetaMedia {

    /**
     * The "Retrieve media URL" answer.
     *
     * @param url    the short-lived download URL (minutes)
     * @param sha256 the hash Meta states for the bytes (hex in the answer; may be null)
     * @param mime   {@code mime_type}; may be null
     */
    public record Retrieved(String url, String sha256, String mime) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String graphBaseUrl = "https://graph.facebook.com";
    private String graphVersion = "v23.0";
    private Set<String> mediaHosts = Set.of("lookaside.fbsbx.com");

    /**
     * @param media the item (variable {@code media}) with Meta's media id
     * @return {@code {graph-base-url}/{graph-version}/{media id}}, the "Retrieve media URL" call
     */
    public String retrieveUrl(MediaItem media) {
        return graphBaseUrl.replaceAll("/+$", "") + "/" + graphVersion + "/" + ProviderUrls.segment(media.id());
    }

    /**
     * @param status the HTTP status of {@code GET /{version}/{media-id}}
     * @param body   its body (JSON), may be null
     * @return the answer's url, sha256 and mime type
     * @throws MediaDownloadException final {@code not_found} on HTTP 404, final {@code expired} on Graph error code
     *                                100 (an unknown or expired media id: "Object with ID ... does not exist"), else
     *                                a retryable {@code http_error}
     */
    public Retrieved retrieved(int status, String body) {
        JsonNode answer = parse(body);
        if (status >= 200 && status <= 299) {
            String url = Json.text(answer, "url");
            if (url == null) {
                throw new MediaDownloadException(status, "http_error", "the media URL answer has no url", false);
            }
            return new Retrieved(url, Json.text(answer, "sha256"), Json.text(answer, "mime_type"));
        }
        JsonNode error = answer == null ? null : answer.get("error");
        String code = Json.text(error, "code");
        String detail = "Graph answered HTTP " + status + (code == null ? "" : " error code " + code)
                + (Json.text(error, "message") == null ? "" : ": " + Json.text(error, "message"));
        if (status == 404) {
            throw new MediaDownloadException(status, "not_found", detail, true);
        }
        if ("100".equals(code)) {
            throw new MediaDownloadException(status, "expired", detail, true);
        }
        throw new MediaDownloadException(status, "http_error", detail, false);
    }

    /**
     * The URL to download from: the retrieved one, else the webhook's own {@code url} (sent since Nov 2025,
     * providers.md 1.5) when the media has no id.
     *
     * @param media     the item (variable {@code media})
     * @param retrieved the "Retrieve media URL" answer, or null when there was no id to ask for
     * @return the URL, on a host the token may go to
     * @throws MediaDownloadException final {@code no_source} without id and url, final {@code untrusted_host} when the
     *                                URL's host is neither the Graph host nor one of {@code gateway.meta.media-hosts}
     */
    public String downloadUrl(MediaItem media, Retrieved retrieved) {
        String url = retrieved != null ? retrieved.url() : media.url();
        if (url == null) {
            throw new MediaDownloadException(0, "no_source", "the media has neither an id nor a url", true);
        }
        String host = ProviderUrls.host(url);
        if (!host.equals(ProviderUrls.host(graphBaseUrl)) && !mediaHosts.contains(host)) {
            throw new MediaDownloadException(0, "untrusted_host", "the media URL's host " + host
                    + " is not the Graph host nor in gateway.meta.media-hosts: the access token is not sent there",
                    true);
        }
        return url;
    }

    /**
     * @param media     the item (variable {@code media})
     * @param retrieved the "Retrieve media URL" answer, or null
     * @return the hash to check the bytes against: the webhook's (base64; it came in the signed webhook), else the
     *         retrieve answer's (hex); null when neither states one
     */
    public String expectedSha256(MediaItem media, Retrieved retrieved) {
        if (media.expectedSha256() != null && !media.expectedSha256().isBlank()) {
            return media.expectedSha256();
        }
        return retrieved == null ? null : retrieved.sha256();
    }

    /**
     * Checks the bytes against the retrieve answer's sha256 too (the webhook's is checked by the download worker
     * through variable {@code expectedSha256}): both name the same media, so bytes that match one and not the other
     * are refused.
     *
     * @param spooled   the downloaded bytes
     * @param retrieved the "Retrieve media URL" answer, or null
     * @return {@code spooled}
     * @throws MediaDownloadException final {@code sha256_mismatch} (the spool file deleted) when the answer states
     *                                another hash
     */
    public MediaSpool.Spooled checkSha256(MediaSpool.Spooled spooled, Retrieved retrieved) throws IOException {
        if (retrieved != null && !MediaSpool.sameSha256(spooled.sha256(), retrieved.sha256())) {
            Files.deleteIfExists(spooled.path());
            throw new MediaDownloadException(200, "sha256_mismatch", "the bytes' sha256 " + spooled.sha256()
                    + " is not the " + retrieved.sha256() + " Meta's media URL answer states", true);
        }
        return spooled;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** @param graphBaseUrl {@code gateway.meta.graph-base-url}: its host may get the token */
    public void setGraphBaseUrl(String graphBaseUrl) {
        this.graphBaseUrl = graphBaseUrl;
    }

    /** @param graphVersion {@code gateway.meta.graph-version}, e.g. v23.0 */
    public void setGraphVersion(String graphVersion) {
        this.graphVersion = graphVersion;
    }

    /** @param mediaHosts {@code gateway.meta.media-hosts}: comma list of further hosts that may get the token */
    public void setMediaHosts(String mediaHosts) {
        this.mediaHosts = Arrays.stream(mediaHosts == null ? new String[0] : mediaHosts.split(","))
                .map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).collect(Collectors.toSet());
    }
}
