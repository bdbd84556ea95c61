package io.tunecard.metrics;

/**
 * A metric value with its 95 % percentile-bootstrap confidence interval.
 *
 * @param mean the statistic on the full sample (the per-answer mean, or the corpus-level value)
 * @param ciLow the 2.5th percentile of the bootstrap distribution
 * @param ciHigh the 97.5th percentile of the bootstrap distribution
 * @param n the number of answers the statistic was computed over
 */
public record Estimate(double mean, double ciLow, double ciHigh, int n) {
  public Estimate {
    if (n < 1) {
      throw new IllegalArgumentException("n: expected at least 1 answer, found " + n);
    }
    for (double v : new double[] {mean, ciLow, ciHigh}) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            "mean, ci_low, ci_high: expected finite numbers, found "
                + mean
                + ", "
                + ciLow
                + ", "
                + ciHigh);
      }
    }
    if (ciLow > ciHigh) {
      throw new IllegalArgumentException(
          "ci_low: expected at most ci_high (" + ciHigh + "), found " + ciLow);
    }
  }
}
