package io.wagateway.ops;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks personal data before it reaches a log line: phone numbers and the ids built from them (chat ids, WAHA
 * message ids such as {@code false_15550100001@c.us_3EB0...}) and message text. On by default; property
 * {@code gateway.logging.unmask} (env {@code LOG_UNMASK=true}) turns it off for local debugging. Secrets are never
 * logged at all, masked or not.
 */
public final class LogMask {

    /** A run of 6 or more digits: a phone number, or the phone number inside an id. */
    private static final Pattern DIGITS = Pattern.compile("\\d{6,}");

    private static volatile boolean unmasked;

    private LogMask() {
    }

    /** @param unmask true to log personal data as is (development only) */
    public static void setUnmasked(boolean unmask) {
        unmasked = unmask;
    }

    /** @return true when masking is off */
    public static boolean isUnmasked() {
        return unmasked;
    }

    /**
     * Masks every run of 6+ digits to its first two and last two digits: {@code 15550100001@c.us} →
     * {@code 15****01@c.us}. Ids without long digit runs (Meta wamids' base64 part aside) stay readable.
     *
     * @param value a phone number, chat id, sender id or message id; null stays null
     * @return the masked value
     */
    public static String id(Object value) {
        if (value == null) {
            return null;
        }
        String s = value.toString();
        if (unmasked) {
            return s;
        }
        Matcher m = DIGITS.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            String d = m.group();
            m.appendReplacement(out, d.substring(0, 2) + "****" + d.substring(d.length() - 2));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * @param text message text (or any free text a customer wrote); null stays null
     * @return {@code [text: N chars]} unless unmasked
     */
    public static String text(Object text) {
        if (text == null) {
            return null;
        }
        return unmasked ? text.toString() : "[text: " + text.toString().length() + " chars]";
    }
}
