package io.tunecard.publish;

import io.tunecard.files.BadInputException;
import io.tunecard.metrics.Metric;
import io.tunecard.rundir.EvalLossFile;
import io.tunecard.rundir.EvalMetricsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The figures a gate can test, from {@code eval/metrics.json} ({@link EvalMetricsFile}): {@code
 * eval_loss} and {@code perplexity} are the best checkpoint's (from its {@code eval_loss} section;
 * {@code eval_loss} as transformers' Trainer computes it; the perplexity as recorded, else {@code
 * exp(eval_loss)}); every other metric is a generation metric's {@code mean} under one strategy.
 */
public final class EvalMetrics {
  private final Path file;
  private final EvalMetricsFile metrics;

  private EvalMetrics(Path file, EvalMetricsFile metrics) {
    this.file = file;
    this.metrics = metrics;
  }

  public static EvalMetrics read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": not found; run the evaluate stage first");
    }
    return new EvalMetrics(file, EvalMetricsFile.read(file));
  }

  public Path file() {
    return file;
  }

  /** The checkpoint the evaluation chose ({@code best_checkpoint}, else {@code eval_loss.best}). */
  public String bestCheckpoint() {
    String best = metrics.settings().bestCheckpoint();
    if (best == null) {
      throw new BadInputException(file + ": best_checkpoint: missing (expected e.g. \"step-150\")");
    }
    return best;
  }

  public static boolean isLossMetric(String metric) {
    return Metric.find(metric).map(m -> m.scope() == Metric.Scope.CHECKPOINT).orElse(false);
  }

  /** A metric's value, or why there is none. */
  public record Lookup(Double value, String missing) {}

  /** The value of {@code metric}; {@code strategy} matters only for generation metrics. */
  public Lookup value(String metric, String strategy) {
    if (isLossMetric(metric)) {
      String best = bestCheckpoint();
      EvalLossFile.Point p =
          metrics.evalLoss() == null ? null : metrics.evalLoss().checkpoint(best);
      if (p == null) {
        return new Lookup(null, "eval_loss.checkpoints in " + file + " has no entry for " + best);
      }
      return new Lookup(metric.equals("perplexity") ? p.perplexityOrExp() : p.evalLoss(), null);
    }
    EvalMetricsFile.Scores scores = metrics.strategies().get(strategy);
    if (scores == null) {
      return new Lookup(
          null,
          file
              + " has no strategy '"
              + strategy
              + "' (it has "
              + List.copyOf(metrics.strategies().keySet())
              + ")");
    }
    EvalMetricsFile.Interval v = scores.metric(metric);
    if (v == null) {
      return new Lookup(
          null,
          file
              + " has no metric '"
              + metric
              + "' for strategy '"
              + strategy
              + "' (it has "
              + List.copyOf(scores.metrics().keySet())
              + ")");
    }
    return new Lookup(v.mean(), null);
  }
}
