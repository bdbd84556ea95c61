package io.tunecard.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * transformers' causal-LM loss: position t predicts {@code labels[t + 1]}, labels of -100 are
 * ignored, the result is the mean over the rest. Only supervised positions go through the LM head
 * (the others would be discarded anyway), which saves the head's work on prompt tokens.
 */
final class CausalLmLoss {
  private CausalLmLoss() {}

  /** The summed negative log-likelihood, a scalar array (differentiable). */
  static NDArray sum(Decoder decoder, NDArray hidden, TokenBatch batch) {
    return nll(decoder, hidden, batch).sum().neg();
  }

  /**
   * Each row's summed negative log-likelihood and supervised token count, the sums taken in double
   * precision (not differentiable).
   */
  static LossValue[] perRow(Decoder decoder, NDArray hidden, TokenBatch batch) {
    float[] logp = nll(decoder, hidden, batch).toFloatArray(); // (n): log p of each target
    LossValue[] out = new LossValue[batch.batchSize()];
    int t = batch.length();
    int k = 0;
    for (int i = 0; i < out.length; i++) {
      long[] labels = batch.labels()[i];
      double sum = 0;
      long tokens = 0;
      for (int j = 0; j + 1 < t; j++) {
        if (labels[j + 1] != TokenBatch.IGNORE) {
          sum -= logp[k++];
          tokens++;
        }
      }
      out[i] = new LossValue(sum, tokens);
    }
    return out;
  }

  /** log p(label) at every supervised position, in row-major order: (n, 1). */
  private static NDArray nll(Decoder decoder, NDArray hidden, TokenBatch batch) {
    int b = batch.batchSize();
    int t = batch.length();
    long n = batch.supervisedTokens();
    long[] rows = new long[(int) n];
    long[] targets = new long[(int) n];
    int k = 0;
    int vocab = (int) decoder.headVocab();
    for (int i = 0; i < b; i++) {
      long[] labels = batch.labels()[i];
      for (int j = 0; j + 1 < t; j++) {
        long y = labels[j + 1];
        if (y == TokenBatch.IGNORE) {
          continue;
        }
        if (y < 0 || y >= vocab) {
          throw new IllegalArgumentException(
              "labels: row "
                  + i
                  + " position "
                  + (j + 1)
                  + " has "
                  + y
                  + ", outside [0, "
                  + vocab
                  + ") and not -100");
        }
        rows[k] = (long) i * t + j;
        targets[k++] = y;
      }
    }
    NDArray flat = hidden.reshape(-1, hidden.getShape().get(2)); // (batch * len, hidden)
    NDArray picked =
        flat.get(NativeArrays.of(hidden.getManager(), rows, new Shape(n))); // (n, hidden)
    NDArray logits = decoder.head(picked); // (n, vocab)
    if (logits.getDataType() != DataType.FLOAT32) {
      logits = logits.toType(DataType.FLOAT32, false);
    }
    NDArray logp = logits.logSoftmax(-1);
    return logp.gather(NativeArrays.of(hidden.getManager(), targets, new Shape(n, 1)), 1);
  }
}
