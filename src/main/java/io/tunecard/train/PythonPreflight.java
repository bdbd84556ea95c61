package io.tunecard.train;

import io.tunecard.worker.ChildFailure;
import io.tunecard.worker.Command;
import io.tunecard.worker.PythonProbe;
import io.tunecard.worker.PythonReport;
import io.tunecard.worker.WorkerFailedException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Before the hf engine's worker is launched: checks that the interpreter ({@code train.python}) has
 * the packages the worker requires, so a host without PyTorch fails at once with what to install,
 * instead of a retried traceback. The list is the worker package's own ({@code
 * src/main/python/pyproject.toml}), read by {@code python -m tunecard_worker doctor --json
 * --packages}, which only reads package metadata and imports nothing heavy.
 */
final class PythonPreflight {
  private PythonPreflight() {}

  /**
   * @throws WorkerFailedException (a missing dependency, not retried) naming the interpreter and
   *     the packages it lacks with their tested version ranges
   */
  static void requireWorkerModules(String python, Command command, Path log) {
    PythonProbe.Outcome outcome = PythonProbe.ask(python, false);
    if (!outcome.ran()) {
      throw fail(command, log, outcome.failure() + " (train.python)");
    }
    PythonReport r = outcome.report();
    if (!r.python().ok()) {
      throw fail(
          command,
          log,
          python
              + " (train.python) is Python "
              + r.python().version()
              + "; the hf engine needs "
              + r.python().requires());
    }
    if (!r.missing().isEmpty()) {
      String needs =
          r.required().stream().map(p -> p.name() + p.required()).collect(Collectors.joining(", "));
      throw fail(
          command,
          log,
          "the hf engine needs the Python packages "
              + needs
              + "; "
              + python
              + " (train.python) lacks "
              + String.join(", ", r.missing())
              + ". Install them for that interpreter ("
              + r.installCommand()
              + ", or pip install the worker: src/main/python), point train.python at one that"
              + " has them, or use train.engine djl");
    }
  }

  private static WorkerFailedException fail(Command command, Path log, String message) {
    return new WorkerFailedException(
        command, "hf", ChildFailure.notStarted("missing dependency: " + message), 1, log);
  }
}
