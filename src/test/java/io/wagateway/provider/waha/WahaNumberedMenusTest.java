package io.wagateway.provider.waha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The numbering rule of WAHA's numbered menus, both ways (contract C1; docs/sending.md). */
class WahaNumberedMenusTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final WahaNumberedMenus menus = new WahaNumberedMenus();

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void buttonsWithoutHeaderOrFooter() throws Exception {
        JsonNode menu = json("{\"type\":\"buttons\",\"text\":\"Pick one\",\"buttons\":[{\"id\":\"yes\",\"title\":\"Yes\"},"
                + "{\"id\":\"no\",\"title\":\"No\"},{\"id\":\"later\",\"title\":\"Later\"}]}");
        assertThat(menus.text(menu)).isEqualTo("Pick one\n\n1. Yes\n2. No\n3. Later");
        assertThat(menus.choice(menu, 2)).isEqualTo(json("{\"type\":\"button_reply\",\"button_reply\":{\"id\":\"no\",\"title\":\"No\"}}"));
        assertThat(menus.choice(menu, 0)).isNull();
        assertThat(menus.choice(menu, 4)).isNull();
    }

    @Test
    void listRowsAreNumberedAcrossSections() throws Exception {
        JsonNode menu = json("{\"type\":\"list\",\"header\":\"Shop\",\"text\":\"Choose\",\"footer\":\"Bye\",\"button\":\"See\","
                + "\"sections\":[{\"rows\":[{\"id\":\"a\",\"title\":\"Apple\"}]},"
                + "{\"title\":\"Veg\",\"rows\":[{\"id\":\"c\",\"title\":\"Carrot\",\"description\":\"orange\"}]}]}");
        assertThat(menus.text(menu)).isEqualTo("Shop\n\nChoose\n\n1. Apple\n\nVeg\n2. Carrot - orange\n\nBye");
        assertThat(menus.choice(menu, 2)).isEqualTo(json(
                "{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"c\",\"title\":\"Carrot\",\"description\":\"orange\"}}"));
        assertThat(menus.choice(menu, 1)).isEqualTo(json("{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"a\",\"title\":\"Apple\"}}"));
    }

    @Test
    void onlyMenusHaveNumberedText() throws Exception {
        assertThatThrownBy(() -> menus.text(json("{\"type\":\"text\",\"text\":\"hi\"}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(menus.choice(json("{\"type\":\"text\",\"text\":\"hi\"}"), 1)).isNull();
    }

    @Test
    void whatCountsAsANumericAnswer() {
        for (String yes : new String[] {"2", " 2 ", "2.", "2)", "10", "\t3\n"}) {
            assertThat(WahaNumberedMenus.NUMBER_ONLY.matcher(yes).matches()).as(yes).isTrue();
        }
        for (String no : new String[] {"", "two", "2 please", "#2", "123", "2..", "1.5", "-1"}) {
            assertThat(WahaNumberedMenus.NUMBER_ONLY.matcher(no).matches()).as(no).isFalse();
        }
    }
}
