package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.tokenize.ChatJinja;
import io.tunecard.tokenize.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared chat-template vectors (fixtures/chat-template/vectors.json, rendered by transformers'
 * {@code apply_chat_template}; the worker's test_chat.py checks the same file): the JVM's template
 * text and ids must equal them, with Mistral-7B-Instruct-v0.3's own template.
 */
class ChatTemplateVectorsTest {
  private static final Path DIR = Fixtures.path("chat-template");
  @TempDir Path tmp;

  private static JsonNode vectors() throws IOException {
    return Jsonl.readTree(DIR.resolve("vectors.json"));
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }

  private static ChatTemplate load(Path dir) {
    return ChatTemplate.load(dir, DIR.resolve("tokenizer.json"), MistralConfig.read(DIR));
  }

  @Test
  void textAndIdsEqualTransformers() throws IOException {
    JsonNode v = vectors();
    try (ChatTemplate t = load(DIR)) {
      assertThat(t.origin()).endsWith("tokenizer_config.json");
      assertThat(t.ids().bos()).isEqualTo(v.at("/special_ids/bos").asLong());
      assertThat(t.ids().eos()).containsExactly(longs(v.at("/special_ids/eos")));
      assertThat(t.ids().pad()).isEqualTo(v.at("/special_ids/pad").asLong());
      List<String> questions = new ArrayList<>();
      List<String> answers = new ArrayList<>();
      for (JsonNode c : v.get("cases")) {
        String q = c.get("question").asText();
        String a = c.get("answer").asText();
        questions.add(q);
        answers.add(a);
        assertThat(t.promptText(q)).as(q).isEqualTo(c.get("prompt_text").asText());
        assertThat(t.conversationText(q, a)).as(q).isEqualTo(c.get("text").asText());
        assertThat(t.prompt(q)).as(q).containsExactly(longs(c.get("prompt_ids")));
      }
      List<ChatTemplate.Exchange> x = t.exchanges(questions, answers);
      for (int i = 0; i < x.size(); i++) {
        JsonNode c = v.get("cases").get(i);
        assertThat(x.get(i).ids()).containsExactly(longs(c.get("ids")));
        assertThat(x.get(i).promptLength()).isEqualTo(c.get("prompt_ids").size());
      }
    }
  }

  @Test
  void mistralsTemplateHasNoSpaceBeforeTheClosingTagAndKeepsTheQuestionAsItIs() {
    try (ChatTemplate t = load(DIR)) {
      assertThat(t.promptText("What is gout?")).isEqualTo("<s>[INST] What is gout?[/INST]");
      assertThat(t.promptText("What is gout? ")).isEqualTo("<s>[INST] What is gout? [/INST]");
      assertThat(t.conversationText("Q", " A\u2003")).isEqualTo("<s>[INST] Q[/INST] A</s>");
    }
  }

  @Test
  void aBaseWithoutATemplateGetsTheBundledOneWithTheSameResult() throws IOException {
    Files.copy(DIR.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    JsonNode v = vectors();
    try (ChatTemplate own = load(DIR);
        ChatTemplate bundled = load(tmp)) {
      assertThat(bundled.origin()).isEqualTo("tunecard's mistral-inst template");
      for (JsonNode c : v.get("cases")) {
        String q = c.get("question").asText();
        assertThat(bundled.prompt(q)).isEqualTo(own.prompt(q));
      }
    }
  }

  @Test
  void raiseExceptionFailsWithTheTemplatesMessage() {
    ChatJinja j =
        new ChatJinja(
            TokenizerConfig.bundled("mistral-inst"),
            "mistral-inst",
            Map.of("bos_token", "<s>", "eos_token", "</s>"));
    assertThatThrownBy(() -> j.render(List.of(Map.of("role", "assistant", "content", "x")), false))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("mistral-inst: chat_template failed")
        .hasMessageContaining("conversation roles must alternate user/assistant");
    // what one render sets (system_message) does not leak into the next
    String system =
        j.render(
            List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Q")),
            true);
    assertThat(system).isEqualTo("<s>[INST] Be brief.\n\nQ[/INST]");
    assertThat(j.render(List.of(Map.of("role", "user", "content", "Q")), true))
        .isEqualTo("<s>[INST] Q[/INST]");
  }

  @Test
  void aNamedTemplateListUsesItsDefaultAndABadOneIsAnError() throws IOException {
    Files.writeString(
        tmp.resolve("tokenizer_config.json"),
        "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"},"
            + " {\"name\": \"default\", \"template\": \"{{ bos_token }}{{ messages[0].content }}\"}],"
            + " \"bos_token\": {\"content\": \"<s>\"}}");
    assertThat(TokenizerConfig.read(tmp).chatTemplate())
        .isEqualTo("{{ bos_token }}{{ messages[0].content }}");
    assertThat(TokenizerConfig.read(tmp).bosToken()).isEqualTo("<s>");
    Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
    assertThatThrownBy(() -> TokenizerConfig.read(tmp))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("tokenizer_config.json: key 'chat_template'");
  }

  @Test
  void bothEvalLossDefinitionsMatchTheSharedVector() throws IOException {
    JsonNode e = vectors().get("eval_loss");
    List<LossValue> rows = new ArrayList<>();
    e.get("rows").forEach(r -> rows.add(new LossValue(r.get(0).asDouble(), r.get(1).asLong())));
    EvalLosses l = EvalLosses.of(rows, e.get("batch_size").asInt());
    assertThat(l.trainer()).isCloseTo(e.get("eval_loss").asDouble(), within(1e-12));
    assertThat(l.tokenWeighted())
        .isCloseTo(e.get("eval_loss_token_weighted").asDouble(), within(1e-12));
    assertThat(l.batches()).isEqualTo(3);
    assertThat(l.tokens()).isEqualTo(11);
  }
}
