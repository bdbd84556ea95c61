package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.util.Arrays;

/**
 * A length distribution of {@code dataset/stats.json} ({@code answer_chars}, {@code
 * answer_tokens}): min, nearest-rank p50/p90/p99, max and mean (one decimal); all null when there
 * are no values.
 */
public record LengthDistribution(
    Integer min, Integer p50, Integer p90, Integer p99, Integer max, Double mean) {

  public static LengthDistribution of(int[] values) {
    int[] all = values.clone();
    Arrays.sort(all);
    if (all.length == 0) {
      return new LengthDistribution(null, null, null, null, null, null);
    }
    long sum = 0;
    for (int v : all) {
      sum += v;
    }
    return new LengthDistribution(
        all[0],
        rank(all, 0.50),
        rank(all, 0.90),
        rank(all, 0.99),
        all[all.length - 1],
        Math.round(sum * 10.0 / all.length) / 10.0);
  }

  private static int rank(int[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** {@code {"min", "p50", "p90", "p99", "max", "mean"}}, each null when there are no values. */
  public ObjectNode toTree() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    putOrNull(o, "min", min);
    putOrNull(o, "p50", p50);
    putOrNull(o, "p90", p90);
    putOrNull(o, "p99", p99);
    putOrNull(o, "max", max);
    if (mean == null) {
      o.putNull("mean");
    } else {
      o.put("mean", mean);
    }
    return o;
  }

  private static void putOrNull(ObjectNode o, String key, Integer v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, v);
    }
  }

  static LengthDistribution fromTree(JsonFields f, JsonNode o, String at) {
    return new LengthDistribution(
        f.integer(o, "min", at + ".min"),
        f.integer(o, "p50", at + ".p50"),
        f.integer(o, "p90", at + ".p90"),
        f.integer(o, "p99", at + ".p99"),
        f.integer(o, "max", at + ".max"),
        f.number(o, "mean", at + ".mean"));
  }
}
