package io.tunecard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.evaluate.EvaluationStage;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.HubInputs;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard evaluate}: the evaluation stage on an existing run (dataset, base, checkpoints).
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = {
      "Evaluate an existing run's checkpoints and write eval/metrics.json.",
      "Eval loss of the base and of every complete checkpoint, answers of the best checkpoint (and",
      "the base) under every strategy, their metrics with bootstrap intervals: eval/metrics.json,",
      "eval/eval_loss.json, eval/generations*/. Flink [local] by default."
    })
final class EvaluateCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Mixin RunnerOptions runner;
  @Mixin HubOptions hub;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    WorkflowLoader.Loaded loaded = options.load();
    RunDirectory run = options.runDirectory(loaded);
    Runners.Kind kind = runner.checked(Runners.Kind.FLINK);
    if (kind == Runners.Kind.LOCAL) {
      throw new BadInputException(
          "--runner local: evaluate runs on a Beam runner (direct or flink)");
    }
    HubOptions.record(
        run,
        hub.fetch(
            loaded.workflow(),
            Set.of(HubInputs.Need.MODEL, HubInputs.Need.ENCODER),
            spec.commandLine().getErr()));
    long start = System.nanoTime();
    Path metrics;
    try (RunDirectoryLock lock =
        WorkflowOptions.lock(run, "evaluate", spec.commandLine().getOut())) {
      metrics =
          EvaluationStage.run(
              loaded.workflow(),
              run,
              Runners.options(kind, runner.flinkMaster, runner.parallelism));
    }
    print(
        spec.commandLine().getOut(),
        Jsonl.readTree(metrics),
        metrics,
        (System.nanoTime() - start) / 1e9,
        runner.describe(Runners.Kind.FLINK));
    return Main.OK;
  }

  static void print(PrintWriter out, JsonNode m, Path file, double seconds, String runner) {
    JsonNode loss = m.path("eval_loss");
    out.printf(
        Locale.ROOT,
        "evaluated %d %s questions in %.1f s on %s%n",
        m.path("n_questions").asInt(),
        m.path("split").asText(),
        seconds,
        runner);
    if (loss.path("base").isObject()) {
      out.printf(
          Locale.ROOT,
          "  eval loss base        %.4f  (perplexity %.2f)%n",
          loss.path("base").path("loss").asDouble(),
          loss.path("base").path("perplexity").asDouble());
    }
    for (JsonNode c : loss.path("checkpoints")) {
      out.printf(
          Locale.ROOT,
          "  eval loss %-11s %.4f  (perplexity %.2f)%s%n",
          c.path("checkpoint").asText(),
          c.path("loss").asDouble(),
          c.path("perplexity").asDouble(),
          c.path("checkpoint").asText().equals(m.path("best_checkpoint").asText()) ? "  best" : "");
    }
    out.printf(
        Locale.ROOT,
        "  %-10s %-24s %-24s %s%n",
        "strategy",
        "rougeL [95% CI]",
        "vs base",
        "hit cap");
    for (Iterator<Map.Entry<String, JsonNode>> it = m.path("strategies").fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode r = e.getValue().path("metrics").path("rougeL");
      JsonNode d = m.path("base_vs_adapter").path(e.getKey()).path("rougeL");
      out.printf(
          Locale.ROOT,
          "  %-10s %-24s %-24s %d/%d%n",
          e.getKey(),
          interval(r),
          d.isObject() ? interval(d) : "-",
          e.getValue().path("hit_cap").asInt(),
          e.getValue().path("n").asInt());
    }
    JsonNode bert = m.path("bertscore");
    if (!bert.path("computed").asBoolean()) {
      out.println("  bertscore not computed: " + bert.path("reason").asText());
    }
    out.println("wrote " + file);
    out.flush();
  }

  private static String interval(JsonNode e) {
    return String.format(
        Locale.ROOT,
        "%.4f [%.4f, %.4f]",
        e.path("mean").asDouble(),
        e.path("ci_low").asDouble(),
        e.path("ci_high").asDouble());
  }
}
