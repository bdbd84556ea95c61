package io.tunecard.evaluate;

import io.tunecard.workflow.StrategySpec;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * transformers' logits processors, on one row of scores ({@code scores[off .. off + vocab)}), in
 * place. Removed tokens get {@code -inf}, as transformers' {@code filter_value}.
 *
 * <ul>
 *   <li>{@link #suppress}: {@code MinNewTokensLengthLogitsProcessor} (EOS impossible before the
 *       minimum length).
 *   <li>{@link #temperature}: {@code TemperatureLogitsWarper}, scores / T.
 *   <li>{@link #topK}: {@code TopKLogitsWarper}, keeps every token whose score is at least the k-th
 *       largest (ties at the k-th score all stay), k raised to {@code min_tokens_to_keep} = 1.
 *   <li>{@link #topP}: {@code TopPLogitsWarper}: sort ascending, cumulative softmax; a token is
 *       removed when the cumulative probability up to and including it is {@code <= 1 - p}; the
 *       most probable token always stays ({@code min_tokens_to_keep} = 1).
 * </ul>
 *
 * Sampling applies them in that order (temperature, top-k, top-p) and draws from the softmax of
 * what remains. The draw uses tunecard's own seeded generator, so sampled texts differ from
 * transformers' (torch's random stream cannot be reproduced) while the distribution sampled from is
 * the same.
 */
public final class LogitsWarpers {
  private LogitsWarpers() {}

  public static void suppress(float[] scores, int off, long[] ids) {
    for (long id : ids) {
      scores[off + (int) id] = Float.NEGATIVE_INFINITY;
    }
  }

  public static void temperature(float[] scores, int off, int vocab, double t) {
    if (t == 1.0) {
      return;
    }
    float ft = (float) t; // torch divides a float32 tensor by the scalar in float32
    for (int i = off; i < off + vocab; i++) {
      scores[i] = scores[i] / ft;
    }
  }

  public static void topK(float[] scores, int off, int vocab, int k) {
    if (k <= 0 || k >= vocab) {
      return;
    }
    // the k largest in a min-heap; its root is the k-th largest, the threshold
    float[] heap = new float[k];
    int n = 0;
    for (int i = off; i < off + vocab; i++) {
      float v = scores[i];
      if (n < k) {
        heap[n] = v;
        for (int c = n++; c > 0 && heap[(c - 1) / 2] > heap[c]; c = (c - 1) / 2) {
          float t = heap[c];
          heap[c] = heap[(c - 1) / 2];
          heap[(c - 1) / 2] = t;
        }
      } else if (v > heap[0]) {
        heap[0] = v;
        for (int c = 0; ; ) {
          int l = 2 * c + 1;
          int r = l + 1;
          int m = c;
          if (l < k && heap[l] < heap[m]) {
            m = l;
          }
          if (r < k && heap[r] < heap[m]) {
            m = r;
          }
          if (m == c) {
            break;
          }
          float t = heap[c];
          heap[c] = heap[m];
          heap[m] = t;
          c = m;
        }
      }
    }
    float threshold = heap[0];
    for (int i = off; i < off + vocab; i++) {
      if (scores[i] < threshold) {
        scores[i] = Float.NEGATIVE_INFINITY;
      }
    }
  }

  public static void topP(float[] scores, int off, int vocab, double p) {
    if (p >= 1.0) {
      return;
    }
    // Only finite scores take part (after top-k most are -inf): ascending by score, then by id,
    // packed as sortable 64-bit keys so a primitive sort does it.
    long[] keys = new long[vocab];
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      float v = scores[off + i];
      if (v != Float.NEGATIVE_INFINITY) {
        int bits = Float.floatToIntBits(v);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        keys[n++] = ((long) sortable << 32) | i;
      }
    }
    Arrays.sort(keys, 0, n);
    double[] probs = softmax(scores, off, vocab);
    double cumulative = 0;
    double limit = 1 - p;
    // the last (most probable) token is never removed
    for (int r = 0; r < n - 1; r++) {
      int i = (int) keys[r];
      cumulative += probs[i];
      if (cumulative <= limit) {
        scores[off + i] = Float.NEGATIVE_INFINITY;
      } else {
        break;
      }
    }
  }

  /** Softmax of the row in double precision; {@code -inf} scores get probability 0. */
  public static double[] softmax(float[] scores, int off, int vocab) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + vocab; i++) {
      max = Math.max(max, scores[i]);
    }
    double[] p = new double[vocab];
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      float s = scores[off + i];
      p[i] = s == Float.NEGATIVE_INFINITY ? 0 : Math.exp((double) s - max);
      sum += p[i];
    }
    for (int i = 0; i < vocab; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** The index of the largest score, the first one on ties (as {@code torch.argmax}). */
  public static int argmax(float[] scores, int off, int vocab) {
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (scores[off + i] > scores[off + best]) {
        best = i;
      }
    }
    return best;
  }

  /** The sampling distribution of a row after temperature, top-k and top-p (for tests). */
  public static double[] distribution(float[] logits, StrategySpec s) {
    float[] scores = logits.clone();
    warp(scores, 0, scores.length, s);
    return softmax(scores, 0, scores.length);
  }

  /** Temperature, top-k, top-p in transformers' order. */
  static void warp(float[] scores, int off, int vocab, StrategySpec s) {
    temperature(scores, off, vocab, s.temperature());
    topK(scores, off, vocab, s.topK());
    topP(scores, off, vocab, s.topP());
  }

  /** Draws a token from the softmax of the (already warped) row: inverse CDF in id order. */
  static int sample(float[] scores, int off, int vocab, SplittableRandom random) {
    double[] p = softmax(scores, off, vocab);
    double u = random.nextDouble();
    double cumulative = 0;
    int last = -1;
    for (int i = 0; i < vocab; i++) {
      if (p[i] > 0) {
        cumulative += p[i];
        last = i;
        if (u < cumulative) {
          return i;
        }
      }
    }
    return last; // u fell in the rounding gap above the last cumulative sum
  }
}
