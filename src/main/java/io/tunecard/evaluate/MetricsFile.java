package io.tunecard.evaluate;

import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.StrategySpec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code eval/metrics.json} ({@link EvalMetricsFile}, which writes it) from the stage's
 * results: settings, the eval losses, BERTScore's status, and per strategy (workflow order) the
 * fine-tune's metrics, the base's and the paired differences.
 */
public final class MetricsFile {
  private MetricsFile() {}

  public static EvalMetricsFile build(
      Evaluation e, EvalLossReport loss, List<StrategyScores> scores) {
    EvalSpec s = e.eval();
    BertScoreSpec b = e.bertscore();
    Map<String, StrategyScores> byName = new HashMap<>();
    scores.forEach(x -> byName.put(x.strategy(), x));
    int questions = scores.isEmpty() ? 0 : scores.get(0).adapter().n();
    String reason = scores.isEmpty() ? "no strategy was scored" : scores.get(0).bertscoreReason();
    EvalMetricsFile.Bertscore bert =
        new EvalMetricsFile.Bertscore(
            reason == null, b.model(), b.layer(), b.rescaleWithBaseline(), b.dtype(), reason);
    Map<String, EvalMetricsFile.Scores> strategies = new LinkedHashMap<>();
    Map<String, EvalMetricsFile.Scores> base = s.compareBase() ? new LinkedHashMap<>() : null;
    Map<String, Map<String, EvalMetricsFile.Interval>> delta =
        s.compareBase() ? new LinkedHashMap<>() : null;
    for (StrategySpec st : s.strategies()) {
      StrategyScores x = byName.get(st.name());
      if (x == null) {
        throw new IllegalStateException("strategy " + st.name() + " was not scored");
      }
      strategies.put(st.name(), x.adapter());
      if (base != null) {
        base.put(st.name(), x.base());
        delta.put(st.name(), x.delta());
      }
    }
    return new EvalMetricsFile(
        new EvalMetricsFile.Settings(
            s.split(),
            questions,
            s.maxNewTokens(),
            s.bootstrapResamples(),
            s.seed(),
            loss.best().map(LossResult::model).orElse(null)),
        loss.toFile(),
        bert,
        strategies,
        base,
        delta);
  }
}
