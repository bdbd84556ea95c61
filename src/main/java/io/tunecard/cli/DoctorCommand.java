package io.tunecard.cli;

import io.tunecard.doctor.Doctor;
import io.tunecard.doctor.HostReport;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard doctor [WORKFLOW] [--json]}: whether this host has what a run of the workflow
 * needs. Exit 0 when it is ready, 2 when something is missing (one line each, with the fix).
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description = {
      "Check that this host has what a run of WORKFLOW needs: Java and the build, the djl engine,",
      "the hf engine's Python (train.python), worker package, torch, transformers, peft and GPU,",
      "bitsandbytes for nf4, the dataset, the base model and BERTScore encoder in the local Hugging",
      "Face cache, disk for checkpoints, and HF_TOKEN when publishing (never shown).",
      "Without WORKFLOW: the host for the hf engine with python3. Exit 0 ready, 2 not ready."
    })
final class DoctorCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "WORKFLOW",
      description = "The workflow YAML file (optional).")
  Path workflow;

  @Option(
      names = "--set",
      paramLabel = "KEY.PATH=VALUE",
      description =
          "Override a workflow key (repeatable), e.g. --set train.python=/opt/py/bin/python.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "Where the run directory will be (its disk is checked; default runs/<name>).")
  Path runDir;

  @Option(names = "--json", description = "Print the findings as JSON.")
  boolean json;

  @Option(names = "--verbose", description = "Show stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Workflow w = null;
    String nf4Backend = null;
    Path runRoot = runDir != null ? runDir : Path.of("runs");
    if (workflow != null) {
      w = WorkflowLoader.load(workflow, overrides).workflow();
      nf4Backend = w.model().nf4Backend();
      runRoot = runDir != null ? runDir : Path.of("runs", w.name());
    } else if (!overrides.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--set needs a WORKFLOW to override");
    }
    HostReport report = Doctor.system().examine(workflow, w, runRoot, nf4Backend);
    spec.commandLine().getOut().print(json ? report.json() + "\n" : report.table());
    spec.commandLine().getOut().flush();
    return report.ready() ? Main.OK : Main.BAD_INPUT;
  }

  /**
   * A workflow key this build's schema may not know yet (another build may add it), read as text
   * from the file with the last {@code --set} of it winning; null when absent.
   */
}
