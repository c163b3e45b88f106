package io.wagateway.provider.meta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.MessageDetails;
import io.wagateway.provider.Json;

/**
 * A user's answer to an interactive message or a template quick-reply button, as fields of the stored message
 * ({@code interactive}, {@code button}), so a route can branch on the chosen id (issue 16 item 6). Only the fields
 * of Meta's reference are copied, each as text, so an unexpected shape can never make Elasticsearch reject the
 * document (the mapping types them: {@code elasticsearch/messages-mapping.json}):
 * <ul>
 *   <li>{@code interactive.{type, button_reply{id,title}, list_reply{id,title,description},
 *       nfm_reply{name,body,response_json}}}: interactive messages webhook reference (providers.md 1.5 [M5]);
 *       {@code nfm_reply.response_json} is the Flow's answer as a JSON string;</li>
 *   <li>{@code button.{payload,text}}: button messages webhook reference ([M11]).</li>
 * </ul>
 */
final class MetaAnswers {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MetaAnswers() {
    }

    /**
     * @param details the message's details so far
     * @param m       a {@code messages[]} item of type {@code interactive} or {@code button}
     * @return the details with {@code interactive} and/or {@code button} set (unchanged when the item has neither)
     */
    static MessageDetails addTo(MessageDetails details, JsonNode m) {
        ObjectNode interactive = interactive(m.path("interactive"));
        ObjectNode button = copy(m.path("button"), "payload", "text");
        if (interactive == null && button == null) {
            return details;
        }
        return details.withAnswer(interactive, button);
    }

    private static ObjectNode interactive(JsonNode in) {
        if (!in.isObject()) {
            return null;
        }
        ObjectNode out = NODES.objectNode();
        put(out, "type", Json.text(in, "type"));
        set(out, "button_reply", copy(in.path("button_reply"), "id", "title"));
        set(out, "list_reply", copy(in.path("list_reply"), "id", "title", "description"));
        JsonNode nfm = in.path("nfm_reply");
        ObjectNode flow = copy(nfm, "name", "body");
        JsonNode response = nfm.path("response_json");
        if (!response.isMissingNode() && !response.isNull()) {
            flow = flow == null ? NODES.objectNode() : flow;
            flow.put("response_json", response.isTextual() ? response.asText() : response.toString());
        }
        set(out, "nfm_reply", flow);
        return out.isEmpty() ? null : out;
    }

    /** The named fields of {@code in} as text; null when none is present. */
    private static ObjectNode copy(JsonNode in, String... fields) {
        if (!in.isObject()) {
            return null;
        }
        ObjectNode out = NODES.objectNode();
        for (String f : fields) {
            put(out, f, Json.text(in, f));
        }
        return out.isEmpty() ? null : out;
    }

    private static void put(ObjectNode out, String field, String value) {
        if (value != null) {
            out.put(field, value);
        }
    }

    private static void set(ObjectNode out, String field, ObjectNode value) {
        if (value != null) {
            out.set(field, value);
        }
    }
}
