package io.wagateway.reply;

/**
 * A provider's send API answered with a non-2xx status that is not a rate limit (bad request, auth failure,
 * unknown chat, server error, ...). Thrown by {@link ProviderSendApi#messageId}; carries the HTTP status and a
 * short, truncated body so the caller can decide whether to retry (5xx) or give up (4xx).
 */
public class SendRejectedException extends SendFailedException {

    /**
     * @param provider provider id ({@code meta}, {@code waha}, {@code periskope}, {@code unipile})
     * @param status   HTTP status of the answer
     * @param detail   short description (e.g. the Meta error code and message, or the truncated body)
     */
    public SendRejectedException(String provider, int status, String detail) {
        super(provider + " send rejected (HTTP " + status + "): " + detail, provider, status, detail);
    }
}
