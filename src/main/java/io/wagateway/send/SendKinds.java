package io.wagateway.send;

import java.util.Arrays;
import java.util.List;

/**
 * The message kinds one provider can send through {@code direct:send-message-<provider>} (issue 19, contract C3),
 * declared in the provider's route file as a bean named {@code <provider>SendKinds}.
 */
public class SendKinds {

    private List<String> kinds = List.of();

    /** @param kinds comma-separated kinds, e.g. {@code text,image,video} */
    public void setKinds(String kinds) {
        this.kinds = Arrays.stream(kinds.split(",")).map(String::trim).filter(k -> !k.isEmpty()).toList();
    }

    /**
     * @param type a send request's {@code type}
     * @return true when the provider can send it
     */
    public boolean supports(String type) {
        return kinds.contains(type);
    }

    /** @return the kinds, in their declared order */
    public List<String> kinds() {
        return kinds;
    }
}
