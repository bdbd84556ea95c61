package io.tunecard.cli;

import io.tunecard.pipeline.Preflight;
import io.tunecard.workflow.WorkflowException;
import io.tunecard.workflow.WorkflowLoader;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard validate}: loads and validates a workflow file, then makes the checks that the
 * stages would make later on what it names (input, base model, publishing repository).
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Load and validate a workflow; every error names its key path.",
      "Besides the file itself: the run id, the input (dataset.path exists and is of its source's"
          + " kind), the base model (present, and its positions hold max_seq_len and"
          + " max_new_tokens) and, when publishing is enabled, a repository to publish to."
    })
final class ValidateCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--print-name", description = "Print only the workflow's name (for scripts).")
  boolean printName;

  @Option(
      names = "--file-only",
      description = "Check the file alone, not the input and base model it names.")
  boolean fileOnly;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    var w = loaded.workflow();
    if (printName) {
      spec.commandLine().getOut().println(w.name());
      return Main.OK;
    }
    if (!fileOnly) {
      List<String> problems = Preflight.problems(w, true, true);
      if (!problems.isEmpty()) {
        throw new WorkflowException(options.workflow.toString(), problems);
      }
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
