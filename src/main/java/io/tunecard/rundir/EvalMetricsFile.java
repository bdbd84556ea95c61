package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code eval/metrics.json} in the shape docs/run-directory.md gives: the evaluation's settings,
 * the eval losses, BERTScore's status, and per strategy (the workflow's order) the fine-tune's
 * metrics, the base's and the paired differences. The one place the file is read ({@link #read})
 * and written ({@link #write}); every other class uses the typed accessors.
 *
 * <p>Keys the files of older versions lack read as null (and are left out again when written).
 * Older files are normalised once, here: a file without {@code best_checkpoint} takes {@code
 * eval_loss.best}; one without an {@code eval_loss} section takes {@code eval_loss.json} beside it
 * when there is one; a loss point with only {@code loss} reads it as {@code eval_loss} ({@link
 * EvalLossFile}).
 *
 * @param settings what was evaluated and how
 * @param evalLoss the eval losses ({@code eval_loss.json}'s content); null when not recorded
 * @param bertscore BERTScore's encoder and whether it was computed; null when not recorded
 * @param strategies the fine-tune's scores by strategy name, in the file's order
 * @param base the base model's scores by strategy; null without {@code eval.compare_base}
 * @param baseVsAdapter per strategy, per metric, the paired fine-tune − base difference; null
 *     without {@code eval.compare_base}
 */
public record EvalMetricsFile(
    Settings settings,
    EvalLossFile evalLoss,
    Bertscore bertscore,
    Map<String, Scores> strategies,
    Map<String, Scores> base,
    Map<String, Map<String, Interval>> baseVsAdapter)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public EvalMetricsFile {
    strategies = ordered(strategies);
    base = base == null ? null : ordered(base);
    if (baseVsAdapter != null) {
      Map<String, Map<String, Interval>> copy = new LinkedHashMap<>();
      baseVsAdapter.forEach((k, v) -> copy.put(k, ordered(v)));
      baseVsAdapter = Collections.unmodifiableMap(copy);
    }
  }

  /**
   * The top-level settings.
   *
   * @param split the split the answers were generated for
   * @param nQuestions the questions answered under every strategy
   * @param maxNewTokens the generation cap
   * @param bootstrapResamples resamples behind each 95 % CI
   * @param seed the evaluation seed
   * @param bestCheckpoint the checkpoint that answered (lowest eval_loss); null when there is none
   *     (written as null)
   */
  public record Settings(
      String split,
      Integer nQuestions,
      Integer maxNewTokens,
      Integer bootstrapResamples,
      Long seed,
      String bestCheckpoint)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * BERTScore's settings and status.
   *
   * @param computed whether {@code bertscore_f1} is among the metrics; null when not recorded
   * @param reason why it was not computed; null when it was
   */
  public record Bertscore(
      Boolean computed,
      String model,
      Integer layer,
      Boolean rescaleWithBaseline,
      String dtype,
      String reason)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Computed is recorded as false. */
    public boolean notComputed() {
      return Boolean.FALSE.equals(computed);
    }
  }

  /**
   * One model's scores under one strategy.
   *
   * @param n answers scored
   * @param hitCap answers that stopped at the generation cap
   * @param metrics metric name to estimate, in the file's order
   */
  public record Scores(Integer n, Long hitCap, Map<String, Interval> metrics)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Scores {
      metrics = ordered(metrics);
    }

    /** The estimate of {@code metric}, or null. */
    public Interval metric(String metric) {
      return metrics.get(metric);
    }
  }

  /**
   * A metric's value with its 95 % bootstrap interval: {@code {"mean", "ci_low", "ci_high", "n"}}.
   *
   * @param mean the per-answer mean (the corpus value for {@code *_corpus} metrics)
   * @param ciLow lower end of the interval; null when not recorded
   * @param ciHigh upper end of the interval; null when not recorded
   * @param n answers behind the value; null when not recorded
   */
  public record Interval(double mean, Double ciLow, Double ciHigh, Integer n)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** The best checkpoint's loss point, or null. */
  public EvalLossFile.Point bestLoss() {
    String best = settings.bestCheckpoint();
    return evalLoss == null || best == null ? null : evalLoss.checkpoint(best);
  }

  /** The base's scores under {@code strategy}, or null. */
  public Scores baseFor(String strategy) {
    return base == null ? null : base.get(strategy);
  }

  /** The fine-tune − base difference of {@code metric} under {@code strategy}, or null. */
  public Interval delta(String strategy, String metric) {
    if (baseVsAdapter == null || !baseVsAdapter.containsKey(strategy)) {
      return null;
    }
    return baseVsAdapter.get(strategy).get(metric);
  }

  // ---- reading

  /**
   * Reads a {@code metrics.json}. A missing file, bad JSON, or a key of the wrong type is bad input
   * (exit 2) naming the file and the key.
   */
  public static EvalMetricsFile read(Path file) {
    JsonFields f = new JsonFields(file);
    JsonNode root = JsonFields.readObject(file);
    JsonNode lossNode = f.object(root, "eval_loss", "eval_loss");
    EvalLossFile loss = null;
    if (lossNode != null) {
      loss = EvalLossFile.fromTree(f, lossNode, "eval_loss.");
    } else {
      Path beside = file.resolveSibling("eval_loss.json");
      if (Files.isRegularFile(beside)) {
        loss = EvalLossFile.read(beside);
      }
    }
    String best = f.text(root, "best_checkpoint", "best_checkpoint");
    if ((best == null || best.isEmpty()) && loss != null) {
      best = loss.best();
    }
    Settings settings =
        new Settings(
            f.text(root, "split", "split"),
            f.integer(root, "n_questions", "n_questions"),
            f.integer(root, "max_new_tokens", "max_new_tokens"),
            f.integer(root, "bootstrap_resamples", "bootstrap_resamples"),
            f.longValue(root, "seed", "seed"),
            best == null || best.isEmpty() ? null : best);
    JsonNode bert = f.object(root, "bertscore", "bertscore");
    Bertscore bertscore =
        bert == null
            ? null
            : new Bertscore(
                f.bool(bert, "computed", "bertscore.computed"),
                f.text(bert, "model", "bertscore.model"),
                f.integer(bert, "layer", "bertscore.layer"),
                f.bool(bert, "rescale_with_baseline", "bertscore.rescale_with_baseline"),
                f.text(bert, "dtype", "bertscore.dtype"),
                f.text(bert, "reason", "bertscore.reason"));
    JsonNode strategies = f.object(root, "strategies", "strategies");
    JsonNode base = f.object(root, "base", "base");
    JsonNode delta = f.object(root, "base_vs_adapter", "base_vs_adapter");
    Map<String, Map<String, Interval>> deltas = null;
    if (delta != null) {
      deltas = new LinkedHashMap<>();
      for (var e : fields(delta)) {
        String path = "base_vs_adapter." + e.getKey();
        deltas.put(e.getKey(), intervals(f, f.object(delta, e.getKey(), path), path));
      }
    }
    return new EvalMetricsFile(
        settings,
        loss,
        bertscore,
        strategies == null ? Map.of() : scores(f, strategies, "strategies"),
        base == null ? null : scores(f, base, "base"),
        deltas);
  }

  private static Map<String, Scores> scores(JsonFields f, JsonNode node, String key) {
    Map<String, Scores> out = new LinkedHashMap<>();
    for (var e : fields(node)) {
      String path = key + "." + e.getKey();
      JsonNode s = f.object(node, e.getKey(), path);
      if (s == null) {
        throw f.bad("key '" + path + "': expected an object, found null");
      }
      out.put(
          e.getKey(),
          new Scores(
              f.integer(s, "n", path + ".n"),
              f.longValue(s, "hit_cap", path + ".hit_cap"),
              intervals(f, f.object(s, "metrics", path + ".metrics"), path + ".metrics")));
    }
    return out;
  }

  private static Map<String, Interval> intervals(JsonFields f, JsonNode node, String path) {
    Map<String, Interval> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    for (var e : fields(node)) {
      String p = path + "." + e.getKey();
      JsonNode v = f.object(node, e.getKey(), p);
      Double mean = v == null ? null : f.number(v, "mean", p + ".mean");
      if (mean == null) {
        throw f.bad("key '" + p + ".mean' is required");
      }
      out.put(
          e.getKey(),
          new Interval(
              mean,
              f.number(v, "ci_low", p + ".ci_low"),
              f.number(v, "ci_high", p + ".ci_high"),
              f.integer(v, "n", p + ".n")));
    }
    return out;
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  // ---- writing

  /** Writes the file atomically (temp-then-rename), in the format {@link #toTree} gives. */
  public void write(Path file) {
    JsonFields.write(file, toTree());
  }

  /**
   * The file's JSON, keys in the documented order: {@code split, n_questions, max_new_tokens,
   * bootstrap_resamples, seed, best_checkpoint} (null when there is none), {@code eval_loss},
   * {@code bertscore} ({@code reason} only when not computed), {@code strategies}, then {@code
   * base} and {@code base_vs_adapter} when the base was scored. Other keys that are null are left
   * out.
   */
  public ObjectNode toTree() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    JsonFields.put(o, "split", settings.split());
    JsonFields.put(o, "n_questions", settings.nQuestions());
    JsonFields.put(o, "max_new_tokens", settings.maxNewTokens());
    JsonFields.put(o, "bootstrap_resamples", settings.bootstrapResamples());
    JsonFields.put(o, "seed", settings.seed());
    JsonFields.putOrNull(o, "best_checkpoint", settings.bestCheckpoint());
    if (evalLoss != null) {
      o.set("eval_loss", evalLoss.toTree());
    }
    if (bertscore != null) {
      ObjectNode b = o.putObject("bertscore");
      JsonFields.put(b, "computed", bertscore.computed());
      JsonFields.put(b, "model", bertscore.model());
      JsonFields.put(b, "layer", bertscore.layer());
      JsonFields.put(b, "rescale_with_baseline", bertscore.rescaleWithBaseline());
      JsonFields.put(b, "dtype", bertscore.dtype());
      JsonFields.put(b, "reason", bertscore.reason());
    }
    o.set("strategies", scoresTree(strategies));
    if (base != null) {
      o.set("base", scoresTree(base));
    }
    if (baseVsAdapter != null) {
      ObjectNode d = o.putObject("base_vs_adapter");
      baseVsAdapter.forEach((name, metrics) -> d.set(name, intervalsTree(metrics)));
    }
    return o;
  }

  private static ObjectNode scoresTree(Map<String, Scores> scores) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    scores.forEach(
        (name, s) -> {
          ObjectNode x = o.putObject(name);
          JsonFields.put(x, "n", s.n());
          JsonFields.put(x, "hit_cap", s.hitCap());
          x.set("metrics", intervalsTree(s.metrics()));
        });
    return o;
  }

  private static ObjectNode intervalsTree(Map<String, Interval> metrics) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    metrics.forEach(
        (name, v) -> {
          ObjectNode m = o.putObject(name);
          m.put("mean", v.mean());
          JsonFields.put(m, "ci_low", v.ciLow());
          JsonFields.put(m, "ci_high", v.ciHigh());
          JsonFields.put(m, "n", v.n());
        });
    return o;
  }

  private static <V> Map<String, V> ordered(Map<String, V> m) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }
}
