package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.testing.MedQuadSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scoring 15,000 prediction/reference pairs for every text metric, bootstrap intervals included,
 * must take at most 2 s. Pairs are built from MedQuAD: the reference is an answer, the prediction
 * the first 256 words of the next answer (realistic lengths and vocabulary).
 *
 * <pre>mvn -B -Pbench test -Dtest=ScoringBenchmark</pre>
 */
@Tag("bench")
class ScoringBenchmark {
  static final int PAIRS = 15_000;
  static final int PREDICTION_WORDS = 256;

  static List<PredictionRow> rows() {
    List<MedQuadSample.Pair> qa = MedQuadSample.pairs();
    List<PredictionRow> rows = new ArrayList<>(PAIRS);
    for (int i = 0; i < PAIRS; i++) {
      MedQuadSample.Pair reference = qa.get(i % qa.size());
      String next = qa.get((i + 1) % qa.size()).answer();
      String[] words = next.trim().split("\\s+");
      String prediction =
          String.join(" ", Arrays.copyOf(words, Math.min(words.length, PREDICTION_WORDS)));
      rows.add(new PredictionRow("row-" + i, prediction, reference.answer(), null));
    }
    return rows;
  }

  @Test
  void scoresFifteenThousandPairsInTwoSeconds() {
    List<PredictionRow> rows = rows();
    long words = rows.stream().mapToLong(r -> WordTokens.count(r.prediction())).sum();
    long refWords = rows.stream().mapToLong(r -> WordTokens.count(r.reference())).sum();
    System.out.printf(
        "bench: %d pairs, %.1f prediction words and %.1f reference words per pair, %d cores%n",
        rows.size(),
        (double) words / rows.size(),
        (double) refWords / rows.size(),
        Runtime.getRuntime().availableProcessors());
    double[] seconds = new double[4];
    Map<String, Estimate> agg = null;
    for (int run = 0; run < seconds.length; run++) {
      long t0 = System.nanoTime();
      ScoredAnswers scored = new TextMetrics(false).score(rows);
      long t1 = System.nanoTime();
      agg = scored.aggregate(new Bootstrap(42, 1000), TextMetrics.ALL);
      long t2 = System.nanoTime();
      seconds[run] = (t2 - t0) / 1e9;
      System.out.printf(
          "bench: run %d%s: %.3f s (per-answer scores %.3f s, bootstrap of %d metrics x 1000"
              + " resamples %.3f s)%n",
          run + 1,
          run == 0 ? " (cold JVM)" : "",
          seconds[run],
          (t1 - t0) / 1e9,
          agg.size(),
          (t2 - t1) / 1e9);
    }
    agg.forEach(
        (name, e) ->
            System.out.printf(
                "bench: %-18s %.4f [%.4f, %.4f] n=%d%n",
                name, e.mean(), e.ciLow(), e.ciHigh(), e.n()));
    double[] warm = Arrays.copyOfRange(seconds, 1, seconds.length);
    Arrays.sort(warm);
    System.out.printf("bench: median of warm runs %.3f s (limit 2 s)%n", warm[1]);
    assertThat(warm[1]).isLessThanOrEqualTo(2.0);
  }
}
