package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A rectangular batch of token ids with its attention mask (1 = token, 0 = padding, on either side)
 * and, for training and evaluation, labels aligned with the inputs as in transformers: the model
 * predicts {@code labels[t + 1]} at position t, and {@code -100} marks a position that does not
 * count (prompt tokens, padding).
 *
 * @param labels null for inference
 */
public record TokenBatch(long[][] inputIds, int[][] attentionMask, long[][] labels) {
  public static final long IGNORE = -100;

  public TokenBatch {
    if (inputIds.length == 0 || inputIds[0].length == 0) {
      throw new IllegalArgumentException("input_ids: empty batch");
    }
    int t = inputIds[0].length;
    if (attentionMask.length != inputIds.length) {
      throw new IllegalArgumentException(
          "attention_mask: " + attentionMask.length + " rows for " + inputIds.length);
    }
    for (int b = 0; b < inputIds.length; b++) {
      if (inputIds[b].length != t || attentionMask[b].length != t) {
        throw new IllegalArgumentException("row " + b + ": rows must all have length " + t);
      }
      for (int v : attentionMask[b]) {
        if (v != 0 && v != 1) {
          throw new IllegalArgumentException(
              "attention_mask: row " + b + " has " + v + " (expected 0/1)");
        }
      }
      if (labels != null && labels[b].length != t) {
        throw new IllegalArgumentException("labels: row " + b + " must have length " + t);
      }
    }
    if (labels != null && labels.length != inputIds.length) {
      throw new IllegalArgumentException(
          "labels: " + labels.length + " rows for " + inputIds.length);
    }
  }

  /** A batch without padding. */
  public static TokenBatch of(long[][] inputIds) {
    int[][] mask = new int[inputIds.length][];
    for (int b = 0; b < inputIds.length; b++) {
      mask[b] = new int[inputIds[b].length];
      java.util.Arrays.fill(mask[b], 1);
    }
    return new TokenBatch(inputIds, mask, null);
  }

  public int batchSize() {
    return inputIds.length;
  }

  public int length() {
    return inputIds[0].length;
  }

  /** Positions whose next-token label counts (the loss denominator). */
  public long supervisedTokens() {
    long n = 0;
    if (labels != null) {
      for (long[] row : labels) {
        for (int t = 1; t < row.length; t++) {
          n += row[t] != IGNORE ? 1 : 0;
        }
      }
    }
    return n;
  }

  /** Tokens that are not padding. */
  public long realTokens() {
    long n = 0;
    for (int[] row : attentionMask) {
      for (int v : row) {
        n += v;
      }
    }
    return n;
  }

  NDArray idsArray(NDManager m) {
    long[] flat = new long[batchSize() * length()];
    for (int b = 0; b < batchSize(); b++) {
      System.arraycopy(inputIds[b], 0, flat, b * length(), length());
    }
    return NativeArrays.of(m, flat, new Shape(batchSize(), length()));
  }
}
