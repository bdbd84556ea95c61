package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowLoaderTest {
  private static final String MINIMAL =
      "name: demo\ndataset: {path: data/x}\nmodel: {base: some/model}\n";

  @Test
  void shippedWorkflowsAreValid() {
    for (String f : List.of("quickstart.yaml", "medquad-mistral7b-lora-r32.yaml")) {
      var loaded = WorkflowLoader.load(Path.of("workflows", f), List.of());
      assertThat(loaded.workflow().name()).isNotBlank();
      assertThat(loaded.fileSha256()).hasSize(64);
    }
  }

  @Test
  void referenceWorkflowHasTheReferenceNumbers() {
    Workflow w =
        WorkflowLoader.load(Path.of("workflows/medquad-mistral7b-lora-r32.yaml"), List.of())
            .workflow();
    assertThat(w.lora().r()).isEqualTo(32);
    assertThat(w.lora().scaling()).isEqualTo(2.0);
    assertThat(w.lora().targets()).hasSize(7);
    assertThat(w.train().effectiveBatch()).isEqualTo(8);
    assertThat(w.model().quantization()).isEqualTo("nf4");
    assertThat(w.eval().strategies())
        .extracting(StrategySpec::name)
        .containsExactly("beam_4", "topp_0.9", "temp_1.2", "greedy", "temp_0.9", "topk_50");
    StrategySpec topp = w.eval().strategies().get(1);
    assertThat(topp.doSample()).isTrue();
    assertThat(topp.topK()).isEqualTo(StrategySpec.HF_DEFAULT_TOP_K);
    assertThat(w.eval().strategies().get(0).doSample()).isFalse();
  }

  @Test
  void packingIsRefusedForTheDjlEngineAndEvalLimitBoundsValidationRows() {
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t.yaml", MINIMAL + "train: {batching: packing}\n", List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("packing is implemented by the hf engine only");
    Workflow hf =
        WorkflowLoader.parseYaml(
            "t.yaml",
            MINIMAL + "train: {engine: hf, batching: packing, eval_limit: 64}\n",
            List.of());
    assertThat(hf.train().batching()).isEqualTo("packing");
    assertThat(hf.train().evalLimit()).isEqualTo(64);
    assertThat(WorkflowLoader.parseYaml("t", MINIMAL, List.of()).train().evalLimit()).isNull();
  }

  @Test
  void bertScoreInBf16NeedsTheHfEngine() {
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t.yaml", MINIMAL + "eval: {bertscore: {dtype: bf16}}\n", List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("bertscore.dtype: bf16 needs engine: hf");
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t.yaml", MINIMAL + "eval: {bertscore: {dtype: fp16}}\n", List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("dtype: expected one of fp32, bf16, found 'fp16'");
    Workflow hf =
        WorkflowLoader.parseYaml(
            "t.yaml", MINIMAL + "eval: {engine: hf, bertscore: {dtype: bf16}}\n", List.of());
    assertThat(hf.eval().bertscore().dtype()).isEqualTo("bf16");
    assertThat(hf.eval().bertscore().layer()).isEqualTo(17);
    assertThat(
            WorkflowLoader.parseYaml("t", MINIMAL + "eval: {bertscore: {}}\n", List.of())
                .eval()
                .bertscore())
        .isEqualTo(BertScoreSpec.defaults());
  }

  @Test
  void theNf4BackendIsBuiltinByDefaultAndBitsandbytesNeedsTheHfEngine() {
    Workflow nf4 =
        WorkflowLoader.parseYaml(
            "t.yaml",
            MINIMAL.replace("base: some/model", "base: some/model, quantization: nf4"),
            List.of());
    assertThat(nf4.model().nf4Backend()).isEqualTo("builtin");
    String bnb =
        MINIMAL.replace(
            "base: some/model", "base: some/model, quantization: nf4, nf4_backend: bitsandbytes");
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", bnb, List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("model.nf4_backend: bitsandbytes quantizes in the hf engine only")
        .hasMessageContaining("train.engine is 'djl'");
    Workflow hf =
        WorkflowLoader.parseYaml(
            "t.yaml", bnb + "train: {engine: hf}\neval: {engine: hf}\n", List.of());
    assertThat(hf.model().nf4Backend()).isEqualTo("bitsandbytes");
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t.yaml",
                    MINIMAL.replace("base: some/model", "base: some/model, nf4_backend: bnb"),
                    List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("model.nf4_backend: expected one of")
        .hasMessageContaining("bnb");
  }

  @Test
  void defaultsApply() {
    Workflow w = WorkflowLoader.parseYaml("t", MINIMAL, List.of());
    assertThat(w.dataset().split().train()).isEqualTo(0.70);
    assertThat(w.eval().strategies()).hasSize(6);
    assertThat(w.train().engine()).isEqualTo("djl");
  }

  @Test
  void misspeltKeyIsNamedWithItsPathAndASuggestion() {
    String yaml = MINIMAL + "train: {learning_rate: 0.1, lr: 0.1, epochz: 2}\n";
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", yaml, List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("train.learning_rate: unknown key")
        .hasMessageContaining("train.epochz: unknown key (did you mean 'epochs'?)");
  }

  @Test
  void everyProblemIsReportedWithValueAndAllowedRange() {
    String yaml =
        "name: Bad Name\n"
            + "dataset: {path: x, source: csv, split: {train: 1.5}}\n"
            + "model: {base: m, quantization: int8}\n"
            + "lora: {r: 0, targets: [q_proj, nope]}\n"
            + "train: {micro_batch: two}\n";
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", yaml, List.of()))
        .isInstanceOfSatisfying(
            WorkflowException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(p -> assertThat(p).startsWith("dataset.source: expected one of"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .isEqualTo(
                                    "dataset.split.train: expected a number in (0, 1], found 1.5"))
                    .anySatisfy(p -> assertThat(p).contains("model.quantization").contains("int8"))
                    .anySatisfy(p -> assertThat(p).startsWith("lora.targets[1]: expected one of"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .isEqualTo("train.micro_batch: expected an integer, found 'two'"))
                    .anySatisfy(p -> assertThat(p).startsWith("name: expected a slug")));
  }

  @Test
  void overridesUseYamlTypesAndReachLists() {
    Workflow w =
        WorkflowLoader.parseYaml(
            "t",
            MINIMAL + "eval: {strategies: [{name: beam}]}\n",
            List.of(
                "train.lr=1e-3",
                "eval.limit=10",
                "lora.targets=[q_proj, v_proj]",
                "dataset.split.group_by=focus",
                "eval.strategies.0.num_beams=2"));
    assertThat(w.train().lr()).isEqualTo(1e-3);
    assertThat(w.eval().limit()).isEqualTo(10);
    assertThat(w.lora().targets()).containsExactly("q_proj", "v_proj");
    assertThat(w.dataset().split().groupBy()).isEqualTo("focus");
    assertThat(w.eval().strategies().get(0).numBeams()).isEqualTo(2);
    assertThatThrownBy(
            () -> WorkflowLoader.parseYaml("t", MINIMAL, List.of("eval.strategies.0.top_k=3")))
        .hasMessageContaining("eval.strategies is not a list");
  }

  @Test
  void overrideOfAnUnknownKeyIsAnError() {
    assertThatThrownBy(
            () -> WorkflowLoader.parseYaml("t", MINIMAL, List.of("train.learnig_rate=0.1")))
        .hasMessageContaining("train.learnig_rate: unknown key");
  }

  @Test
  void splitFractionsMustSumToOne() {
    assertThatThrownBy(
            () -> WorkflowLoader.parseYaml("t", MINIMAL, List.of("dataset.split.train=0.5")))
        .hasMessageContaining("dataset.split.train: train + validation + test must be 1");
  }

  @Test
  void duplicateKeysAndBadYamlAreErrorsWithTheLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.yaml");
    Files.writeString(f, MINIMAL + "name: again\n");
    assertThatThrownBy(() -> WorkflowLoader.load(f, List.of()))
        .hasMessageContaining("line 4")
        .hasMessageContaining("Duplicate field 'name'");
    Files.writeString(f, "name: [unclosed\n");
    assertThatThrownBy(() -> WorkflowLoader.load(f, List.of()))
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void scratchBaseNeedsItsSize() {
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t", MINIMAL, List.of("model.base=scratch")))
        .hasMessageContaining("model.scratch: base 'scratch' needs both");
  }

  @Test
  void canonicalJsonIsStableAndUsesWorkflowKeys() {
    Workflow w = WorkflowLoader.parseYaml("t", MINIMAL, List.of());
    String json = WorkflowLoader.canonicalJson(w.train());
    assertThat(json)
        .contains("\"micro_batch\":4")
        .isEqualTo(WorkflowLoader.canonicalJson(w.train()));
  }
}
