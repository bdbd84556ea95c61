package io.tunecard.train;

import io.tunecard.worker.ConsoleProgress;
import io.tunecard.worker.ProgressDisplay;
import io.tunecard.worker.WorkerListener;
import java.util.List;

/**
 * How the base and training stages run.
 *
 * @param fresh start clean: remove the stage's outputs first ({@code train/}; for the base stage
 *     {@code base/} and {@code tokenizer/}), as {@code tunecard train --fresh} does
 * @param stageKey the pipeline's cache key of the stage, or null: when given, the stage starts
 *     clean only if its outputs were made under another key (recorded in {@code .stage-key} of its
 *     directory), so a retried bundle with the same key resumes instead of starting over
 * @param display where progress bars and the supervisor's reports go
 * @param listener sees every worker event (e.g. Beam counters; tests use it to kill the child)
 * @param childJvmOptions extra options of a djl worker JVM (its heap is set by {@code
 *     tunecard.worker.xmx})
 */
public record StageOptions(
    boolean fresh,
    String stageKey,
    ProgressDisplay display,
    WorkerListener listener,
    List<String> childJvmOptions) {
  public StageOptions {
    childJvmOptions = List.copyOf(childJvmOptions);
  }

  /** Resume when possible, progress on the console. */
  public static StageOptions defaults() {
    return new StageOptions(
        false, null, ConsoleProgress.stderr(), WorkerListener.none(), List.of());
  }

  public StageOptions withFresh(boolean f) {
    return new StageOptions(f, stageKey, display, listener, childJvmOptions);
  }

  public StageOptions withStageKey(String key) {
    return new StageOptions(fresh, key, display, listener, childJvmOptions);
  }

  public StageOptions withDisplay(ProgressDisplay d) {
    return new StageOptions(fresh, stageKey, d, listener, childJvmOptions);
  }

  public StageOptions withListener(WorkerListener l) {
    return new StageOptions(fresh, stageKey, display, l, childJvmOptions);
  }

  public StageOptions withChildJvmOptions(List<String> options) {
    return new StageOptions(fresh, stageKey, display, listener, options);
  }
}
