package io.tunecard.card;

/**
 * A metric's value with its 95 % bootstrap confidence interval when one was computed.
 *
 * @param mean the value (per-answer mean, or the corpus value for {@code *_corpus} metrics)
 * @param ciLow lower end of the 95 % CI; null when none
 * @param ciHigh upper end of the 95 % CI; null when none
 * @param n answers behind the value; null when not recorded
 */
public record MetricValue(double mean, Double ciLow, Double ciHigh, Integer n) {

  public MetricValue {
    if (!Double.isFinite(mean)) {
      throw new IllegalArgumentException("mean: expected a finite number, found " + mean);
    }
    if ((ciLow == null) != (ciHigh == null)) {
      throw new IllegalArgumentException("ci_low/ci_high: expected both or neither");
    }
    if (ciLow != null && !(ciLow <= ciHigh)) {
      throw new IllegalArgumentException(
          "ci_low: expected <= ci_high, found " + ciLow + " > " + ciHigh);
    }
  }

  public static MetricValue of(double mean) {
    return new MetricValue(mean, null, null, null);
  }

  public boolean hasCi() {
    return ciLow != null;
  }
}
