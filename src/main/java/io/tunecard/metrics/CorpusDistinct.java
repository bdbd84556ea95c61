package io.tunecard.metrics;

import java.util.Arrays;

/**
 * Corpus-level distinct-n, the original definition of Li et al. (2016): the number of distinct
 * n-grams over all answers divided by the number of n-gram occurrences over all answers (0 when
 * there is none). Under the bootstrap, answers are resampled: an answer drawn k times adds its
 * occurrences k times and its n-grams once.
 *
 * <p>Exact and fast on resamples: an n-gram found in a single answer is lost exactly when that
 * answer is not drawn, so those are counted per answer; an n-gram shared by several answers is lost
 * when none of them is drawn, which is checked for 64 resamples at once with bit masks.
 */
public final class CorpusDistinct implements Statistic {
  private final int[] occurrences; // n-gram occurrences of each answer
  private final int distinct;
  private final int[] singles; // n-grams of each answer found in no other answer
  private final int[] sharedStart; // CSR over n-grams found in at least two answers
  private final int[] sharedAnswers;

  /**
   * Corpus distinct-n ({@code n} 1 or 2) of answers given as token ids (equal ids, equal tokens).
   */
  public static CorpusDistinct of(int[][] tokens, int n) {
    if (n != 1 && n != 2) {
      throw new IllegalArgumentException("n: expected 1 or 2, found " + n);
    }
    int answers = tokens.length;
    int[][] grams = new int[answers][];
    int vocabulary;
    if (n == 1) {
      int max = -1;
      int min = 0;
      long total = 0;
      for (int[] t : tokens) {
        total += t.length;
        for (int id : t) {
          max = Math.max(max, id);
          min = Math.min(min, id);
        }
      }
      if (min >= 0 && max <= 2 * total + 1024) {
        grams = tokens;
        vocabulary = max + 1;
      } else {
        // Sparse or negative ids: make them dense first.
        LongIds dense = new LongIds();
        for (int a = 0; a < answers; a++) {
          grams[a] = new int[tokens[a].length];
          for (int i = 0; i < tokens[a].length; i++) {
            grams[a][i] = dense.id(tokens[a][i]);
          }
        }
        vocabulary = dense.size();
      }
    } else {
      LongIds bigrams = new LongIds();
      for (int a = 0; a < answers; a++) {
        int[] t = tokens[a];
        int[] g = new int[Math.max(0, t.length - 1)];
        for (int i = 0; i < g.length; i++) {
          g[i] = bigrams.id(((long) t[i] << 32) | (t[i + 1] & 0xFFFFFFFFL));
        }
        grams[a] = g;
      }
      vocabulary = bigrams.size();
    }
    return new CorpusDistinct(grams, vocabulary);
  }

  private CorpusDistinct(int[][] grams, int vocabulary) {
    int answers = grams.length;
    occurrences = new int[answers];
    int[] documentFrequency = new int[vocabulary];
    int[] lastAnswer = new int[vocabulary];
    int[] firstAnswer = new int[vocabulary];
    Arrays.fill(lastAnswer, -1);
    for (int a = 0; a < answers; a++) {
      occurrences[a] = grams[a].length;
      for (int g : grams[a]) {
        if (lastAnswer[g] != a) {
          if (lastAnswer[g] < 0) {
            firstAnswer[g] = a;
          }
          lastAnswer[g] = a;
          documentFrequency[g]++;
        }
      }
    }
    singles = new int[answers];
    int[] sharedIndex = new int[vocabulary];
    int shared = 0;
    int seen = 0;
    for (int g = 0; g < vocabulary; g++) {
      if (documentFrequency[g] == 1) {
        singles[firstAnswer[g]]++;
      }
      if (documentFrequency[g] > 0) {
        seen++;
      }
      sharedIndex[g] = documentFrequency[g] >= 2 ? shared++ : -1;
    }
    distinct = seen;
    sharedStart = new int[shared + 1];
    for (int g = 0; g < vocabulary; g++) {
      if (sharedIndex[g] >= 0) {
        sharedStart[sharedIndex[g] + 1] = documentFrequency[g];
      }
    }
    for (int s = 0; s < shared; s++) {
      sharedStart[s + 1] += sharedStart[s];
    }
    sharedAnswers = new int[sharedStart[shared]];
    int[] fill = Arrays.copyOf(sharedStart, shared);
    Arrays.fill(lastAnswer, -1);
    for (int a = 0; a < answers; a++) {
      for (int g : grams[a]) {
        int s = sharedIndex[g];
        if (s >= 0 && lastAnswer[g] != a) {
          lastAnswer[g] = a;
          sharedAnswers[fill[s]++] = a;
        }
      }
    }
  }

  /** The number of distinct n-grams over all answers. */
  public int distinctNgrams() {
    return distinct;
  }

  @Override
  public boolean biasCorrected() {
    return true;
  }

  @Override
  public double full() {
    long total = 0;
    for (int o : occurrences) {
      total += o;
    }
    return total == 0 ? 0.0 : (double) distinct / total;
  }

  @Override
  public void resampled(ResampleBlock block, double[] out) {
    if (block.n() != occurrences.length) {
      throw new IllegalArgumentException(
          "resample of " + block.n() + " answers for a corpus of " + occurrences.length);
    }
    long all = block.allBits();
    long[] missing = new long[ResampleBlock.MAX_SIZE];
    for (int a = 0; a < singles.length; a++) {
      if (singles[a] > 0) {
        for (long bits = ~block.drawn(a) & all; bits != 0; bits &= bits - 1) {
          missing[Long.numberOfTrailingZeros(bits)] += singles[a];
        }
      }
    }
    for (int s = 0; s + 1 < sharedStart.length; s++) {
      long present = 0;
      for (int i = sharedStart[s]; i < sharedStart[s + 1] && present != all; i++) {
        present |= block.drawn(sharedAnswers[i]);
      }
      for (long bits = ~present & all; bits != 0; bits &= bits - 1) {
        missing[Long.numberOfTrailingZeros(bits)]++;
      }
    }
    for (int b = 0; b < block.size(); b++) {
      int[] counts = block.counts(b);
      long total = 0;
      for (int a = 0; a < counts.length; a++) {
        total += (long) counts[a] * occurrences[a];
      }
      out[b] = total == 0 ? 0.0 : (double) (distinct - missing[b]) / total;
    }
  }
}
