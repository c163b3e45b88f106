package io.wagateway.reply;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The chat model used by {@code camel-langchain4j-chat}: langchain4j's {@link OpenAiChatModel} pointed at
 * OpenRouter ({@code https://openrouter.ai/api/v1}, which speaks the OpenAI chat-completions API). Configured with
 * bean properties and built on first use, so a gateway without an API key starts (auto-reply is off by default).
 * Retries are the route's business ({@code maxRetries} 0 here), as is the circuit breaker.
 */
public class OpenRouterChatModel implements ChatModel {

    private String baseUrl = "https://openrouter.ai/api/v1";
    private String apiKey;
    private String model = "openai/gpt-4o-mini";
    private long timeoutMs = 30_000;
    private Double temperature;
    private String appName = "whatsapp-gateway";
    private volatile ChatModel delegate;

    private ChatModel delegate() {
        ChatModel d = delegate;
        if (d == null) {
            synchronized (this) {
                if (delegate == null) {
                    if (apiKey == null || apiKey.isBlank()) {
                        throw new IllegalStateException("OPENROUTER_API_KEY is not set: no AI reply can be generated");
                    }
                    delegate = OpenAiChatModel.builder()
                            .baseUrl(baseUrl)
                            .apiKey(apiKey)
                            .modelName(model)
                            .temperature(temperature)
                            .timeout(Duration.ofMillis(timeoutMs))
                            .maxRetries(0)
                            .customHeaders(Map.of("X-Title", appName))
                            .build();
                }
                d = delegate;
            }
        }
        return d;
    }

    @Override
    public ChatResponse chat(ChatRequest request) {
        return delegate().chat(request);
    }

    @Override
    public ChatResponse chat(List<ChatMessage> messages) {
        return delegate().chat(messages);
    }

    @Override
    public ChatResponse chat(ChatMessage... messages) {
        return delegate().chat(messages);
    }

    @Override
    public String chat(String userMessage) {
        return delegate().chat(userMessage);
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return delegate().defaultRequestParameters();
    }

    /** @param baseUrl OpenAI-compatible API base, e.g. {@code https://openrouter.ai/api/v1} */
    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** @param apiKey the OpenRouter API key (Bearer) */
    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    /** @param model OpenRouter model id, e.g. {@code openai/gpt-4o-mini} */
    public void setModel(String model) {
        this.model = model;
    }

    /** @param timeoutMs request timeout, in ms */
    public void setTimeoutMs(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    /** @param temperature sampling temperature, or null for the model's default */
    public void setTemperature(Double temperature) {
        this.temperature = temperature;
    }

    /** @param appName sent as OpenRouter's {@code X-Title} header */
    public void setAppName(String appName) {
        this.appName = appName;
    }
}
