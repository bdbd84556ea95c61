package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.evaluate.EvalRunFixture;
import io.tunecard.files.Jsonl;
import io.tunecard.model.Fixtures;
import io.tunecard.rundir.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard generate} on Hugging Face model directories: the transformers fixture model
 * (config.json + safetensors, no tokenizer) with and without its PEFT adapter reproduces
 * generate()'s ids; a run's base with its tokenizer answers a question with the chat template.
 */
class GenerateCommandTest {
  @TempDir Path tmp;

  static List<Long> ids(JsonNode a) {
    List<Long> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asLong()));
    return out;
  }

  /** The fixture's new tokens of a single-prompt case, EOS and what follows cut off. */
  static List<Long> expected(String model, String strategy) {
    for (JsonNode c : Fixtures.json("generation.json").get("cases")) {
      if (c.get("model").asText().equals(model)
          && c.get("strategy").asText().equals(strategy)
          && c.get("prompt_index").asInt(-1) == 0
          && c.get("eos_kind").asText().equals("config")) {
        List<Long> all = ids(c.get("new_tokens").get(0));
        int eos = all.indexOf(2L);
        return eos < 0 ? all : all.subList(0, eos);
      }
    }
    throw new IllegalStateException("no such case");
  }

  static JsonNode json(MainTest.Result r) throws Exception {
    assertThat(r.code()).as(r.err()).isZero();
    return Jsonl.MAPPER.readTree(r.out());
  }

  @Test
  void idsOnTheFixtureModelEqualGenerateWithAndWithoutTheAdapter() throws Exception {
    String model = Fixtures.path("tiny-mistral").toString();
    String adapter = Fixtures.path("lora-adapter").toString();
    String prompt = "144,79,212,138";
    for (String strategy : List.of("greedy", "beam_4")) {
      JsonNode base =
          json(
              MainTest.run(
                  "generate",
                  "--model",
                  model,
                  "--input-ids",
                  prompt,
                  "--strategy",
                  strategy,
                  "--max-new-tokens",
                  "12",
                  "--json"));
      assertThat(ids(base.get("token_ids"))).isEqualTo(expected("base", strategy));
      assertThat(base.get("text").isNull()).isTrue(); // no tokenizer.json in the directory
      JsonNode tuned =
          json(
              MainTest.run(
                  "generate",
                  "--model",
                  model,
                  "--adapter",
                  adapter,
                  "--input-ids",
                  prompt,
                  "--strategy",
                  strategy,
                  "--max-new-tokens",
                  "12",
                  "--json"));
      assertThat(ids(tuned.get("token_ids"))).isEqualTo(expected("lora", strategy));
    }
  }

  @Test
  void aPromptNeedsTheTokenizerAndSaysWhichFile() {
    MainTest.Result r =
        MainTest.run(
            "generate", "--model", Fixtures.path("tiny-mistral").toString(), "--prompt", "Hi?");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(Fixtures.path("tiny-mistral").resolve("tokenizer.json").toString());
  }

  @Test
  void answersAQuestionWithTheChatTemplateWithAndWithoutAnAdapter() throws Exception {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    String base = run.base().toString();
    String adapter = run.checkpoint(4).toString();
    String[] common = {"--prompt", "What is glaucoma ?", "--max-new-tokens", "10", "--json"};
    JsonNode a = json(MainTest.run(concat(new String[] {"generate", "--model", base}, common)));
    JsonNode b =
        json(
            MainTest.run(
                concat(new String[] {"generate", "--model", base, "--adapter", adapter}, common)));
    for (JsonNode o : List.of(a, b)) {
      assertThat(o.get("token_ids").size()).isBetween(0, 10);
      assertThat(o.get("text").isTextual()).isTrue();
    }
    assertThat(ids(a.get("token_ids"))).isNotEqualTo(ids(b.get("token_ids")));
    String[] sampled = {
      "generate",
      "--model",
      base,
      "--prompt",
      "What is glaucoma ?",
      "--strategy",
      "topk_50",
      "--seed",
      "3",
      "--max-new-tokens",
      "10"
    };
    MainTest.Result s1 = MainTest.run(sampled);
    MainTest.Result s2 = MainTest.run(sampled);
    assertThat(s1.code()).as(s1.err()).isZero();
    assertThat(s1.out()).isEqualTo(s2.out());
  }

  @Test
  void refusesBeamSampling() {
    MainTest.Result r =
        MainTest.run(
            "generate",
            "--model",
            Fixtures.path("tiny-mistral").toString(),
            "--input-ids",
            "5,6",
            "--strategy",
            "topk_50",
            "--num-beams",
            "4");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("num-beams");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
