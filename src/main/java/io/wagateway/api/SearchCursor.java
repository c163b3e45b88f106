package io.wagateway.api;

import co.elastic.clients.elasticsearch._types.FieldValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The {@code next}/{@code after} cursor of the admin lists sorted by a time and a keyword tie-breaker
 * (dead letters, events): the last hit's sort values as base64url JSON {@code [epochMs, "keyword"|null]}.
 */
public final class SearchCursor {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SearchCursor() {
    }

    /**
     * @param sort a hit's sort values
     * @return the cursor to give as {@code next}
     */
    public static String of(List<FieldValue> sort) {
        ArrayNode values = JSON.createArrayNode();
        for (FieldValue v : sort) {
            if (v.isLong()) {
                values.add(v.longValue());
            } else if (v.isString()) {
                values.add(v.stringValue());
            } else if (v.isDouble()) {
                values.add(v.doubleValue());
            } else {
                values.addNull();
            }
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(values.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param after the {@code after} parameter, may be null
     * @return the sort values to search after, or null when {@code after} is null
     * @throws BadRequestException (400, parameter {@code after}) when it is not a cursor of {@link #of}
     */
    public static List<FieldValue> parse(String after) {
        if (after == null) {
            return null;
        }
        try {
            JsonNode values = JSON.readTree(Base64.getUrlDecoder().decode(after));
            if (values == null || !values.isArray() || values.size() != 2 || !values.get(0).isIntegralNumber()
                    || !(values.get(1).isTextual() || values.get(1).isNull())) {
                throw new BadRequestException("after", "not a cursor from a previous page's next");
            }
            List<FieldValue> out = new ArrayList<>();
            out.add(FieldValue.of(values.get(0).asLong()));
            out.add(values.get(1).isNull() ? FieldValue.NULL : FieldValue.of(values.get(1).asText()));
            return out;
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof BadRequestException b) {
                throw b;
            }
            throw new BadRequestException("after", "not a cursor from a previous page's next");
        }
    }
}
