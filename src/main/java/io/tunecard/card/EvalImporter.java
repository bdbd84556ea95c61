package io.tunecard.card;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code eval/metrics.json}, {@code eval/eval_loss.json} and sample generations. */
final class EvalImporter {
  private final RunDirectory run;
  private final JsonNode metrics;
  private final Json j;

  EvalImporter(RunDirectory run, JsonNode metrics) {
    this.run = run;
    this.metrics = metrics;
    this.j = new Json(run.evalMetrics(), metrics);
  }

  EvalFacts read() {
    return read(null);
  }

  /** The evaluation; {@code rougeStemming} from the workflow (null: not recorded). */
  EvalFacts read(Boolean rougeStemming) {
    JsonNode bert = metrics.path("bertscore");
    String bertNote =
        bert.isObject() && Boolean.FALSE.equals(j.bool(bert, "bertscore.computed"))
            ? j.text(bert, "bertscore.reason")
            : null;
    Map<String, Map<String, MetricValue>> delta = new LinkedHashMap<>();
    metrics
        .path("base_vs_adapter")
        .fields()
        .forEachRemaining(
            e -> delta.put(e.getKey(), metricMap(e.getValue(), "base_vs_adapter." + e.getKey())));
    return new EvalFacts(
        j.textOr(metrics, "split", "test"),
        j.integer(metrics, "max_new_tokens"),
        false,
        j.integer(metrics, "n_questions"),
        j.integer(metrics, "bootstrap_resamples"),
        strategies(metrics.path("strategies"), "strategies"),
        strategies(metrics.path("base"), "base"),
        delta,
        evalLoss(),
        bertNote,
        rougeStemming == null
            ? null
            : new EvalFacts.Definitions(
                rougeStemming,
                j.text(bert, "bertscore.model"),
                j.integer(bert, "bertscore.layer"),
                j.bool(bert, "bertscore.rescale_with_baseline")));
  }

  private List<StrategyResult> strategies(JsonNode node, String key) {
    List<StrategyResult> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      var e = it.next();
      String path = key + "." + e.getKey();
      JsonNode s = e.getValue();
      try {
        out.add(
            new StrategyResult(
                e.getKey(),
                j.integer(s, path + ".n"),
                j.integer(s, path + ".hit_cap"),
                metricMap(s.path("metrics"), path + ".metrics")));
      } catch (IllegalArgumentException ex) {
        throw new BadInputException(run.evalMetrics() + ": " + path + ": " + ex.getMessage(), ex);
      }
    }
    return out;
  }

  private Map<String, MetricValue> metricMap(JsonNode node, String path) {
    Map<String, MetricValue> out = new LinkedHashMap<>();
    node.fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              String p = path + "." + e.getKey();
              Double mean = j.number(v, p + ".mean");
              if (mean == null) {
                throw new BadInputException(
                    run.evalMetrics() + ": key '" + p + ".mean' is required");
              }
              try {
                out.put(
                    e.getKey(),
                    new MetricValue(
                        mean,
                        j.number(v, p + ".ci_low"),
                        j.number(v, p + ".ci_high"),
                        j.integer(v, p + ".n")));
              } catch (IllegalArgumentException ex) {
                throw new BadInputException(run.evalMetrics() + ": " + p + ": " + ex.getMessage());
              }
            });
    return out;
  }

  private EvalLoss evalLoss() {
    JsonNode node = metrics.path("eval_loss");
    Path file = run.eval().resolve("eval_loss.json");
    Json source = j;
    if (!node.isObject() && Files.isRegularFile(file)) {
      node = RunDirectoryImporter.tree(file);
      source = new Json(file, node);
    }
    if (!node.isObject()) {
      return null;
    }
    List<EvalLoss.Point> points = new ArrayList<>();
    for (JsonNode c : node.path("checkpoints")) {
      points.add(point(source, c, source.text(c, "checkpoint")));
    }
    JsonNode base = node.path("base");
    return new EvalLoss(
        source.textOr(node, "split", "validation"),
        source.integer(node, "rows"),
        source.integer(node, "batch_size"),
        base.isObject() ? point(source, base, "base") : null,
        points,
        source.text(node, "best"));
  }

  /** A point: {@code eval_loss} (files before both definitions: {@code loss}). */
  private static EvalLoss.Point point(Json source, JsonNode n, String name) {
    Double loss = source.number(n, "eval_loss." + name + ".eval_loss");
    if (loss == null) {
      loss = source.number(n, "eval_loss." + name + ".loss");
    }
    if (loss == null) {
      throw new BadInputException("eval_loss." + name + ": key 'eval_loss' is required");
    }
    return new EvalLoss.Point(
        name,
        source.longValue(n, "step"),
        loss,
        source.number(n, "eval_loss." + name + ".eval_loss_token_weighted"),
        source.number(n, "perplexity"),
        source.longValue(n, "tokens"));
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
    List<JsonNode> rows;
    try {
      rows = Jsonl.readAll(file);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    Json g = new Json(file, null);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < rows.size() && out.size() < count; i++) {
      JsonNode r = rows.get(i);
      String where = "line " + (i + 1);
      Integer tokens = g.integer(r, where + ".tokens");
      Boolean hit = g.bool(r, where + ".hit_cap");
      boolean hitCap =
          hit != null ? hit : tokens != null && maxNewTokens != null && tokens >= maxNewTokens;
      out.add(
          new Sample(
              strategy,
              required(g, r, file, i, "id"),
              required(g, r, file, i, "question"),
              required(g, r, file, i, "reference"),
              required(g, r, file, i, "prediction"),
              tokens,
              hitCap));
    }
    return out;
  }

  private static String required(Json g, JsonNode r, Path file, int i, String key) {
    String s = g.text(r, key);
    if (s == null) {
      throw new BadInputException(file + ":" + (i + 1) + ": key '" + key + "' is required");
    }
    return s;
  }
}
