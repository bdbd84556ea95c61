package io.tunecard.cli;

import io.tunecard.hub.HubInputs;
import io.tunecard.ingest.IngestStage;
import io.tunecard.ingest.IngestSummary;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.WorkflowContext;
import io.tunecard.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tunecard ingest}: runs the ingestion stage and writes the run's {@code dataset/}. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Read MedQuAD (XML folders, a zip of them, or the Hub export), clean, dedupe and split it"
            + " into DIR/dataset/ (train/validation/test JSONL, rejected.jsonl, stats.json).")
final class IngestCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Mixin RunnerOptions runner;
  @Mixin HubOptions hub;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    RunDirectory run = options.runDirectory(loaded);
    Runners.Kind kind = runner.checked(Runners.Kind.DIRECT);
    long start = System.nanoTime();
    IngestSummary summary;
    try (RunDirectoryLock lock = WorkflowOptions.lock(run, "ingest", spec.commandLine().getOut())) {
      HubOptions.record(
          run,
          hub.fetch(
              loaded.workflow(), Set.of(HubInputs.Need.DATASET), spec.commandLine().getErr()));
      summary =
          IngestStage.run(
              WorkflowContext.of(loaded, run.root()),
              Runners.beamOrLocal(kind, runner.flinkMaster, runner.parallelism),
              Runners.workers(runner.parallelism));
    }
    print(
        spec.commandLine().getOut(),
        summary,
        run,
        (System.nanoTime() - start) / 1e9,
        runner.describe(Runners.Kind.DIRECT));
    return Main.OK;
  }

  static void print(
      PrintWriter out, IngestSummary s, RunDirectory run, double seconds, String runnerName) {
    out.printf(
        Locale.ROOT,
        "ingest: %d records read from %s (%s), %d usable, in %.1f s on %s%n",
        s.read(),
        s.input(),
        s.source(),
        s.usable(),
        seconds,
        runnerName);
    for (IngestSummary.SplitFile f : s.splits()) {
      out.printf(
          Locale.ROOT,
          "  %-10s %6d rows  %5.1f %%  sha256 %s%n",
          f.split(),
          f.rows(),
          s.usable() == 0 ? 0.0 : 100.0 * f.rows() / s.usable(),
          f.sha256().substring(0, 16));
    }
    String reasons =
        s.rejectedByReason().entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "));
    out.printf(
        Locale.ROOT,
        "  rejected   %6d  %s%n",
        s.rejected(),
        reasons.isEmpty() ? "" : "(" + reasons + ")");
    out.printf("  wrote %s%n", run.dataset());
    out.flush();
  }
}
