package io.tunecard.model;

import ai.djl.ndarray.NDManager;
import io.tunecard.files.AtomicFiles;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Mistral-7B-v0.3 at full size on the CPU: writes a synthetic bf16 checkpoint with its exact shapes
 * (32 layers, hidden 4096, intermediate 14336, 32 heads, 8 KV heads, head_dim 128, vocab 32768) in
 * three shards (~14.5 GB) under {@code java.io.tmpdir}, loads it with NF4 quantization while
 * streaming from the memory maps, runs one LoRA (r=32, all seven projections) forward and backward
 * step on 64 tokens with layer checkpointing, prints load time, step time, peak RSS and the
 * per-layer NF4 memory and error, and deletes the checkpoint.
 *
 * <pre>
 * mvn -B -Pbench test -Dtest=Mistral7bNf4Bench -Dtunecard.bench.tmp=/tmp
 * </pre>
 */
@Tag("bench")
class Mistral7bNf4Bench {
  static final MistralConfig MISTRAL_7B_V03 =
      new MistralConfig(
          "mistral",
          32768,
          4096,
          14336,
          32,
          32,
          8,
          128,
          1e-5,
          1e6,
          32768,
          false,
          1,
          List.of(2),
          null,
          null);

  @Test
  void loadNf4AndTrainOneStep() throws Exception {
    Path tmp =
        Path.of(System.getProperty("tunecard.bench.tmp", System.getProperty("java.io.tmpdir")));
    Path dir = Files.createTempDirectory(tmp, "tunecard-mistral7b-");
    try {
      long t0 = System.nanoTime();
      SyntheticCheckpoint.write(dir, MISTRAL_7B_V03, 5_000_000_000L, 42);
      long bytes;
      try (var files = Files.list(dir)) {
        bytes = files.mapToLong(p -> p.toFile().length()).sum();
      }
      System.out.printf(
          Locale.ROOT, "wrote %s: %.2f GB in %.1f s%n", dir, bytes / 1e9, secondsSince(t0));
      try (var files = Files.list(dir)) {
        files
            .sorted()
            .forEach(
                p ->
                    System.out.printf(
                        Locale.ROOT, "  %s %.2f GB%n", p.getFileName(), p.toFile().length() / 1e9));
      }
      System.out.printf(Locale.ROOT, "RSS before load: %s%n", Rss.read());
      try (NDManager root = NDManager.newBaseManager()) {
        long t1 = System.nanoTime();
        BaseWeights w =
            BaseWeights.load(
                dir,
                LoadOptions.nf4All(),
                root,
                msg -> {
                  if (msg.startsWith("layer 8/")
                      || msg.startsWith("layer 16/")
                      || msg.startsWith("layer 32/")) {
                    System.out.printf(
                        Locale.ROOT, "  %s after %.1f s, %s%n", msg, secondsSince(t1), Rss.read());
                  }
                });
        double load = secondsSince(t1);
        System.out.printf(
            Locale.ROOT,
            "loaded with NF4 in %.1f s; weights in memory %.2f GB; %s%n",
            load,
            w.storageBytes() / 1e9,
            Rss.read());
        System.out.print(w.quantizationReport().table());
        try (LoraAdapter lora =
            LoraAdapter.create(
                MISTRAL_7B_V03,
                new LoraConfig(32, 64, 0.05, EnumSet.allOf(Projection.class)),
                1,
                root)) {
          ReverseCheckExport.randomizeB(lora, 2);
          MistralModel model = new MistralModel(w, lora);
          SplittableRandom rng = new SplittableRandom(3);
          long[][] ids = new long[1][64];
          int[][] mask = new int[1][64];
          long[][] labels = new long[1][64];
          for (int t = 0; t < 64; t++) {
            ids[0][t] = rng.nextInt(3, 32768);
            mask[0][t] = 1;
            labels[0][t] = t < 16 ? TokenBatch.IGNORE : ids[0][t];
          }
          long t2 = System.nanoTime();
          LossValue loss;
          try (NDManager m = root.newSubManager()) {
            loss =
                model.trainStep(
                    m, new TokenBatch(ids, mask, labels), new StepOptions(0, true, 1.0));
          }
          double step = secondsSince(t2);
          double gradNorm;
          try (AdamW opt = new AdamW(lora.parameters(), AdamW.Hyper.torchDefaults(), root)) {
            gradNorm = opt.gradNorm();
          }
          System.out.printf(
              Locale.ROOT, "LoRA r=32 x 7 targets: %,d trainable values%n", lora.size());
          System.out.printf(
              Locale.ROOT,
              "forward+backward on 64 tokens (checkpointed layers): %.1f s, loss %.4f, grad norm %.4g%n",
              step,
              loss.mean(),
              gradNorm);
        }
        w.close();
      }
      System.out.printf(Locale.ROOT, "peak: %s (limit 16 GB)%n", Rss.read());
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
