package io.tunecard.metrics;

/**
 * The mean of one value per answer. {@link Bootstrap} sums these while it draws (all means of a
 * call in one pass); {@link #resampled} is the same sum from the draw counts.
 */
final class MeanStatistic implements Statistic {
  private final double[] values;

  MeanStatistic(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("mean: expected at least one value");
    }
    this.values = values.clone();
  }

  double value(int answer) {
    return values[answer];
  }

  int size() {
    return values.length;
  }

  MeanStatistic minus(MeanStatistic other) {
    if (other.values.length != values.length) {
      throw new IllegalArgumentException(
          "paired values: expected equal lengths, found "
              + values.length
              + " and "
              + other.values.length);
    }
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = values[i] - other.values[i];
    }
    return new MeanStatistic(d);
  }

  @Override
  public double full() {
    double sum = 0;
    for (double x : values) {
      sum += x;
    }
    return sum / values.length;
  }

  @Override
  public void resampled(ResampleBlock block, double[] out) {
    if (block.n() != values.length) {
      throw new IllegalArgumentException(
          "resample of " + block.n() + " answers for a statistic of " + values.length);
    }
    for (int b = 0; b < block.size(); b++) {
      int[] c = block.counts(b);
      double sum = 0;
      for (int a = 0; a < values.length; a++) {
        sum += c[a] * values[a];
      }
      out[b] = sum / values.length;
    }
  }
}
