package io.tunecard.metrics;

/**
 * Per-answer diversity of a token sequence.
 *
 * <ul>
 *   <li>{@code distinct_n} = unique n-grams / n-gram occurrences (Li et al., 2016), 0 for an answer
 *       with fewer than n tokens;
 *   <li>{@code repetition_r3} = the fraction of the answer's 3-gram occurrences that repeat a
 *       3-gram seen earlier in the same answer, i.e. (occurrences − unique) / occurrences = 1 −
 *       distinct_3; 0 for an answer with fewer than 3 tokens. "a b c a b c" has four 3-grams of
 *       which one ("a b c" at position 3) repeats: 0.25.
 * </ul>
 *
 * N-grams are compared exactly (no hashing shortcuts). Thread-safe.
 */
public final class Diversity {
  private static final ThreadLocal<Table> TABLES = ThreadLocal.withInitial(Table::new);

  private Diversity() {}

  /** distinct-n of a token sequence (equal ids are equal tokens). */
  public static double distinct(int[] tokens, int n) {
    int total = tokens.length - n + 1;
    return total <= 0 ? 0.0 : (double) uniqueNgrams(tokens, n) / total;
  }

  /** repetition-3 of a token sequence. */
  public static double repetition3(int[] tokens) {
    int total = tokens.length - 2;
    return total <= 0 ? 0.0 : (double) (total - uniqueNgrams(tokens, 3)) / total;
  }

  /** The number of distinct n-grams of {@code tokens}. */
  static int uniqueNgrams(int[] tokens, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n: expected at least 1, found " + n);
    }
    int total = tokens.length - n + 1;
    if (total <= 0) {
      return 0;
    }
    Table t = TABLES.get();
    int mask = t.prepare(total);
    int unique = 0;
    for (int i = 0; i < total; i++) {
      int h = 1;
      for (int k = 0; k < n; k++) {
        h = 31 * h + tokens[i + k];
      }
      h ^= h >>> 15;
      h *= 0x2c1b3c6d;
      h ^= h >>> 12;
      for (int slot = h & mask; ; slot = (slot + 1) & mask) {
        if (t.stamp[slot] != t.epoch) {
          t.stamp[slot] = t.epoch;
          t.start[slot] = i;
          unique++;
          break;
        }
        if (sameGram(tokens, t.start[slot], i, n)) {
          break;
        }
      }
    }
    return unique;
  }

  private static boolean sameGram(int[] tokens, int a, int b, int n) {
    for (int k = 0; k < n; k++) {
      if (tokens[a + k] != tokens[b + k]) {
        return false;
      }
    }
    return true;
  }

  /** Open-addressing set of n-gram start positions; a new epoch empties it in O(1). */
  private static final class Table {
    int[] stamp = new int[0];
    int[] start = new int[0];
    int epoch;

    int prepare(int entries) {
      int capacity = Integer.highestOneBit(Math.max(4, entries) * 2 - 1) * 2;
      if (stamp.length < capacity) {
        stamp = new int[capacity];
        start = new int[capacity];
        epoch = 0;
      }
      epoch++;
      if (epoch == 0) {
        java.util.Arrays.fill(stamp, 0);
        epoch = 1;
      }
      return Math.min(stamp.length, capacity) - 1;
    }
  }
}
