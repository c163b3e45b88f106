package io.wagateway.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@link SendKinds}, and the {@code <provider>SendKinds} beans each provider file declares (docs/sending.md). */
class SendKindsTest {

    @Test
    void parsesTheCommaSeparatedList() {
        SendKinds kinds = new SendKinds();
        kinds.setKinds(" text, Image ,,video,text ");
        assertThat(kinds.kinds()).containsExactly("text", "image", "video");
        assertThat(kinds.supports("image")).isTrue();
        assertThat(kinds.supports("IMAGE")).isTrue();
        assertThat(kinds.supports("buttons")).isFalse();
        assertThat(kinds.supports(null)).isFalse();
    }

    @Test
    void unsetSupportsNothing() {
        SendKinds kinds = new SendKinds();
        assertThat(kinds.kinds()).isEmpty();
        assertThat(kinds.supports("text")).isFalse();
        kinds.setKinds(null);
        assertThat(kinds.kinds()).isEmpty();
    }

    /** The table of docs/sending.md, read from the provider files where the beans are declared. */
    @Test
    void eachProviderFileDeclaresItsKinds() throws Exception {
        Map<String, String> declared = new LinkedHashMap<>();
        for (String file : List.of("meta-cloud-api", "waha", "periskope", "unipile", "evolution-api")) {
            List<Object> entries;
            try (InputStream in = Files.newInputStream(Path.of("routes", file + ".camel.yaml"))) {
                entries = new Yaml().load(in);
            }
            for (Object e : entries) {
                if (e instanceof Map<?, ?> m && m.get("beans") instanceof List<?> beans) {
                    for (Object b : beans) {
                        Map<?, ?> bean = (Map<?, ?>) b;
                        if (SendKinds.class.getName().equals(bean.get("type"))) {
                            declared.put(String.valueOf(bean.get("name")),
                                    String.valueOf(((Map<?, ?>) bean.get("properties")).get("kinds")));
                        }
                    }
                }
            }
        }
        assertThat(declared).containsExactly(
                Map.entry("metaSendKinds", "text,image,video,audio,document,sticker,buttons,list,template,reaction,location"),
                Map.entry("wahaSendKinds", "text,image,video,audio,document,location,reaction,buttons,list"),
                Map.entry("periskopeSendKinds", "text,image,video,audio,document"),
                Map.entry("unipileSendKinds", "text,image,video,audio,document"),
                Map.entry("evolutionSendKinds", "text"));
    }
}
