package io.wagateway.provider.waha;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wagateway.message.CanonicalMessage;
import io.wagateway.message.WebhookItem;
import io.wagateway.store.ElasticsearchStore;
import io.wagateway.store.StoreUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WAHA's button and list menus, which WhatsApp Web does not render reliably, sent as numbered text, and the numeric
 * answer mapped back to the choice (docs/sending.md "WAHA numbered menus"). Both directions follow one rule: buttons
 * are numbered 1..n in order; list rows 1..n across sections in order (contract C1).
 * <ul>
 * <li>{@link #text(JsonNode)} builds the text {@code send-message-waha} sends through {@code /api/sendText};</li>
 * <li>{@link #answers(List)} (step of {@code waha-payload}) gives an inbound WAHA text that is only a number the
 * {@code interactive} field Meta's answers carry, from the newest menu the gateway sent in that chat.</li>
 * </ul>
 * Thread-safe once configured.
 */
public class WahaNumberedMenus {

    /** A text that is only a number: "2", " 2 ", "2.", "2)". At most 2 digits (a list has at most 10 rows). */
    static final Pattern NUMBER_ONLY = Pattern.compile("^\\s*(\\d{1,2})\\s*[.)]?\\s*$");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ElasticsearchStore store;

    /** @param store the store whose messages index holds the outbound menus (contract C2) */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    /**
     * The numbered text of a menu: the header line (if any), the body, the choices one per line ("1. Yes"; a list's
     * section title, if any, on its own line before its rows; a row's description after " - "), then the footer line
     * (if any); blocks separated by an empty line.
     *
     * @param request a flat send request (C1) of type {@code buttons} or {@code list}
     * @return the text to send
     * @throws IllegalArgumentException for another type
     */
    public String text(JsonNode request) {
        String type = request.path("type").asText();
        List<String> blocks = new ArrayList<>();
        addIfPresent(blocks, request.path("header"));
        addIfPresent(blocks, request.path("text"));
        if ("buttons".equals(type)) {
            StringBuilder choices = new StringBuilder();
            int n = 0;
            for (JsonNode b : request.path("buttons")) {
                line(choices, ++n + ". " + b.path("title").asText());
            }
            blocks.add(choices.toString());
        } else if ("list".equals(type)) {
            int n = 0;
            for (JsonNode section : request.path("sections")) {
                StringBuilder lines = new StringBuilder();
                if (!section.path("title").asText("").isBlank()) {
                    line(lines, section.path("title").asText());
                }
                for (JsonNode row : section.path("rows")) {
                    String description = row.path("description").asText("");
                    line(lines, ++n + ". " + row.path("title").asText()
                            + (description.isBlank() ? "" : " - " + description));
                }
                blocks.add(lines.toString());
            }
        } else {
            throw new IllegalArgumentException("not a menu: " + type);
        }
        addIfPresent(blocks, request.path("footer"));
        return String.join("\n\n", blocks);
    }

    /**
     * The answer Meta would carry for choice {@code number} of a menu.
     *
     * @param request the menu's flat send request (C1)
     * @param number  the chosen number, from 1
     * @return {@code {"type":"button_reply","button_reply":{"id","title"}}} or
     *         {@code {"type":"list_reply","list_reply":{"id","title"[,"description"]}}}; null when the menu has no
     *         such choice
     */
    public ObjectNode choice(JsonNode request, int number) {
        String type = request.path("type").asText();
        List<JsonNode> choices = new ArrayList<>();
        if ("buttons".equals(type)) {
            request.path("buttons").forEach(choices::add);
        } else if ("list".equals(type)) {
            request.path("sections").forEach(s -> s.path("rows").forEach(choices::add));
        }
        if (number < 1 || number > choices.size()) {
            return null;
        }
        JsonNode picked = choices.get(number - 1);
        String kind = "buttons".equals(type) ? "button_reply" : "list_reply";
        ObjectNode reply = MAPPER.createObjectNode();
        reply.put("id", picked.path("id").asText());
        reply.put("title", picked.path("title").asText());
        if ("list_reply".equals(kind) && !picked.path("description").asText("").isBlank()) {
            reply.put("description", picked.path("description").asText());
        }
        ObjectNode interactive = MAPPER.createObjectNode();
        interactive.put("type", kind);
        interactive.set(kind, reply);
        return interactive;
    }

    /**
     * Maps numeric-only answers to menus. Only an inbound ({@code fromMe} false) WAHA {@code text} message that is
     * only a number pays the lookup: a search of the chat's newest outbound message of type {@code buttons} or
     * {@code list}. When that menu has the chosen number, the message gets its {@code interactive} answer; its type
     * and text stay as they were. Every other item is returned as it came.
     *
     * @param items the items of one WAHA webhook (the normaliser's output)
     * @return the same items, answers to a menu with {@code interactive} set
     * @throws StoreUnavailableException when the menu cannot be looked up
     */
    public List<WebhookItem> answers(List<WebhookItem> items) {
        List<WebhookItem> out = new ArrayList<>(items.size());
        for (WebhookItem item : items) {
            out.add(item instanceof CanonicalMessage m ? answer(m) : item);
        }
        return out;
    }

    private CanonicalMessage answer(CanonicalMessage m) {
        if (m.fromMe() || !"text".equals(m.type()) || m.text() == null || m.details().interactive() != null) {
            return m;
        }
        Matcher number = NUMBER_ONLY.matcher(m.text());
        if (!number.matches()) {
            return m;
        }
        JsonNode menu = newestMenu(m);
        ObjectNode interactive = menu == null ? null : choice(menu, Integer.parseInt(number.group(1)));
        return interactive == null ? m : m.withDetails(m.details().withAnswer(interactive, m.details().button()));
    }

    /** @return the flat request of the chat's newest outbound menu, or null */
    private JsonNode newestMenu(CanonicalMessage m) {
        try {
            SearchResponse<JsonNode> r = store.client().search(s -> s.index(store.getMessagesIndex())
                    .size(1)
                    .sort(so -> so.field(f -> f.field("timestamp").order(SortOrder.Desc)))
                    .source(src -> src.filter(f -> f.includes("raw.request")))
                    .query(q -> q.bool(b -> b
                            .filter(f -> f.term(t -> t.field("provider").value(m.provider())))
                            .filter(f -> f.term(t -> t.field("account_id").value(m.accountId())))
                            .filter(f -> f.term(t -> t.field("chat_id").value(m.chatId())))
                            .filter(f -> f.term(t -> t.field("from_me").value(true)))
                            .filter(f -> f.terms(t -> t.field("type").terms(v -> v.value(
                                    List.of(FieldValue.of("buttons"), FieldValue.of("list")))))))),
                    JsonNode.class);
            for (Hit<JsonNode> hit : r.hits().hits()) {
                JsonNode request = hit.source() == null ? null : hit.source().path("raw").path("request");
                if (request != null && request.isObject()) {
                    return request;
                }
            }
            return null;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot look up the chat's numbered menu", e);
        }
    }

    private static void addIfPresent(List<String> blocks, JsonNode text) {
        if (text.isTextual() && !text.asText().isBlank()) {
            blocks.add(text.asText());
        }
    }

    private static void line(StringBuilder lines, String line) {
        if (!lines.isEmpty()) {
            lines.append('\n');
        }
        lines.append(line);
    }
}
