package io.tunecard.model;

import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.Halfs;
import io.tunecard.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes a Hugging Face checkpoint of random bf16 weights with a config's exact shapes, streamed
 * (nothing larger than a chunk in memory): projections and embeddings roughly N(0, 0.02), norms
 * near 1, sharded like the real checkpoint.
 */
final class SyntheticCheckpoint {
  private SyntheticCheckpoint() {}

  static void write(Path dir, MistralConfig c, long maxShardBytes, long seed) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter();
    int k = 0;
    for (String name : HfKeys.baseModel(c)) {
      long[] shape = shapeOf(c, name);
      boolean norm = shape.length == 1;
      long tensorSeed = seed * 1_000_003L + k++;
      w.add(
          name,
          Dtype.BF16,
          shape,
          out -> {
            long n = shape.length == 1 ? shape[0] : shape[0] * shape[1];
            int chunk = 1 << 22;
            for (long from = 0; from < n; from += chunk) {
              int len = (int) Math.min(chunk, n - from);
              out.write(randomBf16(len, norm, tensorSeed * 4099 + from / chunk));
            }
          });
    }
    java.nio.file.Files.createDirectories(dir);
    w.writeSharded(dir, maxShardBytes);
    c.write(dir, "bfloat16");
  }

  private static byte[] randomBf16(int len, boolean norm, long seed) {
    byte[] bytes = new byte[len * 2];
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int parts = 8;
    IntStream.range(0, parts)
        .parallel()
        .forEach(
            p -> {
              SplittableRandom rng = new SplittableRandom(seed * 31 + p);
              int lo = (int) ((long) len * p / parts);
              int hi = (int) ((long) len * (p + 1) / parts);
              for (int i = lo; i < hi; i++) {
                long r = rng.nextLong();
                // Irwin-Hall with 4 uniforms of 16 bits: mean 2, variance 1/3 → about N(0, 1) after
                // scaling
                double s =
                    ((r & 0xffff) + ((r >>> 16) & 0xffff) + ((r >>> 32) & 0xffff) + (r >>> 48))
                            / 65536.0
                        - 2.0;
                float v =
                    norm ? (float) (1.0 + 0.05 * s * 1.7320508) : (float) (0.02 * s * 1.7320508);
                b.putShort(i * 2, Halfs.floatToBf16(v));
              }
            });
    return bytes;
  }

  static long[] shapeOf(MistralConfig c, String name) {
    if (name.equals(HfKeys.EMBED_TOKENS) || name.equals(HfKeys.LM_HEAD)) {
      return new long[] {c.vocabSize(), c.hiddenSize()};
    }
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      for (Projection p : Projection.values()) {
        if (name.equals(HfKeys.weight(i, p))) {
          return new long[] {p.outFeatures(c), p.inFeatures(c)};
        }
      }
    }
    return new long[] {c.hiddenSize()}; // the norms
  }
}
