package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * ROUGE with the semantics of Google's {@code rouge_score} package ({@code RougeScorer}), which
 * replicates ROUGE-1.5.5: tokens from {@link RougeTokenizer}; {@code rougeL} from the longest
 * common subsequence (LCS) of the whole texts, precision = LCS / prediction tokens, recall = LCS /
 * target tokens, all 0 when either side has no token; {@code rougeN} from clipped n-gram counts;
 * {@code rougeLsum} from the union LCS of newline-separated sentences.
 *
 * <p>The LCS length is computed bit-parallel (Hyyrö 2004) in O(n·⌈m/64⌉) word operations, which
 * gives exactly the length the dynamic-programming table of {@code rouge_score} gives. Thread-safe.
 */
public final class Rouge {
  private final RougeTokenizer tokenizer;
  private final ThreadLocal<TokenInterner> interners = ThreadLocal.withInitial(TokenInterner::new);
  private final ThreadLocal<long[]> masks = ThreadLocal.withInitial(() -> new long[1024]);

  /** ROUGE without ({@code false}, the default of rouge_score) or with Porter stemming. */
  public Rouge(boolean useStemmer) {
    this.tokenizer = new RougeTokenizer(useStemmer);
  }

  public RougeTokenizer tokenizer() {
    return tokenizer;
  }

  /** ROUGE-L of {@code prediction} against {@code target} (the reference). */
  public RougeScore rougeL(String target, String prediction) {
    TokenInterner interner = interners.get();
    interner.clear();
    int[] t = tokenizer.ids(target, interner);
    int[] p = tokenizer.ids(prediction, interner);
    if (t.length == 0 || p.length == 0) {
      return RougeScore.ZERO;
    }
    int lcs = lcsLengthDense(t, p, interner.size());
    return RougeScore.of((double) lcs / p.length, (double) lcs / t.length);
  }

  /** ROUGE-N ({@code n >= 1}) of {@code prediction} against {@code target}. */
  public RougeScore rougeN(int n, String target, String prediction) {
    if (n < 1) {
      throw new IllegalArgumentException("n: expected at least 1, found " + n);
    }
    Map<List<String>, Integer> targetGrams = ngrams(tokenizer.tokenize(target), n);
    Map<List<String>, Integer> predictionGrams = ngrams(tokenizer.tokenize(prediction), n);
    int overlap = 0;
    for (var e : targetGrams.entrySet()) {
      overlap += Math.min(e.getValue(), predictionGrams.getOrDefault(e.getKey(), 0));
    }
    int targetCount = targetGrams.values().stream().mapToInt(Integer::intValue).sum();
    int predictionCount = predictionGrams.values().stream().mapToInt(Integer::intValue).sum();
    return RougeScore.of(
        (double) overlap / Math.max(predictionCount, 1),
        (double) overlap / Math.max(targetCount, 1));
  }

  /**
   * ROUGE-Lsum: sentences are the non-empty lines of each text; each target sentence is matched
   * against the union of its LCS with every prediction sentence, and a token counts as a hit at
   * most as often as it occurs on both sides (ROUGE-1.5.5's guard against double counting).
   */
  public RougeScore rougeLsum(String target, String prediction) {
    TokenInterner interner = new TokenInterner();
    List<int[]> ref = sentences(target, interner);
    List<int[]> can = sentences(prediction, interner);
    int m = ref.stream().mapToInt(s -> s.length).sum();
    int n = can.stream().mapToInt(s -> s.length).sum();
    if (ref.isEmpty() || can.isEmpty() || m == 0 || n == 0) {
      return RougeScore.ZERO;
    }
    int[] refCounts = new int[interner.size()];
    int[] canCounts = new int[interner.size()];
    ref.forEach(s -> Arrays.stream(s).forEach(t -> refCounts[t]++));
    can.forEach(s -> Arrays.stream(s).forEach(t -> canCounts[t]++));
    int hits = 0;
    for (int[] r : ref) {
      TreeSet<Integer> union = new TreeSet<>();
      for (int[] c : can) {
        for (int index : lcsIndices(r, c)) {
          union.add(index);
        }
      }
      for (int index : union) {
        int token = r[index];
        if (canCounts[token] > 0 && refCounts[token] > 0) {
          hits++;
          canCounts[token]--;
          refCounts[token]--;
        }
      }
    }
    return RougeScore.of((double) hits / n, (double) hits / m);
  }

  private List<int[]> sentences(String text, TokenInterner interner) {
    List<int[]> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty()) {
        out.add(tokenizer.ids(line, interner));
      }
    }
    return out;
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> out = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      out.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
    }
    return out;
  }

  /** The length of the longest common subsequence of two int sequences. */
  public static int lcsLength(int[] a, int[] b) {
    Map<Integer, Integer> dense = new HashMap<>();
    int[] da = new int[a.length];
    int[] db = new int[b.length];
    for (int i = 0; i < a.length; i++) {
      da[i] = dense.computeIfAbsent(a[i], k -> dense.size());
    }
    for (int i = 0; i < b.length; i++) {
      db[i] = dense.computeIfAbsent(b[i], k -> dense.size());
    }
    return new Rouge(false).lcsLengthDense(da, db, dense.size());
  }

  /**
   * Bit-parallel LCS length of sequences over ids {@code 0..alphabet-1}. Bit i of the running
   * vector V is 0 where the LCS of the shorter sequence's prefix "steps up" at position i; each
   * token y of the longer sequence updates V' = (V + (V & M[y])) | (V & ~M[y]), with M[y] the
   * positions of y in the shorter sequence. The LCS length is the number of zero bits.
   */
  int lcsLengthDense(int[] a, int[] b, int alphabet) {
    int[] shorter = a.length <= b.length ? a : b;
    int[] longer = shorter == a ? b : a;
    int m = shorter.length;
    if (m == 0) {
      return 0;
    }
    int words = (m + 63) >>> 6;
    long[] match = masks.get();
    if (match.length < (alphabet + 1) * words) {
      match = new long[Math.max((alphabet + 1) * words, match.length * 2)];
      masks.set(match);
    }
    Arrays.fill(match, 0, alphabet * words, 0L);
    for (int i = 0; i < m; i++) {
      match[shorter[i] * words + (i >>> 6)] |= 1L << (i & 63);
    }
    if (words == 1) {
      long v = -1L;
      for (int y : longer) {
        long mask = match[y];
        if (mask != 0) {
          long u = v & mask;
          v = (v + u) | (v & ~mask);
        }
      }
      long valid = m == 64 ? -1L : (1L << m) - 1;
      return Long.bitCount(~v & valid);
    }
    long[] v = new long[words];
    Arrays.fill(v, -1L);
    for (int y : longer) {
      int base = y * words;
      long carry = 0;
      for (int w = 0; w < words; w++) {
        long mask = match[base + w];
        long vw = v[w];
        long u = vw & mask;
        long sum = vw + u + carry;
        carry = ((vw & u) | ((vw | u) & ~sum)) >>> 63;
        v[w] = sum | (vw & ~mask);
      }
    }
    int zeros = 0;
    for (int w = 0; w < words; w++) {
      int bits = Math.min(64, m - (w << 6));
      long valid = bits == 64 ? -1L : (1L << bits) - 1;
      zeros += Long.bitCount(~v[w] & valid);
    }
    return zeros;
  }

  /**
   * Indices into {@code ref} of one longest common subsequence, read back from the full DP table
   * exactly as {@code rouge_score._backtrack_norec} does (which LCS is chosen matters for Lsum).
   */
  static int[] lcsIndices(int[] ref, int[] can) {
    int rows = ref.length;
    int cols = can.length;
    int[][] t = new int[rows + 1][cols + 1];
    for (int i = 1; i <= rows; i++) {
      for (int j = 1; j <= cols; j++) {
        t[i][j] =
            ref[i - 1] == can[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      }
    }
    int[] out = new int[t[rows][cols]];
    int k = out.length;
    int i = rows;
    int j = cols;
    while (i > 0 && j > 0) {
      if (ref[i - 1] == can[j - 1]) {
        out[--k] = i - 1;
        i--;
        j--;
      } else if (t[i][j - 1] > t[i - 1][j]) {
        j--;
      } else {
        i--;
      }
    }
    return out;
  }
}
