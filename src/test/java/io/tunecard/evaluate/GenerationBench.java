package io.tunecard.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.Parameter;
import io.tunecard.model.Projection;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.TokenBatch;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import io.tunecard.model.lora.LoraMerge;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.StrategySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Generation speed at the quickstart's model size (hidden 256, 4 layers, 4 heads, 2 KV heads,
 * head_dim 64, vocab 4096), on random weights and random prompts of MedQuAD question length (12-40
 * tokens). EOS is suppressed (min_new_tokens = max_new_tokens) so every answer has full length, the
 * quickstart's worst case.
 *
 * <pre>
 *   mvn -B -Pbench test -Dtest=GenerationBench
 * </pre>
 *
 * <ol>
 *   <li>KV cache vs recomputing the whole prefix each step: greedy, batch 16, 128 new tokens, the
 *       same run; both must give the same tokens; the cache must be at least 5x faster.
 *   <li>The quickstart's generation work: 48 questions x 6 strategies x 48 new tokens, with the
 *       LoRA adapter and with the base, batch 16 (beam_4: 4 questions x 4 beams), one worker.
 *   <li>The quickstart's eval loss work: 2,453 validation rows of 256 tokens, per model.
 * </ol>
 */
@Tag("bench")
class GenerationBench {
  static MistralConfig quickstart() {
    return MistralConfig.mistral(4096, 256, 768, 4, 4, 2, 64, 1e-5, 1_000_000.0, 512, 1, 2, 5);
  }

  static List<Prompt> prompts(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Prompt> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] ids = new long[r.nextInt(12, 41)];
      ids[0] = 1;
      for (int t = 1; t < ids.length; t++) {
        ids[t] = r.nextInt(6, 4096);
      }
      out.add(new Prompt(String.format("q%03d", i), ids));
    }
    return out;
  }

  static Decoding forceLength(Decoding d, int n) {
    return new Decoding(d.strategy().withMinNewTokens(n), n, d.seed());
  }

  @Test
  void kvCacheAgainstRecomputation() {
    LoadedModel.useThreads(1); // as the evaluation stage runs its workers
    int batch = 16;
    int steps = 128;
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.random(quickstart(), 1, root)) {
      MistralModel model = new MistralModel(w, null);
      SpecialIds ids = new SpecialIds(1, new long[] {2}, 5);
      List<Prompt> prompts = prompts(batch, 3);
      Decoding d = forceLength(Decoding.greedy(steps), steps);
      Generator g = new Generator(model, ids);
      g.generate(root, prompts.subList(0, 2), forceLength(Decoding.greedy(8), 8)); // warm-up
      long t0 = System.nanoTime();
      List<Answer> cached = g.generate(root, prompts, d);
      double cachedS = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      long[][] recomputed = recompute(model, root, prompts, ids, steps);
      double fullS = (System.nanoTime() - t0) / 1e9;
      int same = 0;
      for (int i = 0; i < batch; i++) {
        same += Arrays.equals(cached.get(i).tokens(), recomputed[i]) ? 1 : 0;
      }
      System.out.printf(
          Locale.ROOT,
          "greedy, batch %d, %d new tokens: KV cache %.2f s (%.0f tokens/s), recomputing the prefix"
              + " %.2f s (%.0f tokens/s): %.1fx; %d of %d answers identical%n",
          batch,
          steps,
          cachedS,
          batch * steps / cachedS,
          fullS,
          batch * steps / fullS,
          fullS / cachedS,
          same,
          batch);
      org.assertj.core.api.Assertions.assertThat(fullS / cachedS).isGreaterThanOrEqualTo(5.0);
    }
  }

  /** Greedy without a cache: the whole (left-padded) sequence through the model at every step. */
  static long[][] recompute(
      MistralModel model, NDManager root, List<Prompt> prompts, SpecialIds ids, int steps) {
    int b = prompts.size();
    List<long[]> seqs = new ArrayList<>();
    prompts.forEach(p -> seqs.add(p.ids()));
    long[][] out = new long[b][steps];
    int vocab = model.config().vocabSize();
    for (int s = 0; s < steps; s++) {
      TokenBatch batch = Generator.leftPadded(seqs, ids.pad());
      float[] last;
      try (NDManager m = root.newSubManager()) {
        NDArray logits = model.logits(m, batch); // (b, len, vocab)
        last = logits.get(":, -1, :").toFloatArray();
      }
      for (int i = 0; i < b; i++) {
        LogitsWarpers.suppress(last, i * vocab, ids.eos());
        long next = LogitsWarpers.argmax(last, i * vocab, vocab);
        out[i][s] = next;
        long[] grown = Arrays.copyOf(seqs.get(i), seqs.get(i).length + 1);
        grown[grown.length - 1] = next;
        seqs.set(i, grown);
      }
    }
    return out;
  }

  /** One batch of the quickstart's generation work. */
  record Task(boolean adapter, StrategySpec strategy, List<Prompt> prompts) {}

  @Test
  void quickstartGeneration() throws Exception {
    int questions = 48;
    int maxNew = 48;
    int batch = 16;
    LoadedModel.useThreads(1); // as the evaluation stage runs its workers
    List<Prompt> prompts = new ArrayList<>(prompts(questions, 5));
    prompts.sort((a, b) -> Integer.compare(a.ids().length, b.ids().length));
    List<Task> tasks = new ArrayList<>();
    for (boolean adapter : new boolean[] {true, false}) {
      for (StrategySpec s : EvalSpec.referenceStrategies()) {
        for (int from = 0; from < questions; from += batch) {
          tasks.add(new Task(adapter, s, prompts.subList(from, Math.min(questions, from + batch))));
        }
      }
    }
    Map<String, Double> seconds = new java.util.TreeMap<>();
    double one = run(tasks, 1, maxNew, seconds);
    seconds.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-22s %6.2f s%n", k, v));
    double two = run(tasks, 2, maxNew, new java.util.HashMap<>());
    System.out.printf(
        Locale.ROOT,
        "quickstart generation (%d questions x 6 strategies x %d new tokens, fine-tune + base,"
            + " batch %d, one thread per operation): %.1f s with 1 worker, %.1f s with 2 workers"
            + " (%d cores)%n",
        questions,
        maxNew,
        batch,
        one,
        two,
        Runtime.getRuntime().availableProcessors());
  }

  /** Runs the tasks on {@code workers} threads, each with its own model; wall seconds. */
  static double run(List<Task> tasks, int workers, int maxNew, Map<String, Double> seconds)
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(workers);
    long t0 = System.nanoTime();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      done.add(
          pool.submit(
              () -> {
                MistralConfig c = quickstart();
                try (NDManager root = NDManager.newBaseManager();
                    BaseWeights weights = BaseWeights.random(c, 1, root);
                    BaseWeights merged = BaseWeights.random(c, 1, root);
                    LoraAdapter lora = trainedLookingAdapter(c, root)) {
                  // the fine-tune generates with the adapter merged, as LoadedModel does
                  LoraMerge.mergeInto(merged, lora);
                  SpecialIds ids = new SpecialIds(1, new long[] {2}, 5);
                  Generator base = new Generator(new MistralModel(weights, null), ids);
                  Generator tuned = new Generator(new MistralModel(merged, null), ids);
                  Generator g = base;
                  g.generate(
                      root,
                      tasks.get(0).prompts().subList(0, 2),
                      forceLength(Decoding.greedy(4), 4));
                  for (int i = next.getAndIncrement();
                      i < tasks.size();
                      i = next.getAndIncrement()) {
                    Task t = tasks.get(i);
                    g = t.adapter() ? tuned : base;
                    Decoding d = forceLength(Decoding.of(t.strategy(), maxNew, 42), maxNew);
                    long s = System.nanoTime();
                    g.generate(root, t.prompts(), d);
                    String key = (t.adapter() ? "fine-tune " : "base ") + t.strategy().name();
                    synchronized (seconds) {
                      seconds.merge(key, (System.nanoTime() - s) / 1e9, Double::sum);
                    }
                  }
                }
                return null;
              }));
    }
    for (var f : done) {
      f.get();
    }
    pool.shutdown();
    return (System.nanoTime() - t0) / 1e9;
  }

  /** A LoRA r=16 adapter on all seven projections with B != 0, as after training. */
  static LoraAdapter trainedLookingAdapter(MistralConfig c, NDManager root) {
    LoraAdapter lora =
        LoraAdapter.create(
            c, new LoraConfig(16, 32, 0.05, EnumSet.allOf(Projection.class)), 2, root);
    SplittableRandom r = new SplittableRandom(4);
    for (Parameter p : lora.parameters()) {
      if (p.name().contains("lora_B")) {
        float[] v = new float[(int) p.value().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (r.nextGaussian() * 0.01);
        }
        p.value().set(v);
      }
    }
    return lora;
  }

  @Test
  void quickstartEvalLoss() {
    LoadedModel.useThreads(1); // as the evaluation stage runs its workers
    int rows = 2453;
    int len = 256;
    int batch = 16;
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights w = BaseWeights.random(quickstart(), 1, root)) {
      MistralModel model = new MistralModel(w, null);
      SplittableRandom r = new SplittableRandom(6);
      long[][] ids = new long[batch][len];
      int[][] mask = new int[batch][len];
      long[][] labels = new long[batch][len];
      for (int i = 0; i < batch; i++) {
        for (int t = 0; t < len; t++) {
          ids[i][t] = r.nextInt(6, 4096);
          mask[i][t] = 1;
          labels[i][t] = t < 24 ? TokenBatch.IGNORE : ids[i][t];
        }
      }
      TokenBatch b = new TokenBatch(ids, mask, labels);
      try (NDManager m = root.newSubManager()) {
        model.loss(m, b); // warm-up
      }
      int timed = 8;
      long t0 = System.nanoTime();
      LossValue v = new LossValue(0, 0);
      for (int i = 0; i < timed; i++) {
        try (NDManager m = root.newSubManager()) {
          v = v.plus(model.loss(m, b));
        }
      }
      double perBatch = (System.nanoTime() - t0) / 1e9 / timed;
      double perModel = perBatch * Math.ceil(rows / (double) batch);
      System.out.printf(
          Locale.ROOT,
          "eval loss, batch %d x %d tokens: %.3f s per batch (%.0f tokens/s); %d validation rows"
              + " of %d tokens: %.0f s per model (loss %.3f)%n",
          batch,
          len,
          perBatch,
          batch * len / perBatch,
          rows,
          len,
          perModel,
          v.mean());
    }
  }
}
