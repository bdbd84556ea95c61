package io.tunecard.model;

/**
 * A summed next-token cross-entropy and the number of tokens it covers.
 *
 * @param sum sum of -log p(label) over the supervised positions
 * @param tokens supervised positions (labels other than -100, after the shift)
 */
public record LossValue(double sum, long tokens) {
  /** transformers' loss: the mean over supervised tokens (0 when there are none). */
  public double mean() {
    return tokens == 0 ? 0 : sum / tokens;
  }

  public LossValue plus(LossValue o) {
    return new LossValue(sum + o.sum, tokens + o.tokens);
  }
}
