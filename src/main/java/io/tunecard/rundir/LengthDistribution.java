package io.tunecard.rundir;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.util.Arrays;
import java.util.List;

/**
 * The length distributions of {@code dataset/stats.json} ({@code answer_chars}, {@code
 * answer_tokens}): min, nearest-rank p50/p90/p99, max and mean (one decimal); all null when there
 * are no values.
 */
public final class LengthDistribution {
  private LengthDistribution() {}

  public static ObjectNode of(int[] values) {
    int[] all = values.clone();
    Arrays.sort(all);
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    if (all.length == 0) {
      for (String k : List.of("min", "p50", "p90", "p99", "max", "mean")) {
        o.putNull(k);
      }
      return o;
    }
    long sum = 0;
    for (int v : all) {
      sum += v;
    }
    o.put("min", all[0]);
    o.put("p50", rank(all, 0.50));
    o.put("p90", rank(all, 0.90));
    o.put("p99", rank(all, 0.99));
    o.put("max", all[all.length - 1]);
    o.put("mean", Math.round(sum * 10.0 / all.length) / 10.0);
    return o;
  }

  private static int rank(int[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
