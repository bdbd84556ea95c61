package io.tunecard.cli;

import io.tunecard.workflow.WorkflowLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tunecard validate}: loads and validates a workflow file. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Load and validate a workflow; every error names its key path.")
final class ValidateCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Spec CommandSpec spec;

  @picocli.CommandLine.Option(
      names = "--print-name",
      description = "Print only the workflow's name (for scripts).")
  boolean printName;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    var w = loaded.workflow();
    if (printName) {
      spec.commandLine().getOut().println(w.name());
      return Main.OK;
    }
    spec.commandLine()
        .getOut()
        .printf(
            "%s: valid (workflow '%s', %d strategies, sha256 %s)%n",
            options.workflow,
            w.name(),
            w.eval().strategies().size(),
            loaded.fileSha256().substring(0, 12));
    return Main.OK;
  }
}
