package io.tunecard.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.Projection;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.workflow.ScratchSpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training throughput of the quickstart model in the real training loop (the djl worker's {@code
 * train} command, run in this JVM on MedQuAD rows with workflows/quickstart.yaml's model, LoRA and
 * batch settings), and its achieved FLOP/s as a fraction of libtorch's own 2048³ matmul FLOP/s
 * measured in the same JVM just before and after the loop (best of each).
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE mvn -B -Pbench test -Dtest=TrainingLoopBench
 * </pre>
 *
 * FLOPs of one example of L tokens with S supervised targets (multiply-add = 2; P = Σ in·out of the
 * frozen projections over all layers, P0 = layer 0's q/k/v part of it, R = Σ r·(in+out) of the LoRA
 * matrices, h heads of width d, n layers, vocabulary V, hidden H): forward {@code 2LP + 2LR +
 * 4hL²dn + 2SVH}; backward {@code 2L(P − P0)} (input gradients of the frozen projections; layer 0's
 * q/k/v need none), {@code 4LR} (LoRA weight and input gradients), {@code 8hL²dn} (attention) and
 * {@code 2SVH} (the frozen head's input gradient). "Useful" counts each row's own L; "executed"
 * counts the padded micro-batch (rows × longest row), which is what libtorch computes.
 */
@Tag("bench")
class TrainingLoopBench {
  static final int STEPS = 40;
  static final int WARM_UP_STEPS = 10;

  @TempDir Path tmp;

  @Test
  void quickstartTrainingLoop() throws IOException {
    Workflow w =
        WorkflowLoader.load(
                Path.of("workflows/quickstart.yaml"),
                List.of(
                    "train.max_steps=" + STEPS,
                    "train.log_every=" + WARM_UP_STEPS,
                    "train.eval_every=" + STEPS,
                    "train.eval_limit=8"))
            .workflow();
    RunDirectory run = quickstartLikeRun(w);
    System.out.printf(Locale.ROOT, "load average before: %s%n", loadAverage());
    double peak = matmulFlops();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WorkerSpec spec = WorkerSpecs.train(w, run);
    int status = TinyRun.inProcess(spec, run, out);
    if (status != 0) {
      throw new IllegalStateException(out.toString(StandardCharsets.UTF_8));
    }
    peak = Math.max(peak, matmulFlops());
    System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());

    // The metrics rows after the first (warm-up) window: real tokens and training seconds.
    List<JsonNode> rows = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      JsonNode e = Jsonl.MAPPER.readTree(line);
      if (e.path("event").asText().equals("metrics") && e.has("tokens_per_s")) {
        rows.add(e);
      }
    }
    double tokens = 0;
    double seconds = 0;
    for (JsonNode r : rows.subList(1, rows.size())) {
      long step = r.get("step").asLong();
      double windowTokens = windowTokens(spec, run, step - WARM_UP_STEPS, step);
      tokens += windowTokens;
      seconds += windowTokens / r.get("tokens_per_s").asDouble();
    }
    double[] flops = flops(spec, run, WARM_UP_STEPS, STEPS);
    double rate = tokens / seconds;
    System.out.printf(
        Locale.ROOT,
        "libtorch matmul 2048x2048x2048: %.1f GFLOP/s (best before/after the loop)%n",
        peak / 1e9);
    System.out.printf(
        Locale.ROOT,
        "training loop, steps %d-%d: %.0f real tokens in %.1f s = %.0f tokens/s; %.1f useful"
            + " GFLOP/s (%.1f executed, padding included)%n",
        WARM_UP_STEPS + 1,
        STEPS,
        tokens,
        seconds,
        rate,
        flops[0] / seconds / 1e9,
        flops[1] / seconds / 1e9);
    System.out.printf(
        Locale.ROOT,
        "bench: train_tokens_per_s: %.0f, matmul_gflops: %.1f, achieved_gflops: %.1f,"
            + " ratio_to_matmul: %.2f (executed: %.2f)%n",
        rate,
        peak / 1e9,
        flops[0] / seconds / 1e9,
        flops[0] / seconds / peak,
        flops[1] / seconds / peak);
  }

  /** dataset/ (MedQuAD), the quickstart's 4096-token BPE and a random base of its size. */
  private RunDirectory quickstartLikeRun(Workflow w) throws IOException {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    List<MedQuadSample.Pair> pairs = MedQuadSample.pairs();
    Files.createDirectories(run.dataset());
    StringBuilder train = new StringBuilder();
    StringBuilder val = new StringBuilder();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      MedQuadSample.Pair p = pairs.get(i);
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      o.put("id", p.id()).put("question", p.question()).put("answer", p.answer());
      if (i % 10 == 0) {
        val.append(Jsonl.write(o)).append('\n');
      } else {
        train.append(Jsonl.write(o)).append('\n');
        texts.add(p.question());
        texts.add(p.answer());
      }
    }
    Files.writeString(run.split("train"), train);
    Files.writeString(run.split("validation"), val);
    TokenizerFiles.write(
        run.tokenizer().resolve("tokenizer.json"),
        BpeTrainer.of(w.model().tokenizer()).train(texts));
    ScratchSpec s = w.model().scratch();
    MistralConfig c =
        MistralConfig.mistral(
            w.model().tokenizer().vocabSize(),
            s.hiddenSize(),
            s.intermediateSize(),
            s.layers(),
            s.heads(),
            s.kvHeads(),
            s.headDim(),
            s.rmsNormEps(),
            s.ropeTheta(),
            4096,
            1,
            2,
            5);
    try (NDManager m = NDManager.newBaseManager();
        BaseWeights b = BaseWeights.random(c, 1, m)) {
      b.save(run.base());
    }
    Files.copy(run.tokenizer().resolve("tokenizer.json"), run.base().resolve("tokenizer.json"));
    return run;
  }

  /** Real tokens of steps (from, to] of the run's plan. */
  private static double windowTokens(WorkerSpec spec, RunDirectory run, long from, long to) {
    Plan p = plan(spec, run);
    double n = 0;
    for (long i = from; i < to; i++) {
      for (int[] rows : p.plan.microBatches((int) i)) {
        n += MicroBatches.realTokens(p.examples, rows);
      }
    }
    return n;
  }

  /** {useful, executed} FLOPs of steps (from, to] by the formula in the class comment. */
  private static double[] flops(WorkerSpec spec, RunDirectory run, int from, int to) {
    Plan p = plan(spec, run);
    MistralConfig c = MistralConfig.read(run.base());
    int r = spec.section("lora").path("r").asInt();
    double frozen = 0;
    double lora = 0;
    for (Projection pr : Projection.values()) {
      frozen += (double) pr.inFeatures(c) * pr.outFeatures(c);
      lora += (double) r * (pr.inFeatures(c) + pr.outFeatures(c));
    }
    frozen *= c.numHiddenLayers();
    lora *= c.numHiddenLayers();
    double qkv0 =
        (double) c.hiddenSize()
            * (Projection.Q_PROJ.outFeatures(c) + 2 * Projection.K_PROJ.outFeatures(c));
    double useful = 0;
    double executed = 0;
    for (int i = from; i < to; i++) {
      for (int[] rows : p.plan.microBatches(i)) {
        int longest = 0;
        for (int k : rows) {
          longest = Math.max(longest, p.examples.get(k).length());
        }
        for (int k : rows) {
          Example e = p.examples.get(k);
          useful += example(c, frozen, lora, qkv0, e.length(), e.targets());
          executed += example(c, frozen, lora, qkv0, longest, e.targets());
        }
      }
    }
    return new double[] {useful, executed};
  }

  static double example(
      MistralConfig c, double frozen, double lora, double qkv0, double len, double supervised) {
    double attn =
        4.0 * c.numAttentionHeads() * len * len * c.headDim() * c.numHiddenLayers(); // forward
    double head = 2.0 * supervised * c.vocabSize() * c.hiddenSize();
    return 2 * len * frozen
        + 2 * len * lora
        + attn
        + head // forward
        + 2 * len * (frozen - qkv0)
        + 4 * len * lora
        + 2 * attn
        + head; // backward
  }

  private record Plan(BatchPlan plan, List<Example> examples) {}

  private static Plan cached;

  private static Plan plan(WorkerSpec spec, RunDirectory run) {
    if (cached == null) {
      try (WorkerBase base = WorkerBase.open(spec.section("model"))) {
        TrainingData data = TrainingData.load(spec, base);
        cached = new Plan(data.plan(spec.section("train"), spec.seed()), data.train().examples());
      }
    }
    return cached;
  }

  /** Best of 10 timed 2048³ products after 3 warm-ups. */
  static double matmulFlops() {
    int n = 2048;
    try (NDManager s = NDManager.newBaseManager()) {
      NDArray a = s.randomNormal(new Shape(n, n));
      NDArray b = s.randomNormal(new Shape(n, n));
      for (int i = 0; i < 3; i++) {
        a.matMul(b).close();
      }
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        a.matMul(b).close();
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return 2.0 * n * n * n / best;
    }
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
