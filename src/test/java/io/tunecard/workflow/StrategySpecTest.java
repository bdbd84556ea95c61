package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.Jsonl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one declaration of a decoding strategy: read, built, checked, written for the worker. */
class StrategySpecTest {
  static final String YAML =
      "name: s\n"
          + "dataset: {path: data/x}\n"
          + "model: {base: some/model}\n"
          + "eval:\n"
          + "  max_new_tokens: 64\n"
          + "  strategies:\n"
          + "    - {name: a, num_beams: 3, length_penalty: 0.5, early_stopping: true,"
          + " min_new_tokens: 2}\n"
          + "    - {name: b, temperature: 0.7, top_p: 0.8, seed: 7}\n"
          + "    - {name: c, do_sample: true}\n"
          + "    - {name: d, top_k: 0}\n"
          + "    - {name: e, top_k: 5, seed: -3}\n";

  static List<StrategySpec> read() {
    return WorkflowLoader.parseYaml("s.yaml", YAML, List.of()).eval().strategies();
  }

  @Test
  void aWorkflowStrategyReadsAsTheFactoriesBuildIt() {
    assertThat(read())
        .containsExactly(
            StrategySpec.greedy("a")
                .withBeams(3)
                .withLengthPenalty(0.5)
                .withEarlyStopping(true)
                .withMinNewTokens(2),
            StrategySpec.sampling("b").withTemperature(0.7).withTopP(0.8).withSeed(7L),
            StrategySpec.sampling("c"),
            StrategySpec.sampling("d").withTopK(0),
            StrategySpec.sampling("e").withTopK(5).withSeed(-3L));
  }

  /** The stage cache hashes the workflow's records: the reference strategies hash as they did. */
  @Test
  void theReferenceStrategiesKeepTheirCanonicalJson() {
    assertThat(WorkflowLoader.canonicalJson(EvalSpec.referenceStrategies()))
        .isEqualTo(
            "[{\"do_sample\":false,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"beam_4\",\"num_beams\":4,\"seed\":null,"
                + "\"temperature\":1.0,\"top_k\":0,\"top_p\":1.0},"
                + "{\"do_sample\":true,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"topp_0.9\",\"num_beams\":1,\"seed\":null,"
                + "\"temperature\":1.0,\"top_k\":50,\"top_p\":0.9},"
                + "{\"do_sample\":true,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"temp_1.2\",\"num_beams\":1,\"seed\":null,"
                + "\"temperature\":1.2,\"top_k\":50,\"top_p\":1.0},"
                + "{\"do_sample\":false,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"greedy\",\"num_beams\":1,\"seed\":null,"
                + "\"temperature\":1.0,\"top_k\":0,\"top_p\":1.0},"
                + "{\"do_sample\":true,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"temp_0.9\",\"num_beams\":1,\"seed\":null,"
                + "\"temperature\":0.9,\"top_k\":50,\"top_p\":1.0},"
                + "{\"do_sample\":true,\"early_stopping\":false,\"length_penalty\":1.0,"
                + "\"min_new_tokens\":0,\"name\":\"topk_50\",\"num_beams\":1,\"seed\":null,"
                + "\"temperature\":1.0,\"top_k\":50,\"top_p\":1.0}]");
  }

  /** The worker spec's strategies entries (spec.schema.json), seeds resolved against eval.seed. */
  @Test
  void toJsonWritesEveryKnobUnderItsWorkflowKey() {
    assertThat(read().stream().map(s -> Jsonl.write(s.toJson(42))).toList())
        .containsExactly(
            "{\"name\":\"a\",\"num_beams\":3,\"length_penalty\":0.5,\"early_stopping\":true,"
                + "\"do_sample\":false,\"temperature\":1.0,\"top_k\":0,\"top_p\":1.0,"
                + "\"min_new_tokens\":2,\"seed\":3904355949}",
            "{\"name\":\"b\",\"num_beams\":1,\"length_penalty\":1.0,\"early_stopping\":false,"
                + "\"do_sample\":true,\"temperature\":0.7,\"top_k\":50,\"top_p\":0.8,"
                + "\"min_new_tokens\":0,\"seed\":7}",
            "{\"name\":\"c\",\"num_beams\":1,\"length_penalty\":1.0,\"early_stopping\":false,"
                + "\"do_sample\":true,\"temperature\":1.0,\"top_k\":50,\"top_p\":1.0,"
                + "\"min_new_tokens\":0,\"seed\":112844697}",
            "{\"name\":\"d\",\"num_beams\":1,\"length_penalty\":1.0,\"early_stopping\":false,"
                + "\"do_sample\":true,\"temperature\":1.0,\"top_k\":0,\"top_p\":1.0,"
                + "\"min_new_tokens\":0,\"seed\":2564639478}",
            "{\"name\":\"e\",\"num_beams\":1,\"length_penalty\":1.0,\"early_stopping\":false,"
                + "\"do_sample\":true,\"temperature\":1.0,\"top_k\":5,\"top_p\":1.0,"
                + "\"min_new_tokens\":0,\"seed\":-3}");
  }

  @Test
  void aDerivedSeedFollowsTheEvalSeedAndTheName() {
    StrategySpec a = StrategySpec.greedy("a");
    assertThat(a.resolvedSeed(43)).isEqualTo(a.resolvedSeed(42) + 1);
    assertThat(a.resolvedSeed(42)).isNotEqualTo(StrategySpec.greedy("b").resolvedSeed(42));
    assertThat(a.withSeed(5L).resolvedSeed(42)).isEqualTo(5);
  }

  @Test
  void everyCopyIsCheckedAsAWhole() {
    assertThatThrownBy(() -> StrategySpec.greedy("x").withBeams(0))
        .isInstanceOf(Check.Invalid.class)
        .hasMessage("num_beams: expected an integer >= 1, found 0");
    assertThatThrownBy(() -> StrategySpec.sampling("x").withBeams(2))
        .hasMessage("num_beams: beam sampling is not supported; use num_beams 1 with sampling");
    assertThatThrownBy(() -> StrategySpec.sampling("x").withTopP(0))
        .hasMessage("top_p: expected a number in (0, 1], found 0");
    assertThatThrownBy(() -> StrategySpec.greedy("x").withLengthPenalty(Double.NaN))
        .hasMessage("length_penalty: expected a finite number, found NaN");
    assertThatThrownBy(() -> StrategySpec.greedy("a/b"))
        .hasMessageStartingWith("name: expected letters, digits");
  }

  /** The evaluation stage's settings carry the strategies to every Beam worker. */
  @Test
  void aStrategySurvivesJavaSerialization() throws Exception {
    StrategySpec s = StrategySpec.sampling("topp").withTopP(0.9).withSeed(3L);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(s);
    }
  }
}
