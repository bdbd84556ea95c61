package io.tunecard.evaluate;

import io.tunecard.metrics.Bootstrap;
import io.tunecard.metrics.Estimate;
import io.tunecard.metrics.Metric;
import io.tunecard.metrics.ScoredAnswers;
import io.tunecard.metrics.TextMetrics;
import io.tunecard.rundir.EvalMetricsFile;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores one strategy: every text metric ({@link TextMetrics}) and, when an encoder is available,
 * {@code bertscore_f1}, each with its 95 % bootstrap interval over answers; the same for the base
 * model's answers to the same questions; and the paired bootstrap of fine-tune − base. Every
 * interval of one call uses the same resamples (one seed).
 */
public final class StrategyScorer {
  /**
   * Per-answer BERTScore F1 of one model's answers under one strategy ({@code rows} sorted by id):
   * the JVM's {@link BertScorer}, or the values the hf engine's worker computed.
   */
  @FunctionalInterface
  public interface BertF1 {
    double[] of(String model, String strategy, List<GeneratedAnswer> rows);

    /** The JVM's scorer: predictions against references, in the order of {@code rows}. */
    static BertF1 of(BertScorer scorer) {
      return (model, strategy, rows) ->
          scorer.f1(
              rows.stream().map(GeneratedAnswer::prediction).toList(),
              rows.stream().map(GeneratedAnswer::reference).toList());
    }
  }

  private final TextMetrics text;
  private final Bootstrap bootstrap;
  private final BertF1 bert;
  private final String bertReason;

  /** {@code bert} null: BERTScore is not computed, for {@code bertReason}. */
  public StrategyScorer(Evaluation e, BertF1 bert, String bertReason) {
    this.text = new TextMetrics(e.eval().rougeStemming());
    this.bootstrap = new Bootstrap(e.eval().seed(), e.eval().bootstrapResamples());
    this.bert = bert;
    this.bertReason = bert == null ? bertReason : null;
  }

  /** The scores of {@code adapter}'s answers and, when not null, {@code base}'s. */
  public StrategyScores score(
      String strategy, List<GeneratedAnswer> adapter, List<GeneratedAnswer> base) {
    List<GeneratedAnswer> a = byId(adapter);
    ScoredAnswers scoredA = text.score(a.stream().map(GeneratedAnswer::toPredictionRow).toList());
    double[] bertA = bert == null ? null : bert.of(QuestionBatch.ADAPTER, strategy, a);
    EvalMetricsFile.Scores adapterScores = section(a, scoredA, bertA);
    if (base == null) {
      return new StrategyScores(strategy, adapterScores, null, null, bertReason);
    }
    List<GeneratedAnswer> b = byId(base);
    List<String> ids = a.stream().map(GeneratedAnswer::id).toList();
    if (!ids.equals(b.stream().map(GeneratedAnswer::id).toList())) {
      throw new IllegalStateException(
          strategy + ": the base and the fine-tune answered different questions");
    }
    ScoredAnswers scoredB = text.score(b.stream().map(GeneratedAnswer::toPredictionRow).toList());
    double[] bertB = bert == null ? null : bert.of(QuestionBatch.BASE, strategy, b);
    Map<String, Estimate> delta =
        new LinkedHashMap<>(scoredA.minus(scoredB, bootstrap, TextMetrics.ALL));
    if (bert != null) {
      delta.put(Metric.BERTSCORE_F1.key(), bootstrap.pairedMeanDifference(bertA, bertB));
    }
    return new StrategyScores(
        strategy, adapterScores, section(b, scoredB, bertB), estimates(delta), bertReason);
  }

  private EvalMetricsFile.Scores section(
      List<GeneratedAnswer> rows, ScoredAnswers scored, double[] bertF1) {
    Map<String, Estimate> metrics =
        new LinkedHashMap<>(scored.aggregate(bootstrap, TextMetrics.ALL));
    if (bertF1 != null) {
      metrics.put(Metric.BERTSCORE_F1.key(), bootstrap.mean(bertF1));
    }
    return new EvalMetricsFile.Scores(
        rows.size(), rows.stream().filter(GeneratedAnswer::hitCap).count(), estimates(metrics));
  }

  static Map<String, EvalMetricsFile.Interval> estimates(Map<String, Estimate> metrics) {
    Map<String, EvalMetricsFile.Interval> out = new LinkedHashMap<>();
    metrics.forEach(
        (name, e) ->
            out.put(name, new EvalMetricsFile.Interval(e.mean(), e.ciLow(), e.ciHigh(), e.n())));
    return out;
  }

  static List<GeneratedAnswer> byId(List<GeneratedAnswer> rows) {
    return rows.stream().sorted(Comparator.comparing(GeneratedAnswer::id)).toList();
  }
}
