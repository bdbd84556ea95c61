package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.Fixtures;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralModel;
import io.tunecard.model.TokenBatch;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.model.safetensors.SafetensorsFile;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.worker.PythonProbe;
import io.tunecard.worker.WorkerCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hf engine end to end on the CPU, as a user runs it: {@code tunecard run} (a separate JVM) of
 * the quickstart shrunk to 400 MedQuAD pairs and a tiny scratch base, with {@code train.engine: hf}
 * and {@code eval.engine: hf}, so training, eval loss and generation run in the real Python worker
 * under Java's supervisor. The training worker is SIGKILLed once mid-run (held after step 6's row,
 * between checkpoints 4 and 8) and must resume from step-4. Then what a user would check: PEFT
 * checkpoints with COMPLETE, a falling eval loss, answers for every strategy, the card, the adapter
 * giving PEFT's logits in the djl engine, and a second run that finds everything up to date.
 *
 * <p>Needs an interpreter with the worker's packages: {@code TUNECARD_TEST_PYTHON} ({@code
 * .ci/python-env} prints one). Tag {@code worker}; {@code .ci/run} runs it, {@code mvn verify} does
 * not.
 */
@Tag("worker")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HfEngineEndToEndTest {
  static final String[] STRATEGIES = {
    "beam_4", "topp_0.9", "temp_1.2", "greedy", "temp_0.9", "topk_50"
  };
  static final String KEY = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";

  @TempDir static Path tmp;
  static String python;
  static Path run;
  static Path reports;
  static String firstOutput;
  static boolean killed;

  @BeforeAll
  static void runTheWorkflowOnceWithAKill() throws Exception {
    python = System.getenv("TUNECARD_TEST_PYTHON");
    if (python == null || python.isBlank()) {
      fail(
          "set TUNECARD_TEST_PYTHON to an interpreter with the worker's packages (.ci/python-env)");
    }
    PythonProbe.Outcome probe = PythonProbe.ask(python, false);
    assertThat(probe.failure()).as("probe of " + python).isNull();
    assertThat(probe.report().missing()).as(python + " lacks").isEmpty();
    run = tmp.resolve("run");
    reports = tmp.resolve("reports");
    Path token = tmp.resolve("hold-once");
    Files.writeString(token, "hold");
    Process p = tunecard(List.of("TUNECARD_FAULT_HOLD_AFTER_ROW", "6:" + token), "first.log");
    killed = killTheTrainingWorkerOnceItHolds(p, token);
    firstOutput = finish(p, "first.log");
  }

  /** 400 MedQuAD pairs as the Hub export's JSON lines. */
  static Path export() throws IOException {
    Path export = tmp.resolve("medquad-400.jsonl");
    if (!Files.exists(export)) {
      StringBuilder lines = new StringBuilder();
      for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(0, 400)) {
        ObjectNode row = Jsonl.MAPPER.createObjectNode();
        row.put("document_source", "GHR");
        row.put("question_id", p.id());
        row.put("question_focus", p.id());
        row.put("question", p.question());
        row.put("answer", p.answer());
        lines.append(Jsonl.MAPPER.writeValueAsString(row)).append('\n');
      }
      Files.writeString(export, lines);
    }
    return export;
  }

  /** {@code tunecard run} in its own JVM, started the way the launcher starts it. */
  static Process tunecard(List<String> env, String log) throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add(WorkerCommand.javaExecutable());
    argv.addAll(List.of("-Xmx2g", "-Dai.djl.offline=true", "-Djava.awt.headless=true"));
    argv.add("-Dtunecard.home=" + Path.of("").toAbsolutePath());
    argv.addAll(List.of("-cp", WorkerCommand.absoluteClassPath(), Main.class.getName()));
    argv.addAll(
        List.of(
            "run",
            "workflows/quickstart.yaml",
            "--set",
            "dataset.source=hf-export",
            "--set",
            "dataset.path=" + export(),
            "--set",
            "dataset.min_usable_rows=100",
            "--set",
            "model.max_seq_len=64",
            "--set",
            "model.tokenizer={vocab_size: 300, min_frequency: 2}",
            "--set",
            "model.scratch={hidden_size: 32, intermediate_size: 64, layers: 2, heads: 4,"
                + " kv_heads: 2, head_dim: 8, pretrain_steps: 20, pretrain_batch: 4,"
                + " pretrain_seq_len: 32}",
            "--set",
            "train={engine: hf, device: cpu, python: '"
                + python
                + "', max_steps: 12, micro_batch: 4, grad_accum: 1, lr: 1.0e-2,"
                + " warmup_ratio: 0.1, log_every: 2, eval_every: 4, eval_limit: 24,"
                + " save_every: 4, keep_last: 3, seed: 3, retries: 1}",
            "--set",
            "eval.engine=hf",
            "--set",
            "eval.limit=3",
            "--set",
            "eval.max_new_tokens=6",
            "--set",
            "eval.batch=3",
            "--run-dir",
            run.toString(),
            "--reports",
            reports.toString(),
            "--runner",
            "direct"));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.redirectOutput(tmp.resolve(log).toFile());
    for (int i = 0; i < env.size(); i += 2) {
      pb.environment().put(env.get(i), env.get(i + 1));
    }
    return pb.start();
  }

  /**
   * Waits until the training worker takes the token (it then holds after step 6's row) and sends it
   * SIGKILL; false if the run ended first.
   */
  static boolean killTheTrainingWorkerOnceItHolds(Process tunecard, Path token)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (Files.exists(token) && tunecard.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Optional<ProcessHandle> worker =
        tunecard
            .descendants()
            .filter(
                h -> {
                  String cmd = h.info().commandLine().orElse("");
                  return cmd.contains("tunecard_worker") && cmd.contains(" train ");
                })
            .findFirst();
    return worker.isPresent() && worker.get().destroyForcibly(); // SIGKILL
  }

  static String finish(Process p, String log) throws Exception {
    boolean ended = p.waitFor(20, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String output = Files.readString(tmp.resolve(log), StandardCharsets.UTF_8);
    assertThat(ended).as("tunecard run ended within 20 minutes:\n" + output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void theKilledWorkerResumedFromTheLastCompleteCheckpoint() throws IOException {
    assertThat(killed).as("a training worker was found and killed").isTrue();
    assertThat(firstOutput)
        .contains("killed by signal 9 (SIGKILL)")
        .contains("from checkpoint step-4");
    List<JsonNode> rows = Jsonl.readAll(run.resolve("train/metrics.jsonl"));
    List<Long> steps =
        rows.stream().filter(r -> r.has("loss")).map(r -> r.get("step").asLong()).toList();
    assertThat(steps).containsExactly(2L, 4L, 6L, 8L, 10L, 12L); // resumed rows not repeated
    JsonNode done = Jsonl.readTree(run.resolve("train/DONE.json"));
    assertThat(done.path("final_step").asLong()).isEqualTo(12);
  }

  @Test
  void checkpointsAreCompletePeftAdapters() throws IOException {
    for (int step : new int[] {4, 8, 12}) {
      Path d = run.resolve("train/checkpoints/step-" + step);
      assertThat(d.resolve("COMPLETE")).hasContent(Integer.toString(step));
      JsonNode config = Jsonl.readTree(d.resolve("adapter_config.json"));
      assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
      assertThat(config.path("r").asInt()).isEqualTo(16);
      assertThat(Jsonl.readTree(d.resolve("trainer_state.json")).path("engine").asText())
          .isEqualTo("hf");
      try (SafetensorsFile f = SafetensorsFile.open(d.resolve("adapter_model.safetensors"))) {
        assertThat(f.tensors()).containsKey(KEY);
      }
    }
  }

  @Test
  void theEvalLossFalls() throws IOException {
    JsonNode loss = Jsonl.readTree(run.resolve("eval/eval_loss.json"));
    double base = loss.at("/base/loss").asDouble();
    assertThat(loss.path("checkpoints")).hasSize(3);
    for (JsonNode c : loss.path("checkpoints")) {
      assertThat(c.path("perplexity").asDouble())
          .isCloseTo(
              Math.exp(c.path("loss").asDouble()), org.assertj.core.data.Offset.offset(1e-6));
    }
    double last = loss.path("checkpoints").get(2).path("loss").asDouble();
    assertThat(last).as("eval loss of step-12 below the base's").isLessThan(base);
    List<Double> during =
        Jsonl.readAll(run.resolve("train/metrics.jsonl")).stream()
            .filter(r -> r.has("eval_loss"))
            .map(r -> r.get("eval_loss").asDouble())
            .toList();
    assertThat(during).hasSizeGreaterThanOrEqualTo(3);
    assertThat(during.get(during.size() - 1)).isLessThan(during.get(0));
  }

  @Test
  void everyStrategyAnsweredForTheFineTuneAndTheBase() throws IOException {
    for (String dir : List.of("generations", "generations-base")) {
      for (String s : STRATEGIES) {
        List<JsonNode> rows = Jsonl.readAll(run.resolve("eval/" + dir + "/" + s + ".jsonl"));
        assertThat(rows).as(dir + "/" + s).hasSize(3);
        for (JsonNode r : rows) {
          assertThat(r.path("prediction").isTextual()).isTrue();
          assertThat(r.path("tokens").asInt()).isBetween(0, 6);
        }
      }
    }
    JsonNode metrics = Jsonl.readTree(run.resolve("eval/metrics.json"));
    assertThat(metrics.toString()).contains(STRATEGIES);
  }

  @Test
  void theCardRenders() throws IOException {
    String md = Files.readString(reports.resolve("quickstart/README.md"));
    String html = Files.readString(reports.resolve("quickstart/index.html"));
    assertThat(md).startsWith("---").contains("model-index").contains(STRATEGIES);
    assertThat(html).contains("<html").contains("greedy");
  }

  @Test
  void theAdapterGivesPeftsLogitsInTheDjlEngine() throws Exception {
    JsonNode done = Jsonl.readTree(run.resolve("train/DONE.json"));
    String best = done.path("best_checkpoint").asText("step-12");
    Path adapter = run.resolve("train/checkpoints").resolve(best);
    Path base = run.resolve("base");
    // Two rows, the second right-padded, of ids spread over the vocabulary.
    long[][] ids = new long[2][20];
    int[][] mask = new int[2][20];
    ObjectNode batch = Jsonl.MAPPER.createObjectNode();
    ArrayNode idRows = batch.putArray("input_ids");
    ArrayNode maskRows = batch.putArray("attention_mask");
    for (int r = 0; r < 2; r++) {
      ArrayNode i = idRows.addArray();
      ArrayNode m = maskRows.addArray();
      for (int t = 0; t < 20; t++) {
        ids[r][t] = 5 + (37L * t + 101L * r) % 290;
        mask[r][t] = r == 1 && t >= 13 ? 0 : 1;
        i.add(ids[r][t]);
        m.add(mask[r][t]);
      }
    }
    Path batchFile = tmp.resolve("batch.json");
    Path out = tmp.resolve("peft-logits.safetensors");
    Files.writeString(batchFile, Jsonl.write(batch));
    Process p =
        new ProcessBuilder(
                python,
                "scripts/crosscheck/peft_logits.py",
                base.toString(),
                adapter.toString(),
                batchFile.toString(),
                out.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    float[] expected;
    try (SafetensorsFile f = SafetensorsFile.open(out)) {
      expected = f.floats("logits");
    }
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights weights = BaseWeights.load(base, LoadOptions.fp32(), root);
        LoraAdapter lora = PeftFormat.load(adapter, weights.config(), root);
        NDManager m = root.newSubManager()) {
      NDArray logits = new MistralModel(weights, lora).logits(m, new TokenBatch(ids, mask, null));
      double diff =
          Fixtures.maxAbsDiffOnTokens(
              logits.toFloatArray(), expected, mask, weights.config().vocabSize());
      System.out.printf("djl vs PEFT logits of %s: max |diff| %.3g%n", best, diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
    }
  }

  /** Last: the worker's sources (now with __pycache__ beside them) must not look changed. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aSecondRunFindsEveryStageUpToDate() throws Exception {
    String second = finish(tunecard(List.of(), "second.log"), "second.log");
    assertThat(second).contains("Everything is up to date").doesNotContain(" runs (");
  }
}
