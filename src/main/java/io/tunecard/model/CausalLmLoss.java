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
    NDArray nll =
        logp.gather(NativeArrays.of(hidden.getManager(), targets, new Shape(n, 1)), 1); // (n, 1)
    return nll.sum().neg();
  }
}
