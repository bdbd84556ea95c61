package io.tunecard.train;

import io.tunecard.worker.ChildFailure;
import io.tunecard.worker.Command;
import io.tunecard.worker.WorkerFailedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Before the hf engine's worker is launched: checks that the interpreter ({@code train.python}) has
 * the packages the worker imports, so a host without PyTorch fails at once with what to install,
 * instead of a retried traceback. {@code importlib.util.find_spec} only looks the modules up;
 * nothing is imported.
 */
final class PythonPreflight {
  static final List<String> MODULES =
      List.of("torch", "transformers", "peft", "safetensors", "tokenizers");

  private static final String PROBE =
      "import importlib.util, sys\n"
          + "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))";

  private PythonPreflight() {}

  /**
   * @throws WorkerFailedException (a missing dependency, not retried) naming the interpreter and
   *     the modules it lacks
   */
  static void requireWorkerModules(String python, Command command, Path log) {
    List<String> argv = new java.util.ArrayList<>(List.of(python, "-c", PROBE));
    argv.addAll(MODULES);
    String missing;
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw fail(command, log, python + " did not answer within 120 s");
      }
      String text = new String(out, StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0) {
        throw fail(command, log, python + " failed (" + text + ")");
      }
      missing = text;
    } catch (IOException e) {
      throw fail(command, log, "cannot run " + python + " (train.python): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking " + python);
    }
    if (!missing.isEmpty()) {
      throw fail(
          command,
          log,
          "the hf engine needs the Python packages "
              + String.join(", ", MODULES)
              + "; "
              + python
              + " (train.python) lacks "
              + String.join(", ", missing.split(" "))
              + ". Install them for that interpreter (pip install "
              + missing
              + "), point train.python at one that has them, or use train.engine djl");
    }
  }

  private static WorkerFailedException fail(Command command, Path log, String message) {
    return new WorkerFailedException(
        command, "hf", ChildFailure.notStarted("missing dependency: " + message), 1, log);
  }
}
