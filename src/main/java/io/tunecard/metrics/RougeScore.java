package io.tunecard.metrics;

/**
 * A ROUGE precision, recall and F-measure, each in [0, 1]. The F-measure is {@code 2PR / (P + R)},
 * and 0 when {@code P + R} is 0, as {@code rouge_score.scoring.fmeasure} computes it.
 */
public record RougeScore(double precision, double recall, double f) {
  public static final RougeScore ZERO = new RougeScore(0, 0, 0);

  public RougeScore {
    check("precision", precision);
    check("recall", recall);
    check("f", f);
  }

  /** The score from precision and recall, with F derived as rouge_score does. */
  public static RougeScore of(double precision, double recall) {
    return new RougeScore(precision, recall, fMeasure(precision, recall));
  }

  static double fMeasure(double precision, double recall) {
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  }

  private static void check(String field, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(field + ": expected a value in [0, 1], found " + value);
    }
  }
}
