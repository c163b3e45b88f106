package io.wagateway.inbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import java.io.IOException;

/**
 * Parses webhook bytes as JSON whatever the request's Content-Type said (Unipile sends JSON labelled
 * {@code application/x-www-form-urlencoded}, providers.md §4.2).
 */
public class WebhookJson {

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * @param body raw request bytes
     * @return the JSON object
     * @throws MalformedPayloadException when the bytes are empty, not JSON, or not a JSON object (→ HTTP 400)
     */
    public JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new MalformedPayloadException("empty body", null);
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedPayloadException("body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedPayloadException("body cannot be read: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new MalformedPayloadException("body is JSON but not an object", null);
        }
        return node;
    }
}
