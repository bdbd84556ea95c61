package io.tunecard.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scores of one decoding strategy.
 *
 * @param name the strategy's name, e.g. {@code greedy} or {@code topp_0.9}
 * @param n answers scored; null when not recorded
 * @param hitCap answers that stopped at the generation cap; null when not recorded
 * @param metrics metric name to value, in display order
 */
public record StrategyResult(
    String name, Integer n, Integer hitCap, Map<String, MetricValue> metrics) {

  /** Strategy names become file names and table cells: keep them plain. */
  public static final String NAME = "[A-Za-z0-9_.\\-]{1,64}";

  public StrategyResult {
    if (name == null || !name.matches(NAME)) {
      throw new IllegalArgumentException(
          "strategy name: expected letters, digits, '_', '.', '-', found '" + name + "'");
    }
    if (n != null && n < 0) {
      throw new IllegalArgumentException(name + ".n: expected >= 0, found " + n);
    }
    if (hitCap != null && (hitCap < 0 || n != null && hitCap > n)) {
      throw new IllegalArgumentException(name + ".hit_cap: expected 0.." + n + ", found " + hitCap);
    }
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /** The value of a metric, or null. */
  public MetricValue metric(String metric) {
    return metrics.get(metric);
  }
}
