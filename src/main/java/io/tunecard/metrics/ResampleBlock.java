package io.tunecard.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Up to 64 bootstrap resamples of n answers, drawn together so statistics can work on all of them
 * at once. For resample b, {@link #counts(int)} gives how many times each answer was drawn; {@link
 * #drawn(int)} gives, for one answer, a bit mask whose bit b is set when resample b drew it.
 */
public final class ResampleBlock {
  public static final int MAX_SIZE = 64;

  private final int n;
  private final int[][] counts = new int[MAX_SIZE][];
  private final long[] drawn;
  private int size;

  ResampleBlock(int n) {
    this.n = n;
    this.drawn = new long[n];
    for (int b = 0; b < MAX_SIZE; b++) {
      counts[b] = new int[n];
    }
  }

  /**
   * Redraws the block: resample b draws n answers with {@code generators[from + b]}. While drawing
   * it adds up {@code k} per-answer values, laid out answer-major in {@code values} ({@code
   * values[a * k + j]}), into {@code sums[j][b]}.
   */
  void draw(
      SplittableRandom[] generators, int from, int size, double[] values, int k, double[][] sums) {
    this.size = size;
    Arrays.fill(drawn, 0L);
    for (int b = 0; b < size; b++) {
      int[] c = counts[b];
      Arrays.fill(c, 0);
      SplittableRandom rng = generators[from + b];
      long bit = 1L << b;
      double[] acc = new double[k];
      for (int i = 0; i < n; i++) {
        int a = uniform(rng, n);
        c[a]++;
        drawn[a] |= bit;
        int base = a * k;
        for (int j = 0; j < k; j++) {
          acc[j] += values[base + j];
        }
      }
      for (int j = 0; j < k; j++) {
        sums[j][b] = acc[j];
      }
    }
  }

  /**
   * A uniform int in [0, bound) from 32 random bits: Lemire's multiply-shift with rejection ("Fast
   * random integer generation in an interval", 2019), exactly uniform, rarely dividing.
   */
  static int uniform(SplittableRandom rng, int bound) {
    long m = (rng.nextInt() & 0xFFFFFFFFL) * bound;
    long low = m & 0xFFFFFFFFL;
    if (low < bound) {
      long threshold = (1L << 32) % bound;
      while (low < threshold) {
        m = (rng.nextInt() & 0xFFFFFFFFL) * bound;
        low = m & 0xFFFFFFFFL;
      }
    }
    return (int) (m >>> 32);
  }

  /** The number of resamples in this block (1 to 64). */
  public int size() {
    return size;
  }

  /** The number of answers. */
  public int n() {
    return n;
  }

  /** How often resample {@code b} drew each answer (read-only; owned by the block). */
  public int[] counts(int b) {
    return counts[b];
  }

  /** Bit b set when resample b drew {@code answer} at least once. */
  public long drawn(int answer) {
    return drawn[answer];
  }

  /** The mask of the bits in use ({@code size} low bits). */
  public long allBits() {
    return size == MAX_SIZE ? -1L : (1L << size) - 1;
  }
}
