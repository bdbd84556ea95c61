package io.tunecard.cli;

import io.tunecard.evaluate.EvaluationStage;
import io.tunecard.files.BadInputException;
import io.tunecard.hub.HubInputs;
import io.tunecard.metrics.Metric;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.EvalLossFile;
import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.WorkflowContext;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
              WorkflowContext.of(loaded, run.root()),
              Runners.options(kind, runner.flinkMaster, runner.parallelism));
    }
    print(
        spec.commandLine().getOut(),
        EvalMetricsFile.read(metrics),
        metrics,
        (System.nanoTime() - start) / 1e9,
        runner.describe(Runners.Kind.FLINK));
    return Main.OK;
  }

  static void print(PrintWriter out, EvalMetricsFile m, Path file, double seconds, String runner) {
    EvalLossFile loss = m.evalLoss();
    out.printf(
        Locale.ROOT,
        "evaluated %d %s questions in %.1f s on %s%n",
        orZero(m.settings().nQuestions()),
        m.settings().split(),
        seconds,
        runner);
    if (loss != null && loss.base() != null) {
      out.printf(
          Locale.ROOT,
          "  eval loss base        %.4f  (perplexity %.2f)%n",
          loss.base().evalLoss(),
          loss.base().perplexityOrExp());
    }
    for (EvalLossFile.Point c : loss == null ? List.<EvalLossFile.Point>of() : loss.checkpoints()) {
      out.printf(
          Locale.ROOT,
          "  eval loss %-11s %.4f  (perplexity %.2f)%s%n",
          c.checkpoint(),
          c.evalLoss(),
          c.perplexityOrExp(),
          c.checkpoint() != null && c.checkpoint().equals(m.settings().bestCheckpoint())
              ? "  best"
              : "");
    }
    out.printf(
        Locale.ROOT,
        "  %-10s %-24s %-24s %s%n",
        "strategy",
        "rougeL [95% CI]",
        "vs base",
        "hit cap");
    String rouge = Metric.ROUGE_L.key();
    m.strategies()
        .forEach(
            (name, s) -> {
              EvalMetricsFile.Interval d = m.delta(name, rouge);
              out.printf(
                  Locale.ROOT,
                  "  %-10s %-24s %-24s %d/%d%n",
                  name,
                  interval(s.metric(rouge)),
                  d != null ? interval(d) : "-",
                  s.hitCap() == null ? 0L : s.hitCap(),
                  orZero(s.n()));
            });
    EvalMetricsFile.Bertscore bert = m.bertscore();
    if (bert == null || !Boolean.TRUE.equals(bert.computed())) {
      out.println("  bertscore not computed: " + (bert == null ? "" : bert.reason()));
    }
    out.println("wrote " + file);
    out.flush();
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }

  private static String interval(EvalMetricsFile.Interval e) {
    if (e == null) {
      return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", 0.0, 0.0, 0.0);
    }
    return String.format(
        Locale.ROOT,
        "%.4f [%.4f, %.4f]",
        e.mean(),
        e.ciLow() == null ? 0.0 : e.ciLow(),
        e.ciHigh() == null ? 0.0 : e.ciHigh());
  }
}
