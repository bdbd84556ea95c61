package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Inverted-dropout masks ({@code 0} with probability p, else {@code 1 / (1 - p)}), drawn in Java
 * from a seed. libtorch's CPU {@code bernoulli_} draws one value at a time and took a third of a
 * LoRA training step; this generator is several times faster, deterministic for a seed whatever the
 * number of threads (fixed chunks, each with its own split stream), and needs no global RNG.
 */
final class DropoutMask {
  private static final int CHUNK = 1 << 16;

  private DropoutMask() {}

  static NDArray create(NDManager m, Shape shape, double p, long seed, DataType type) {
    int n = Math.toIntExact(shape.size());
    // keep when a uniform 32-bit draw is at or above p·2^32
    long threshold = (long) Math.ceil(p * 4294967296.0);
    float keep = (float) (1.0 / (1.0 - p));
    NDArray mask = m.create(shape, DataType.FLOAT32); // uninitialised; filled through a direct view
    ByteBuffer direct = mask.toByteBuffer(true).order(ByteOrder.nativeOrder());
    int chunks = (n + CHUNK - 1) / CHUNK;
    // Sequential on purpose: Java worker threads competing with libtorch's OpenMP threads (which
    // spin while waiting) for two cores made some steps ten times slower.
    IntStream.range(0, chunks)
        .forEach(
            c -> {
              SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c);
              FloatBuffer out = direct.asFloatBuffer();
              int lo = c * CHUNK;
              int hi = Math.min(n, lo + CHUNK);
              for (int i = lo; i < hi; i += 2) {
                long bits = rng.nextLong();
                out.put(i, (bits >>> 32) >= threshold ? keep : 0f);
                if (i + 1 < hi) {
                  out.put(i + 1, (bits & 0xffffffffL) >= threshold ? keep : 0f);
                }
              }
            });
    return type == DataType.FLOAT32 ? mask : mask.toType(type, false);
  }

  /** A seed per (step seed, layer, projection), so recomputing a layer redraws the same mask. */
  static long seed(long stepSeed, int layer, Projection p) {
    long h = stepSeed * 0xBF58476D1CE4E5B9L + layer * 31L + p.ordinal();
    h ^= h >>> 31;
    return h * 0x94D049BB133111EBL;
  }
}
