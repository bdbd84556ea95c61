package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The text metrics tunecard reports for generated answers (full definitions in {@code
 * docs/metrics.md}):
 *
 * <ul>
 *   <li>{@code tokens_len} — tokens generated for the answer, as counted by the generator; where
 *       that count is unknown, the whitespace tokens of {@link WordTokens} (reported as such).
 *   <li>{@code distinct_1}, {@code distinct_2} — per-answer distinct-n of the {@link WordTokens},
 *       averaged over answers ({@link Diversity}).
 *   <li>{@code distinct_1_corpus}, {@code distinct_2_corpus} — distinct-n over all answers
 *       together, Li et al. (2016)'s original definition ({@link CorpusDistinct}).
 *   <li>{@code repetition_r3} — per-answer fraction of 3-gram occurrences that repeat an earlier
 *       3-gram of the same answer, averaged over answers ({@link Diversity}).
 *   <li>{@code rougeL} — ROUGE-L F-measure with {@code rouge_score} semantics ({@link Rouge}), the
 *       prediction scored against the reference, averaged over answers; no stemming unless asked.
 * </ul>
 *
 * Answers are scored in parallel; results do not depend on the number of threads.
 */
public final class TextMetrics {
  /** Every text metric, in the order reports list them ({@link Metric#TEXT}). */
  public static final List<String> ALL = Metric.keys(Metric.TEXT);

  /** The metrics with a value per answer (the others are corpus-level). */
  public static final List<String> PER_ANSWER = Metric.keys(Metric.answerMetrics());

  private final Rouge rouge;

  /** Text metrics with ROUGE stemming off ({@code false}, the default) or on. */
  public TextMetrics(boolean rougeStemming) {
    this.rouge = new Rouge(rougeStemming);
  }

  /** Scores every row; the rows keep their order. */
  public ScoredAnswers score(List<PredictionRow> rows) {
    int n = rows.size();
    int[][] words = wordIds(rows);
    AnswerScores[] scores = new AnswerScores[n];
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              PredictionRow row = rows.get(i);
              int[] w = words[i];
              scores[i] =
                  new AnswerScores(
                      row.id(),
                      rouge.rougeL(row.reference(), row.prediction()),
                      row.tokens() != null ? row.tokens() : w.length,
                      row.tokens() != null,
                      Diversity.distinct(w, 1),
                      Diversity.distinct(w, 2),
                      Diversity.repetition3(w));
            });
    return new ScoredAnswers(new ArrayList<>(List.of(scores)), words);
  }

  /**
   * The word tokens of every prediction as ids shared by all answers (the corpus metrics compare
   * n-grams across answers). Chunks are tokenized in parallel with their own vocabularies, which
   * are then merged in chunk order.
   */
  private static int[][] wordIds(List<PredictionRow> rows) {
    int n = rows.size();
    int chunk = Math.max(256, (n + 63) / 64);
    int chunks = (n + chunk - 1) / chunk;
    int[][] words = new int[n][];
    TokenInterner[] local = new TokenInterner[chunks];
    IntStream.range(0, chunks)
        .parallel()
        .forEach(
            c -> {
              local[c] = new TokenInterner();
              for (int i = c * chunk; i < Math.min(n, (c + 1) * chunk); i++) {
                words[i] = WordTokens.ids(rows.get(i).prediction(), local[c]);
              }
            });
    TokenInterner vocabulary = new TokenInterner();
    int[][] toGlobal = new int[chunks][];
    for (int c = 0; c < chunks; c++) {
      toGlobal[c] = vocabulary.internAll(local[c]);
    }
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              int[] map = toGlobal[i / chunk];
              int[] w = words[i];
              for (int k = 0; k < w.length; k++) {
                w[k] = map[w[k]];
              }
            });
    return words;
  }

  /** Checks metric names; the error lists the known ones. */
  public static List<String> checkNames(List<String> metrics) {
    for (String m : metrics) {
      if (!ALL.contains(m)) {
        throw new IllegalArgumentException(
            "unknown metric '" + m + "'; expected some of " + String.join(", ", ALL));
      }
    }
    return List.copyOf(metrics);
  }
}
