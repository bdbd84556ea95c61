package io.tunecard.cli;

import io.tunecard.ingest.IngestSummary;
import io.tunecard.pipeline.IngestStage;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.WorkflowLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tunecard run}: runs the workflow's stages in order, on Flink embedded by default. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the workflow's stages in order (today: ingest) on Flink [local] by default.")
final class RunCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Mixin RunnerOptions runner;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    RunDirectory run = options.runDirectory(loaded);
    long start = System.nanoTime();
    IngestSummary summary =
        IngestStage.run(
            loaded.workflow().dataset(),
            run,
            runner.checked(Runners.Kind.FLINK),
            runner.flinkMaster,
            runner.parallelism);
    IngestCommand.print(
        spec.commandLine().getOut(),
        summary,
        run,
        (System.nanoTime() - start) / 1e9,
        runner.describe(Runners.Kind.FLINK));
    return Main.OK;
  }
}
