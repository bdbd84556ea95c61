package io.tunecard.metrics;

/**
 * The per-answer text metrics of one prediction (definitions in {@link TextMetrics}).
 *
 * @param tokensFromGenerator true when {@code tokensLen} is the generator's count, false when it
 *     counts whitespace tokens
 */
public record AnswerScores(
    String id,
    RougeScore rougeL,
    int tokensLen,
    boolean tokensFromGenerator,
    double distinct1,
    double distinct2,
    double repetitionR3) {

  public AnswerScores {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("id: expected a non-empty string");
    }
    if (rougeL == null) {
      throw new IllegalArgumentException("rougeL: expected a score, found null");
    }
    if (tokensLen < 0) {
      throw new IllegalArgumentException("tokens_len: expected >= 0, found " + tokensLen);
    }
    checkFraction("distinct_1", distinct1);
    checkFraction("distinct_2", distinct2);
    checkFraction("repetition_r3", repetitionR3);
  }

  /** The per-answer value of a metric that has one ({@code rougeL} is its F-measure). */
  public double value(String metric) {
    return Metric.find(metric)
        .filter(Metric::hasAnswerValue)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "metric '"
                        + metric
                        + "' has no per-answer value; expected one of "
                        + TextMetrics.PER_ANSWER))
        .value(this);
  }

  private static void checkFraction(String field, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(field + ": expected a value in [0, 1], found " + v);
    }
  }
}
