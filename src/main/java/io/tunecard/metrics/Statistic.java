package io.tunecard.metrics;

/**
 * A statistic of a sample of answers that the bootstrap can recompute on resamples: the per-answer
 * mean of a metric, a corpus-level value, or the difference of two statistics over the same answers
 * (the paired bootstrap).
 */
public interface Statistic {
  /** The value on the full sample, each answer counted once. */
  double full();

  /** Writes the value on each resample of {@code block} to {@code out[0..block.size())}. */
  void resampled(ResampleBlock block, double[] out);

  /**
   * True for statistics that resampling with replacement biases by construction (corpus-level
   * type/token ratios: a repeated answer adds occurrences but no new types); their interval is
   * re-centred on the full-sample value ({@link Bootstrap}).
   */
  default boolean biasCorrected() {
    return false;
  }

  /** The mean of {@code values} (one per answer). */
  static Statistic mean(double[] values) {
    return new MeanStatistic(values);
  }

  /** {@code a − b} on the same resamples: the paired bootstrap of a difference. */
  static Statistic difference(Statistic a, Statistic b) {
    if (a instanceof MeanStatistic ma && b instanceof MeanStatistic mb) {
      return ma.minus(mb);
    }
    return new Statistic() {
      @Override
      public double full() {
        return a.full() - b.full();
      }

      @Override
      public void resampled(ResampleBlock block, double[] out) {
        double[] other = new double[block.size()];
        a.resampled(block, out);
        b.resampled(block, other);
        for (int i = 0; i < block.size(); i++) {
          out[i] -= other[i];
        }
      }

      @Override
      public boolean biasCorrected() {
        return a.biasCorrected() || b.biasCorrected();
      }
    };
  }
}
