package io.tunecard.card;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.EvalLossFile;
import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.rundir.GenerationRow;
import io.tunecard.rundir.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The card's view of {@code eval/metrics.json} ({@link EvalMetricsFile}, which reads it and its
 * older forms) and of sample generations.
 */
final class EvalImporter {
  private final RunDirectory run;
  private final EvalMetricsFile metrics;

  EvalImporter(RunDirectory run, EvalMetricsFile metrics) {
    this.run = run;
    this.metrics = metrics;
  }

  EvalFacts read() {
    return read(null);
  }

  /** The evaluation; {@code rougeStemming} from the workflow (null: not recorded). */
  EvalFacts read(Boolean rougeStemming) {
    EvalMetricsFile.Bertscore bert = metrics.bertscore();
    String bertNote = bert != null && bert.notComputed() ? bert.reason() : null;
    Map<String, Map<String, MetricValue>> delta = new LinkedHashMap<>();
    if (metrics.baseVsAdapter() != null) {
      metrics
          .baseVsAdapter()
          .forEach((name, m) -> delta.put(name, metricMap(m, "base_vs_adapter." + name)));
    }
    EvalMetricsFile.Settings s = metrics.settings();
    return new EvalFacts(
        s.split() == null ? "test" : s.split(),
        s.maxNewTokens(),
        false,
        s.nQuestions(),
        s.bootstrapResamples(),
        strategies(metrics.strategies(), "strategies"),
        metrics.base() == null ? List.of() : strategies(metrics.base(), "base"),
        delta,
        evalLoss(metrics.evalLoss()),
        bertNote,
        rougeStemming == null
            ? null
            : new EvalFacts.Definitions(
                rougeStemming,
                bert == null ? null : bert.model(),
                bert == null ? null : bert.layer(),
                bert == null ? null : bert.rescaleWithBaseline()));
  }

  private List<StrategyResult> strategies(Map<String, EvalMetricsFile.Scores> scores, String key) {
    List<StrategyResult> out = new ArrayList<>();
    scores.forEach(
        (name, s) -> {
          String path = key + "." + name;
          try {
            out.add(
                new StrategyResult(
                    name,
                    s.n(),
                    s.hitCap() == null ? null : Math.toIntExact(s.hitCap()),
                    metricMap(s.metrics(), path + ".metrics")));
          } catch (IllegalArgumentException | ArithmeticException ex) {
            throw new BadInputException(
                run.evalMetrics() + ": " + path + ": " + ex.getMessage(), ex);
          }
        });
    return out;
  }

  private Map<String, MetricValue> metricMap(
      Map<String, EvalMetricsFile.Interval> metrics, String path) {
    Map<String, MetricValue> out = new LinkedHashMap<>();
    metrics.forEach(
        (name, v) -> {
          String p = path + "." + name;
          try {
            out.put(name, new MetricValue(v.mean(), v.ciLow(), v.ciHigh(), v.n()));
          } catch (IllegalArgumentException ex) {
            throw new BadInputException(run.evalMetrics() + ": " + p + ": " + ex.getMessage());
          }
        });
    return out;
  }

  private static EvalLoss evalLoss(EvalLossFile loss) {
    if (loss == null) {
      return null;
    }
    return new EvalLoss(
        loss.split() == null ? "validation" : loss.split(),
        loss.rows(),
        loss.batchSize(),
        loss.base() == null ? null : point(loss.base(), "base"),
        loss.checkpoints().stream().map(p -> point(p, p.checkpoint())).toList(),
        loss.best());
  }

  private static EvalLoss.Point point(EvalLossFile.Point p, String name) {
    return new EvalLoss.Point(
        name, p.step(), p.evalLoss(), p.evalLossTokenWeighted(), p.perplexity(), p.tokens());
  }

  /** The first {@code count} generations (by id) of the greedy strategy, else the first one. */
  List<Sample> samples(int count, Integer maxNewTokens, List<StrategyResult> strategies) {
    if (count == 0 || strategies.isEmpty()) {
      return List.of();
    }
    String strategy =
        strategies.stream()
            .map(StrategyResult::name)
            .filter("greedy"::equals)
            .findFirst()
            .orElse(strategies.get(0).name());
    Path file = run.generations(strategy);
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    List<GenerationRow> rows = GenerationRow.readAll(file);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < rows.size() && out.size() < count; i++) {
      GenerationRow r = rows.get(i);
      Integer tokens = r.tokens();
      boolean hitCap =
          r.hitCap() != null
              ? r.hitCap()
              : tokens != null && maxNewTokens != null && tokens >= maxNewTokens;
      out.add(
          new Sample(
              strategy,
              required(r.id(), file, i, "id"),
              required(r.question(), file, i, "question"),
              required(r.reference(), file, i, "reference"),
              required(r.prediction(), file, i, "prediction"),
              tokens,
              hitCap));
    }
    return out;
  }

  private static String required(String value, Path file, int i, String key) {
    if (value == null) {
      throw new BadInputException(file + ":" + (i + 1) + ": key '" + key + "' is required");
    }
    return value;
  }
}
