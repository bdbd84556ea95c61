package io.tunecard.model.nf4;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Memory and error of the NF4 weights of a model, per tensor and per decoder layer. */
public final class QuantizationReport {
  /** One quantized tensor. */
  public record Row(
      int layer, String name, long numel, long nf4Bytes, double relativeError, double maxAbsError) {
    /** The same weight in bf16, as checkpoints store it. */
    public long bf16Bytes() {
      return numel * 2;
    }
  }

  private final List<Row> rows = new ArrayList<>();

  public synchronized void add(Row row) {
    rows.add(row);
  }

  public synchronized List<Row> rows() {
    return List.copyOf(rows);
  }

  /** NF4 bytes of all quantized tensors. */
  public synchronized long nf4Bytes() {
    return rows.stream().mapToLong(Row::nf4Bytes).sum();
  }

  /** A per-layer table: NF4 MiB, bf16 MiB, bits per weight, worst relative error. */
  public synchronized String table() {
    Map<Integer, List<Row>> byLayer = new TreeMap<>();
    rows.forEach(r -> byLayer.computeIfAbsent(r.layer(), k -> new ArrayList<>()).add(r));
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%5s %10s %10s %8s %12s %12s%n",
            "layer",
            "nf4_MiB",
            "bf16_MiB",
            "bits/w",
            "rel_err_max",
            "abs_err_max"));
    for (Map.Entry<Integer, List<Row>> e : byLayer.entrySet()) {
      long nf4 = 0;
      long bf16 = 0;
      long numel = 0;
      double rel = 0;
      double abs = 0;
      for (Row r : e.getValue()) {
        nf4 += r.nf4Bytes();
        bf16 += r.bf16Bytes();
        numel += r.numel();
        rel = Math.max(rel, r.relativeError());
        abs = Math.max(abs, r.maxAbsError());
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "%5d %10.2f %10.2f %8.3f %12.5f %12.5g%n",
              e.getKey(),
              nf4 / 1048576.0,
              bf16 / 1048576.0,
              nf4 * 8.0 / numel,
              rel,
              abs));
    }
    return sb.toString();
  }
}
