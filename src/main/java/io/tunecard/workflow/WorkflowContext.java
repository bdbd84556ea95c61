package io.tunecard.workflow;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The workflow as every Beam step of a run receives it: the file's name and text and the {@code
 * --set} overrides, the run directory, and the stage key where a step needs one. It is validated
 * once where it is made (the driver); a step that runs elsewhere parses the same text again on
 * first use and keeps the result, so no worker needs the workflow file, and the values a step reads
 * are exactly those the driver validated. Workflow records themselves are not serializable.
 */
public final class WorkflowContext implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String yaml;
  private final List<String> overrides;
  private final String runDir;
  private final String stageKey;
  private transient volatile Workflow workflow;

  private WorkflowContext(
      String source,
      String yaml,
      List<String> overrides,
      String runDir,
      String stageKey,
      Workflow workflow) {
    this.source = Objects.requireNonNull(source, "source");
    this.yaml = Objects.requireNonNull(yaml, "yaml");
    this.overrides = List.copyOf(overrides);
    this.runDir = Objects.requireNonNull(runDir, "runDir");
    this.stageKey = stageKey;
    this.workflow = workflow;
  }

  /**
   * The context of workflow text with its overrides, validated now ({@link WorkflowException}
   * naming {@code source} when it is not a valid workflow).
   *
   * @param source the workflow file's name, for error messages
   */
  public static WorkflowContext of(String source, String yaml, List<String> overrides, Path run) {
    Workflow w = WorkflowLoader.parseYaml(source, yaml, overrides);
    return new WorkflowContext(source, yaml, overrides, run.toString(), null, w);
  }

  /**
   * The context of a loaded workflow file. The file is read once more for its text, which must be
   * the bytes that were validated (same sha256), so a file edited in between is refused.
   */
  public static WorkflowContext of(WorkflowLoader.Loaded loaded, Path run) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(loaded.file());
    } catch (IOException e) {
      throw new WorkflowException(
          loaded.file().toString(), List.of("cannot read: " + e.getMessage()));
    }
    if (!WorkflowLoader.sha256(bytes).equals(loaded.fileSha256())) {
      throw new WorkflowException(
          loaded.file().toString(),
          List.of("the file changed after it was loaded; run the command again"));
    }
    return new WorkflowContext(
        loaded.file().toString(),
        new String(bytes, StandardCharsets.UTF_8),
        loaded.overrides(),
        run.toString(),
        null,
        loaded.workflow());
  }

  /** The same context for the stage whose cache key is {@code key}. */
  public WorkflowContext forStage(String key) {
    return new WorkflowContext(source, yaml, overrides, runDir, key, workflow);
  }

  /** The validated workflow: parsed again on first use where the step runs, then kept. */
  public Workflow workflow() {
    Workflow w = workflow;
    if (w == null) {
      w = WorkflowLoader.parseYaml(source, yaml, overrides);
      workflow = w;
    }
    return w;
  }

  /** The workflow file's name as it was given. */
  public String source() {
    return source;
  }

  public List<String> overrides() {
    return overrides;
  }

  /** The run directory's root. */
  public Path runDir() {
    return Path.of(runDir);
  }

  /**
   * The stage's cache key (see {@code StagePlan}), or null outside a planned run: with a key, the
   * base and training stages resume only outputs made under the same key.
   */
  public String stageKey() {
    return stageKey;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkflowContext c
        && source.equals(c.source)
        && yaml.equals(c.yaml)
        && overrides.equals(c.overrides)
        && runDir.equals(c.runDir)
        && Objects.equals(stageKey, c.stageKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, yaml, overrides, runDir, stageKey);
  }

  @Override
  public String toString() {
    return "WorkflowContext[" + source + ", run " + runDir + ", stage key " + stageKey + "]";
  }
}
