package io.tunecard.cli;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The workflow file, its overrides and where its run directory is; shared by commands. */
public final class WorkflowOptions {
  @Parameters(index = "0", paramLabel = "WORKFLOW", description = "The workflow YAML file.")
  Path workflow;

  @Option(
      names = "--set",
      paramLabel = "KEY.PATH=VALUE",
      description = "Override a workflow key (repeatable), e.g. --set train.lr=1e-4.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "The run directory (default: runs/<workflow-name>/<run-id>).")
  Path runDir;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Names the run under runs/<workflow-name>/ (default: ${DEFAULT-VALUE}).",
      defaultValue = RunDirectory.DEFAULT_RUN_ID)
  String runId;

  @Option(names = "--verbose", description = "Show stack traces and debug output.")
  boolean verbose;

  /** The workflow, validated, and the run id checked (both are bad input, exit 2). */
  WorkflowLoader.Loaded load() {
    RunDirectory.checkRunId(runId);
    return WorkflowLoader.load(workflow, overrides);
  }

  /**
   * Takes the run directory's lock for {@code command} (released when the command ends) and says on
   * {@code out} what taking it found: a dead holder taken over, leftovers removed.
   */
  static RunDirectoryLock lock(RunDirectory run, String command, PrintWriter out) {
    RunDirectoryLock lock = RunDirectoryLock.acquire(run, command);
    String note = lock.note();
    if (note != null) {
      out.println("run directory " + run.root() + ": " + note);
      out.flush();
    }
    return lock;
  }

  RunDirectory runDirectory(WorkflowLoader.Loaded loaded) {
    return runDir != null
        ? new RunDirectory(runDir)
        : RunDirectory.of(Path.of("runs"), loaded.workflow().name(), runId);
  }
}
