package io.wagateway.reply;

import io.wagateway.message.CanonicalMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What asks for a person (issue 21, routes/handover.camel.yaml, docs/handover.md): a hand-over keyword in a customer's
 * message ({@code gateway.handover.keywords}: whole words, case-insensitive) and the hand-over marker in the model's
 * answer ({@code gateway.handover.llm-marker}, which the system prompt asks the model to write:
 * {@link ConversationHistory}). Both are off when their property is empty.
 */
public class HandOverTriggers {

    private Pattern keywords;
    private String marker = "";
    private String keywordAnswer = "";
    private String llmAnswer = "";

    /**
     * @param list comma list of keywords ({@code agent,human,person}); blank = no keyword trigger
     */
    public void setKeywords(String list) {
        List<String> words = new ArrayList<>();
        if (list != null) {
            for (String w : list.split(",")) {
                if (!w.isBlank()) {
                    words.add(Pattern.quote(w.strip()));
                }
            }
        }
        // a whole word: no letter, digit or underscore right before or after it ("agents" and "agentur" do not match)
        keywords = words.isEmpty() ? null : Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + String.join("|", words)
                + ")(?![\\p{L}\\p{N}_])", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /**
     * @param message a stored message
     * @return true when its text holds a hand-over keyword as a whole word
     */
    public boolean keyword(CanonicalMessage message) {
        return keywords != null && message.text() != null && keywords.matcher(message.text()).find();
    }

    /**
     * @param message the inbound message that handed the chat over
     * @return the send request ({@code direct:send-message}) of {@code gateway.handover.keyword-answer} to its chat,
     *         or null when no answer is configured
     */
    public Map<String, Object> keywordAnswer(CanonicalMessage message) {
        if (keywordAnswer == null || keywordAnswer.isBlank()) {
            return null;
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("provider", message.provider());
        request.put("account_id", message.accountId());
        request.put("chat_id", message.chatId());
        request.put("type", "text");
        request.put("text", keywordAnswer);
        return request;
    }

    /**
     * @param answer the model's answer
     * @return true when it carries the hand-over marker
     */
    public boolean asksForPerson(String answer) {
        return marker != null && !marker.isBlank() && answer != null && answer.contains(marker);
    }

    /**
     * @param answer the model's answer carrying the marker
     * @return the answer without the marker, or {@code gateway.handover.llm-answer} when nothing else is left
     */
    public String withoutMarker(String answer) {
        String rest = answer == null ? "" : answer.replace(marker, "").strip();
        return rest.isEmpty() ? llmAnswer : rest;
    }

    /** @param marker {@code gateway.handover.llm-marker}; blank = the model cannot hand over */
    public void setMarker(String marker) {
        this.marker = marker == null ? "" : marker.strip();
    }

    /** @return the hand-over marker (blank when off) */
    public String getMarker() {
        return marker;
    }

    /** @param keywordAnswer {@code gateway.handover.keyword-answer}: sent once after a keyword; blank = none */
    public void setKeywordAnswer(String keywordAnswer) {
        this.keywordAnswer = keywordAnswer;
    }

    /** @param llmAnswer {@code gateway.handover.llm-answer}: sent when the model answered the marker alone */
    public void setLlmAnswer(String llmAnswer) {
        this.llmAnswer = llmAnswer;
    }
}
