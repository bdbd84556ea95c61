package io.tunecard.train;

import io.tunecard.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Examples to {@link TokenBatch}es: one example per row, right-padded to the longest row, labels
 * {@code -100} on the prompt and the padding, so the loss counts exactly the answer ids (and the
 * final eos when it survived truncation).
 */
final class MicroBatches {
  private MicroBatches() {}

  static TokenBatch collate(List<Example> examples, int[] rows, int padId) {
    int t = 0;
    for (int i : rows) {
      t = Math.max(t, examples.get(i).length());
    }
    long[][] ids = new long[rows.length][t];
    int[][] mask = new int[rows.length][t];
    long[][] labels = new long[rows.length][t];
    for (int b = 0; b < rows.length; b++) {
      Example e = examples.get(rows[b]);
      Arrays.fill(ids[b], padId);
      Arrays.fill(labels[b], TokenBatch.IGNORE);
      for (int p = 0; p < e.length(); p++) {
        ids[b][p] = e.ids()[p];
        mask[b][p] = 1;
        if (p >= e.promptLength()) {
          labels[b][p] = e.ids()[p];
        }
      }
    }
    return new TokenBatch(ids, mask, labels);
  }

  /** Rows for scoring: sorted by length, longest first (little padding), {@code batch} per call. */
  static List<int[]> evalBatches(List<Example> examples, int batch) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> -examples.get(i).length()));
    List<int[]> out = new ArrayList<>();
    for (int j = 0; j < order.size(); j += batch) {
      out.add(
          order.subList(j, Math.min(order.size(), j + batch)).stream()
              .mapToInt(Integer::intValue)
              .toArray());
    }
    return out;
  }

  /** Positions of the micro-batch that hold a real token (the padding excluded). */
  static long realTokens(List<Example> examples, int[] rows) {
    long n = 0;
    for (int i : rows) {
      n += examples.get(i).length();
    }
    return n;
  }
}
