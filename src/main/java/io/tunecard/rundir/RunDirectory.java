package io.tunecard.rundir;

import io.tunecard.files.BadInputException;
import io.tunecard.files.SafePaths;
import java.nio.file.Path;
import java.util.List;

/**
 * The layout of {@code runs/<workflow-name>/<run-id>/}, the contract between stages (see
 * docs/run-directory.md). Only paths live here; each stage owns what it writes.
 */
public record RunDirectory(Path root) {

  public static final List<String> SPLITS = List.of("train", "validation", "test");
  public static final String DEFAULT_RUN_ID = "default";

  /** A run id names one folder under {@code runs/<workflow-name>/}: no separators, no "..". */
  public static final String RUN_ID = "(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}";

  /**
   * Checks a run id before it names a folder.
   *
   * @throws BadInputException naming {@code --run-id}, the value and the allowed form
   */
  public static String checkRunId(String runId) {
    if (runId == null || !runId.matches(RUN_ID)) {
      throw new BadInputException(
          "--run-id: expected letters, digits, '.', '_', '-' (at most 100, starting with a letter"
              + " or digit, no '..'; it names a folder under runs/<workflow-name>/), found '"
              + runId
              + "'");
    }
    return runId;
  }

  public RunDirectory {
    root = root.toAbsolutePath().normalize();
  }

  /** {@code runs/<name>/<runId>} under {@code runsRoot}; name and run id may not escape it. */
  public static RunDirectory of(Path runsRoot, String workflowName, String runId) {
    Path dir = SafePaths.inside(runsRoot, workflowName, "workflow name");
    return new RunDirectory(SafePaths.inside(dir, runId, "run id"));
  }

  public Path manifest() {
    return root.resolve("manifest.json");
  }

  public Path dataset() {
    return root.resolve("dataset");
  }

  public Path split(String split) {
    if (!SPLITS.contains(split)) {
      throw new IllegalArgumentException("split: expected one of " + SPLITS + ", found " + split);
    }
    return dataset().resolve(split + ".jsonl");
  }

  public Path stats() {
    return dataset().resolve("stats.json");
  }

  public Path rejected() {
    return dataset().resolve("rejected.jsonl");
  }

  public Path tokenizer() {
    return root.resolve("tokenizer");
  }

  public Path base() {
    return root.resolve("base");
  }

  public Path train() {
    return root.resolve("train");
  }

  public Path trainMetrics() {
    return train().resolve("metrics.jsonl");
  }

  public Path checkpoints() {
    return train().resolve("checkpoints");
  }

  public Path checkpoint(long step) {
    return checkpoints().resolve("step-" + step);
  }

  public Path eval() {
    return root.resolve("eval");
  }

  public Path generations() {
    return eval().resolve("generations");
  }

  public Path generations(String strategy) {
    return SafePaths.inside(generations(), strategy + ".jsonl", "strategy name");
  }

  public Path evalMetrics() {
    return eval().resolve("metrics.json");
  }

  /** Console and child-process logs of this run. */
  public Path logs() {
    return root.resolve("logs");
  }
}
