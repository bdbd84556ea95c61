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

  // Issue 18, case 3: Jackson's YAML tree gave an alias the anchor's name ('rid'), not its value.
  @Test
  void anAliasResolvesToTheAnchoredValueNotToTheAnchorsName() {
    Workflow w =
        WorkflowLoader.parseYaml(
            "t.yaml", MINIMAL + "card: {repo_id: &rid o/m}\npublish: {repo_id: *rid}\n", List.of());
    assertThat(w.publish().repoId()).isEqualTo("o/m");
    assertThat(w.card().repoId()).isEqualTo("o/m");
  }

  // Issue 18, case 6: the first failed check of a record hid every other one of its section.
  @Test
  void everyErrorOfEverySectionIsReportedAtOnce() {
    String yaml =
        "name: demo\n"
            + "dataset: {path: x, min_usable_rows: -1, max_zip_entries: 0}\n"
            + "model: {base: m, max_seq_len: 2}\n"
            + "lora: {r: 0, alpha: -1, dropout: 2}\n"
            + "train: {micro_batch: 0, grad_accum: 0, lr: 5, log_every: 0}\n"
            + "eval: {batch: 0}\n";
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", yaml, List.of()))
        .isInstanceOfSatisfying(
            WorkflowException.class,
            e ->
                assertThat(e.problems())
                    .extracting(p -> p.substring(0, p.indexOf(':')))
                    .containsExactlyInAnyOrder(
                        "dataset.min_usable_rows",
                        "dataset.max_zip_entries",
                        "model.max_seq_len",
                        "lora.r",
                        "lora.alpha",
                        "lora.dropout",
                        "train.micro_batch",
                        "train.grad_accum",
                        "train.lr",
                        "train.log_every",
                        "eval.batch"));
  }

  // Issue 18, case 6: sizes no machine can hold were accepted and failed hours later, or never.
  @Test
  void absurdSizesAreRefusedWithTheReason() {
    String hub = "name: demo\ndataset: {path: x}\nmodel: {base: some/model}\n";
    String scratch =
        "name: demo\ndataset: {path: x}\nmodel: {base: scratch, scratch: {}," + " tokenizer: {}}\n";
    for (String[] c :
        new String[][] {
          {hub, "eval.max_new_tokens=1e9", "eval.max_new_tokens", "positions"},
          {hub, "model.max_seq_len=2000000000", "model.max_seq_len", "positions"},
          {hub, "train.micro_batch=100000000", "train.micro_batch", "grad_accum"},
          {hub, "lora.r=100000", "lora.r", "rank"},
          {scratch, "model.tokenizer.vocab_size=2000000000", "model.tokenizer.vocab_size", "vocab"},
          {scratch, "eval.max_new_tokens=5000", "eval.max_new_tokens", "4096 positions"},
        }) {
      assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", c[0], List.of(c[1])))
          .as(c[1])
          .isInstanceOfSatisfying(
              WorkflowException.class,
              e ->
                  assertThat(e.problems())
                      .anySatisfy(p -> assertThat(p).startsWith(c[2] + ": ").contains(c[3])));
    }
  }

  // Issue 18, case 7: a 60 MB workflow file was still being parsed after two minutes.
  @Test
  void anOversizedWorkflowFileIsRefusedBeforeItIsParsed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("big.yaml");
    StringBuilder yaml = new StringBuilder(MINIMAL + "description: >\n");
    String line = "  " + "lorem ipsum ".repeat(20) + "\n";
    while (yaml.length() < 3 << 20) {
      yaml.append(line);
    }
    Files.writeString(f, yaml);
    long start = System.nanoTime();
    assertThatThrownBy(() -> WorkflowLoader.load(f, List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("big.yaml")
        .hasMessageContaining("bytes");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(1.0);
  }

  @Test
  void aliasesOfMappingsAndMergeKeysResolveToCopies() {
    Workflow w =
        WorkflowLoader.parseYaml(
            "t.yaml",
            MINIMAL
                + "eval:\n"
                + "  strategies:\n"
                + "    - &greedy {name: greedy, min_new_tokens: 2}\n"
                + "    - {<<: *greedy, name: beams, num_beams: 3}\n",
            List.of("eval.strategies.1.min_new_tokens=5"));
    assertThat(w.eval().strategies())
        .extracting(StrategySpec::name, StrategySpec::numBeams, StrategySpec::minNewTokens)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("greedy", 1, 2),
            org.assertj.core.groups.Tuple.tuple("beams", 3, 5));
  }

  @Test
  void anAliasWithoutAnchorAndAnAliasBombAreRefusedWithTheLine() {
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml("t.yaml", MINIMAL + "card: {repo_id: *nope}\n", List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("line 4: alias *nope names no anchor");
    StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++) {
      bomb.append("a").append(i).append(": &a").append(i).append(" [");
      bomb.append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1))));
      bomb.append("]\n");
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", bomb.toString(), List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("values once aliases are resolved");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(2.0);
  }
}
