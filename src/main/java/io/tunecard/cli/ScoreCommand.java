package io.tunecard.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.metrics.AnswerScores;
import io.tunecard.metrics.Bootstrap;
import io.tunecard.metrics.Estimate;
import io.tunecard.metrics.Metric;
import io.tunecard.metrics.PredictionRow;
import io.tunecard.metrics.PredictionsFile;
import io.tunecard.metrics.ScoredAnswers;
import io.tunecard.metrics.TextMetrics;
import io.tunecard.workflow.EvalSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunecard score}: text metrics with bootstrap intervals for any JSONL of answers. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = {
      "Score a JSONL of {\"id\",\"prediction\",\"reference\"} rows with every text metric.",
      "Optional \"tokens\" per row; prints the mean, 95%% bootstrap CI and n of each metric.",
      "Definitions: docs/metrics.md."
    })
final class ScoreCommand implements Callable<Integer> {
  static final int MIN_RESAMPLES = EvalSpec.MIN_RESAMPLES;

  @Option(
      names = "--predictions",
      required = true,
      paramLabel = "FILE.jsonl",
      description = "Rows to score; other keys (question, hit_cap, ...) are ignored.")
  Path predictions;

  @Option(
      names = "--metrics",
      split = ",",
      paramLabel = "NAME",
      description = "Metrics to report (default: every text metric, as listed in docs/metrics.md).")
  List<String> metrics;

  @Option(names = "--per-row", description = "Also write each row's scores under \"rows\".")
  boolean perRow;

  @Option(names = "--stemmer", description = "Porter-stem tokens for ROUGE (off by default).")
  boolean stemmer;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "S",
      description = "Bootstrap seed (default 42).")
  long seed;

  @Option(
      names = "--resamples",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Bootstrap resamples, 1000 to 1000000 (default 1000).")
  int resamples;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE.json",
      description = "Where to write the scores (written atomically).")
  Path out;

  @Option(names = "--verbose", description = "Show stack traces on errors.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    List<String> names;
    try {
      names = metrics == null ? TextMetrics.ALL : TextMetrics.checkNames(metrics);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--metrics: " + e.getMessage());
    }
    if (resamples < MIN_RESAMPLES) {
      throw new BadInputException(
          "--resamples: expected at least " + MIN_RESAMPLES + ", found " + resamples);
    }
    if (resamples > EvalSpec.MAX_RESAMPLES) {
      throw new BadInputException(
          "--resamples: expected at most "
              + EvalSpec.MAX_RESAMPLES
              + ", found "
              + resamples
              + ": "
              + EvalSpec.RESAMPLES_WHY);
    }
    List<PredictionRow> rows = PredictionsFile.read(predictions);
    ScoredAnswers scored = new TextMetrics(stemmer).score(rows);
    Bootstrap bootstrap = new Bootstrap(seed, resamples);
    Map<String, Estimate> aggregate = scored.aggregate(bootstrap, names);

    ObjectNode root = Jsonl.MAPPER.createObjectNode();
    root.put("predictions", predictions.toString());
    root.put("n", scored.size());
    root.put("seed", seed);
    root.put("bootstrap_resamples", resamples);
    root.put("rouge_stemming", stemmer);
    int counted = scored.tokensCountedFromWhitespace();
    if (names.contains(Metric.TOKENS_LEN.key())) {
      ObjectNode source = root.putObject("tokens_len_source");
      source.put("generator", scored.size() - counted);
      source.put("whitespace", counted);
    }
    ObjectNode agg = root.putObject("aggregate");
    aggregate.forEach(
        (name, e) -> {
          ObjectNode m = agg.putObject(name);
          m.put("mean", e.mean());
          m.put("ci_low", e.ciLow());
          m.put("ci_high", e.ciHigh());
          m.put("n", e.n());
        });
    if (perRow) {
      ArrayNode list = root.putArray("rows");
      for (AnswerScores a : scored.answers()) {
        list.add(row(a, names));
      }
    }
    AtomicFiles.writeString(out, Jsonl.pretty(root));
    report(aggregate, counted, scored.size());
    return Main.OK;
  }

  private static ObjectNode row(AnswerScores a, List<String> names) {
    ObjectNode r = Jsonl.MAPPER.createObjectNode();
    r.put("id", a.id());
    for (String name : names) {
      if (name.equals(Metric.ROUGE_L.key())) {
        ObjectNode rouge = r.putObject(name);
        rouge.put("precision", a.rougeL().precision());
        rouge.put("recall", a.rougeL().recall());
        rouge.put("f", a.rougeL().f());
      } else if (name.equals(Metric.TOKENS_LEN.key())) {
        r.put(name, a.tokensLen());
      } else if (TextMetrics.PER_ANSWER.contains(name)) {
        r.put(name, a.value(name));
      }
    }
    return r;
  }

  private void report(Map<String, Estimate> aggregate, int counted, int n) {
    PrintWriter w = spec.commandLine().getOut();
    aggregate.forEach(
        (name, e) ->
            w.printf(
                "%-18s %10.4f  95%% CI [%.4f, %.4f]  n=%d%n",
                name, e.mean(), e.ciLow(), e.ciHigh(), e.n()));
    if (aggregate.containsKey(Metric.TOKENS_LEN.key()) && counted > 0) {
      w.printf(
          "tokens_len: %d of %d rows have no \"tokens\" field; counted whitespace tokens instead%n",
          counted, n);
    }
    w.printf("wrote %s%n", out);
    w.flush();
  }
}
