package io.tunecard.pipeline;

import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * How a worker finds the run's workflow: the file and the overrides, reloaded where a step runs
 * (workflow records are plain values, not serializable, and a worker may be another machine).
 */
record WorkflowRef(String file, List<String> overrides) implements Serializable {
  private static final long serialVersionUID = 1L;

  WorkflowRef {
    overrides = List.copyOf(overrides);
  }

  static WorkflowRef of(WorkflowLoader.Loaded loaded) {
    return new WorkflowRef(loaded.file().toAbsolutePath().toString(), loaded.overrides());
  }

  Workflow load() {
    return WorkflowLoader.load(Path.of(file), overrides).workflow();
  }
}
