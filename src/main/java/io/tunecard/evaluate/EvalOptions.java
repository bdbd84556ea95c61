package io.tunecard.evaluate;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * How the evaluation stage runs, beside the workflow ({@link
 * io.tunecard.workflow.WorkflowContext}): where it writes, the libtorch threads of its JVM workers,
 * and the program that replaces the hf engine's Python worker. Every evaluation step carries it
 * with the context.
 *
 * @param outputDir where the stage writes what ends up in {@code eval/} (a staging folder beside it
 *     while the stage runs); null for the run's {@code eval/} itself
 * @param torchThreads threads per libtorch operation in a worker (0: libtorch's default)
 * @param workerLauncher a program speaking the worker protocol that replaces {@code python -m
 *     tunecard_worker} for the hf engine (tests, custom engines); null for the default
 */
public record EvalOptions(String outputDir, int torchThreads, List<String> workerLauncher)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public EvalOptions {
    if (torchThreads < 0) {
      throw new IllegalArgumentException("torchThreads: expected 0 (default) or more");
    }
    workerLauncher = workerLauncher == null ? null : List.copyOf(workerLauncher);
  }

  /** Into {@code eval/}, libtorch's default threads, the hf engine's own worker. */
  public static EvalOptions defaults() {
    return new EvalOptions(null, 0, null);
  }

  /** The same options with {@code threads} per libtorch operation (0: libtorch's default). */
  public EvalOptions withTorchThreads(int threads) {
    return new EvalOptions(outputDir, threads, workerLauncher);
  }

  /** The same options with the hf worker started by {@code launcher}. */
  public EvalOptions withWorkerLauncher(List<String> launcher) {
    return new EvalOptions(outputDir, torchThreads, launcher);
  }

  /** The same options writing into {@code dir} instead of {@code eval/}. */
  public EvalOptions withOutputDir(Path dir) {
    return new EvalOptions(dir.toAbsolutePath().toString(), torchThreads, workerLauncher);
  }
}
