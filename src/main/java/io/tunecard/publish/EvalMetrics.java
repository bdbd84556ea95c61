package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.metrics.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures a gate can test, read from {@code eval/metrics.json}: {@code eval_loss} and {@code
 * perplexity} are the best checkpoint's (from its {@code eval_loss} section; {@code eval_loss} as
 * transformers' Trainer computes it, files from before both definitions were reported give {@code
 * loss}); every other metric is a generation metric's {@code mean} under one strategy.
 */
public final class EvalMetrics {
  private final Path file;
  private final JsonNode root;

  private EvalMetrics(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  public static EvalMetrics read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": not found; run the evaluate stage first");
    }
    try {
      JsonNode root = Jsonl.readTree(file);
      if (!root.isObject()) {
        throw new BadInputException(file + ": expected a JSON object");
      }
      return new EvalMetrics(file, root);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** The checkpoint the evaluation chose ({@code best_checkpoint}, else {@code eval_loss.best}). */
  public String bestCheckpoint() {
    String best = root.path("best_checkpoint").asText("");
    if (best.isEmpty()) {
      best = root.path("eval_loss").path("best").asText("");
    }
    if (best.isEmpty()) {
      throw new BadInputException(file + ": best_checkpoint: missing (expected e.g. \"step-150\")");
    }
    return best;
  }

  public static boolean isLossMetric(String metric) {
    return Metric.find(metric).map(m -> m.scope() == Metric.Scope.CHECKPOINT).orElse(false);
  }

  /** Whether a smaller value is better ({@link Metric#lowerIsBetter}); a larger one otherwise. */
  public static boolean lowerIsBetter(String metric) {
    return Metric.lowerIsBetter(metric);
  }

  /** A metric's value, or why there is none. */
  public record Lookup(Double value, String missing) {}

  /** The value of {@code metric}; {@code strategy} matters only for generation metrics. */
  public Lookup value(String metric, String strategy) {
    if (isLossMetric(metric)) {
      String best = bestCheckpoint();
      for (JsonNode c : root.path("eval_loss").path("checkpoints")) {
        if (best.equals(c.path("checkpoint").asText())) {
          JsonNode loss = c.path("eval_loss").isNumber() ? c.path("eval_loss") : c.path("loss");
          if (metric.equals("perplexity")) {
            JsonNode ppl = c.path("perplexity");
            if (ppl.isNumber()) {
              return new Lookup(ppl.asDouble(), null);
            }
            return loss.isNumber()
                ? new Lookup(Math.exp(loss.asDouble()), null)
                : new Lookup(null, "no loss for " + best + " in " + file.getFileName());
          }
          return loss.isNumber()
              ? new Lookup(loss.asDouble(), null)
              : new Lookup(null, "no loss for " + best + " in " + file.getFileName());
        }
      }
      return new Lookup(null, "eval_loss.checkpoints in " + file + " has no entry for " + best);
    }
    JsonNode strategies = root.path("strategies");
    if (!strategies.has(strategy)) {
      return new Lookup(
          null, file + " has no strategy '" + strategy + "' (it has " + names(strategies) + ")");
    }
    JsonNode metrics = strategies.path(strategy).path("metrics");
    JsonNode mean = metrics.path(metric).path("mean");
    if (!mean.isNumber()) {
      return new Lookup(
          null,
          file
              + " has no metric '"
              + metric
              + "' for strategy '"
              + strategy
              + "' (it has "
              + names(metrics)
              + ")");
    }
    return new Lookup(mean.asDouble(), null);
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
