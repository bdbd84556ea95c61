package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.hub.HubInputs;
import io.tunecard.pipeline.RunWorkflow;
import io.tunecard.pipeline.Runners;
import io.tunecard.pipeline.Stage;
import io.tunecard.rundir.EvalMetricsFile;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunecard run}: every stage of the workflow, skipping those whose inputs are unchanged. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the workflow's stages (ingest, base, train, evaluate, card, publish) as a Beam"
          + " pipeline, on Flink [local] by default.",
      "A stage whose inputs (workflow settings, upstream stage, code, input data) are unchanged"
          + " since its last successful run, and whose outputs are still the files it recorded in"
          + " manifest.json, is skipped."
    })
final class RunCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Mixin RunnerOptions runner;
  @Mixin HubOptions hub;
  @Spec CommandSpec spec;

  @Option(
      names = "--force",
      paramLabel = "STAGE",
      description = "Rerun STAGE and every stage after it (repeatable).")
  List<String> force = new ArrayList<>();

  @Option(
      names = "--until",
      paramLabel = "STAGE",
      description = "Stop after STAGE (e.g. --until train).")
  String until;

  @Option(
      names = "--verify",
      description =
          "Hash every output a skipped stage would reuse (by default only files whose size or"
              + " modification time differ from manifest.json's record are hashed).")
  boolean verify;

  @Option(
      names = "--reports",
      paramLabel = "DIR",
      description =
          "Where cards are rendered, as DIR/<workflow-name>/ (default: ${DEFAULT-VALUE}).",
      defaultValue = "reports")
  Path reports;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    RunDirectory run = options.runDirectory(loaded);
    long start = System.nanoTime();
    Set<Stage> forced = new HashSet<>();
    for (String f : force) {
      forced.add(stage("--force", f));
    }
    Stage last = until == null ? null : stage("--until", until);
    RunWorkflow.Options how =
        new RunWorkflow.Options(
            runner.checked(Runners.Kind.FLINK),
            runner.flinkMaster,
            runner.parallelism,
            forced,
            last,
            reports,
            verify);
    // Pull what the stages up to --until read and the cache lacks (nothing when offline).
    Set<HubInputs.Need> needs =
        last == Stage.INGEST || last == Stage.BASE
            ? Set.of(HubInputs.Need.DATASET)
            : HubInputs.all();
    RunWorkflow.Result result;
    try (RunDirectoryLock lock = WorkflowOptions.lock(run, "run", spec.commandLine().getOut())) {
      HubOptions.record(run, hub.fetch(loaded.workflow(), needs, spec.commandLine().getErr()));
      result = RunWorkflow.run(loaded, run, how, spec.commandLine().getOut());
    }
    summarize(result, run);
    spec.commandLine()
        .getOut()
        .printf(
            "run: finished in %.1f s on %s (%s)%n",
            (System.nanoTime() - start) / 1e9, runner.describe(Runners.Kind.FLINK), run.root());
    return Main.OK;
  }

  /** What the stages that ran produced: the evaluation's table and where the card is. */
  private void summarize(RunWorkflow.Result result, RunDirectory run) {
    PrintWriter out = spec.commandLine().getOut();
    if (result.plan().runs(Stage.EVALUATE) && Files.isRegularFile(run.evalMetrics())) {
      ManifestFile.StageRecord stage = ManifestFile.read(run.manifest()).stage("evaluate");
      EvaluateCommand.print(
          out,
          EvalMetricsFile.read(run.evalMetrics()),
          run.evalMetrics(),
          stage == null || stage.seconds() == null ? 0.0 : stage.seconds(),
          runner.describe(Runners.Kind.FLINK));
    }
    if (result.plan().runs(Stage.CARD)) {
      out.println("card: " + result.reports().resolve("README.md") + ", index.html");
    }
    out.flush();
  }

  private static Stage stage(String option, String name) {
    try {
      return Stage.of(name);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(option + ": " + e.getMessage());
    }
  }
}
