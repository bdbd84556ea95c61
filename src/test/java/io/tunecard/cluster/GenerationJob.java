package io.tunecard.cluster;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.KvCache;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.TokenBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;

/**
 * The evaluation stage's workload, for the scaling benchmark: fixed batches of questions split
 * evenly over the workers; each worker builds its model once in {@code @Setup} (the quickstart's
 * tiny Mistral: 4 layers, hidden 256, GQA 4/2 heads, vocabulary 4096; random weights, fp32, DJL on
 * CPU) and decodes every batch greedily through the KV cache; one sorted file is written at the
 * end. Each batch logs its worker's pid and its wall-clock start and end (milliseconds since the
 * epoch, comparable between the processes of one machine).
 */
final class GenerationJob {
  static final String BATCH_LOG = "batches.log";

  private GenerationJob() {}

  /** Writes {@code work/generations.jsonl}: one line per question, its generated token ids. */
  static void generate(
      Pipeline p, Path work, int batches, int batchSize, int promptLength, int newTokens) {
    String dir = work.toString();
    // Create's source splits its elements evenly over the workers (equal sizes, equal shares);
    // a shuffle would hash a few keys unevenly (10 and 6 of 16 batches in a trial).
    p.apply("Batches", Create.of(IntStream.range(0, batches).boxed().toList()))
        .apply("Generate", ParDo.of(new GenerateBatch(dir, batchSize, promptLength, newTokens)))
        .apply("WriteOnce", new WorkerJobs.WriteOnce(dir));
  }

  static MistralConfig tinyMistral() {
    return MistralConfig.mistral(4096, 256, 768, 4, 4, 2, 64, 1e-5, 10000.0, 512, 1, 2, null);
  }

  static final class GenerateBatch extends DoFn<Integer, String> {
    private final String work;
    private final int batchSize;
    private final int promptLength;
    private final int newTokens;
    private transient NDManager manager;
    private transient BaseWeights weights;
    private transient MistralModel model;

    GenerateBatch(String work, int batchSize, int promptLength, int newTokens) {
      this.work = work;
      this.batchSize = batchSize;
      this.promptLength = promptLength;
      this.newTokens = newTokens;
    }

    @Setup
    public void setup() {
      long t0 = System.currentTimeMillis();
      manager = NDManager.newBaseManager();
      weights = BaseWeights.random(tinyMistral(), 42, manager);
      model = new MistralModel(weights, null);
      WorkerJobs.log(
          work,
          WorkerJobs.SETUP_LOG,
          "loaded " + WorkerJobs.pid() + " " + (System.currentTimeMillis() - t0) + " ms");
    }

    @ProcessElement
    public void process(@Element Integer batch, OutputReceiver<String> out) {
      long start = System.currentTimeMillis();
      long[][] prompts = new long[batchSize][];
      for (int b = 0; b < batchSize; b++) {
        SplittableRandom rng = new SplittableRandom(batch * (long) batchSize + b);
        prompts[b] = rng.longs(promptLength, 3, tinyMistral().vocabSize()).toArray();
      }
      long[][] generated = new long[batchSize][newTokens];
      try (NDManager m = manager.newSubManager();
          KvCache cache = model.newCache(m, batchSize, promptLength + newTokens)) {
        NDArray logits = model.prefill(m, cache, TokenBatch.of(prompts)); // (batch, vocab)
        for (int t = 0; t < newTokens; t++) {
          long[] next = logits.argMax(1).toLongArray();
          for (int b = 0; b < batchSize; b++) {
            generated[b][t] = next[b];
          }
          if (t + 1 < newTokens) {
            logits.close();
            logits = model.decode(m, cache, next);
          }
        }
      }
      for (int b = 0; b < batchSize; b++) {
        long id = batch * (long) batchSize + b;
        List<String> tokens = new ArrayList<>();
        for (long tok : generated[b]) {
          tokens.add(Long.toString(tok));
        }
        out.output(
            String.format(
                "{\"id\":%d,\"tokens\":[%s]}",
                id, tokens.stream().collect(Collectors.joining(","))));
      }
      WorkerJobs.log(
          work,
          BATCH_LOG,
          batch + " " + WorkerJobs.pid() + " " + start + " " + System.currentTimeMillis());
    }

    @Teardown
    public void teardown() {
      if (weights != null) {
        weights.close();
      }
      if (manager != null) {
        manager.close();
      }
    }
  }
}
