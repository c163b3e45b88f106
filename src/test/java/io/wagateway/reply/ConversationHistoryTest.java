package io.wagateway.reply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationHistoryTest {

    @Test
    void theSystemPromptComesFromThePropertyOrFromTheFile(@TempDir Path dir) throws Exception {
        ConversationHistory history = new ConversationHistory();
        history.setSystemPrompt("From the property.");
        assertThat(history.prompt()).isEqualTo("From the property.");

        Path file = dir.resolve("prompt.txt");
        Files.writeString(file, "From the file: answer in Portuguese, é ok.\n", StandardCharsets.UTF_8);
        history.setSystemPromptFile(file.toString());
        assertThat(history.prompt()).isEqualTo("From the file: answer in Portuguese, é ok.");

        history.setSystemPromptFile(" ");
        assertThat(history.prompt()).isEqualTo("From the property.");
    }
}
