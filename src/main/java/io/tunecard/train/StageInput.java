package io.tunecard.train;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/**
 * What a stage's Beam step needs, in serializable form: the workflow file's text and overrides
 * (parsed again on the worker, so the step sees exactly the validated workflow) and the run
 * directory.
 *
 * @param source the workflow file's name, for error messages
 * @param stageKey the stage's cache key (see {@link StageOptions#stageKey()}), or null
 */
public record StageInput(
    String source, String yaml, List<String> overrides, String runDir, String stageKey)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public StageInput {
    overrides = List.copyOf(overrides);
  }

  /** The input of a loaded workflow file and its run directory. */
  public static StageInput of(WorkflowLoader.Loaded loaded, RunDirectory run, String stageKey) {
    try {
      return new StageInput(
          loaded.file().toString(),
          Files.readString(loaded.file(), StandardCharsets.UTF_8),
          loaded.overrides(),
          run.root().toString(),
          stageKey);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + loaded.file(), e);
    }
  }

  public Workflow workflow() {
    return WorkflowLoader.parseYaml(source, yaml, overrides);
  }

  public RunDirectory run() {
    return new RunDirectory(java.nio.file.Path.of(runDir));
  }

  /** The key of the stage's single element: the run directory. */
  public String runId() {
    return runDir;
  }
}
