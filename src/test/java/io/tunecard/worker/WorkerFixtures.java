package io.tunecard.worker;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Shared set-up of the worker tests: a small training workflow and the scripted workers. */
final class WorkerFixtures {
  private WorkerFixtures() {}

  /** 20 steps, a metrics row every 2, eval and checkpoint every 5, keep the last 2. */
  static final String YAML =
      "name: scripted\n"
          + "dataset: {path: data/x}\n"
          + "model: {base: some/model}\n"
          + "train: {max_steps: 20, log_every: 2, eval_every: 5, save_every: 5, keep_last: 2,"
          + " retries: 2}\n";

  static Workflow workflow() {
    return WorkflowLoader.parseYaml("scripted.yaml", YAML, List.of());
  }

  static WorkerSpec trainSpec(RunDirectory run) {
    return WorkerSpecs.train(workflow(), run);
  }

  /** The Java scripted worker following {@code script}; attempts are counted in {@code state}. */
  static WorkerCommand scripted(String script, Path state) {
    return new WorkerCommand.Jvm(
        ScriptedWorker.class.getName(),
        "64m",
        List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
        Map.of("SCRIPT", script, "SCRIPT_STATE", state.toString()));
  }

  /** The bash worker that misbehaves like a Python worker can. */
  static WorkerCommand bash(String script) {
    try {
      Path sh =
          Path.of(
              Objects.requireNonNull(WorkerFixtures.class.getResource("scripted-worker.sh"))
                  .toURI());
      return new WorkerCommand.Exec(List.of("bash", sh.toString()), Map.of("SCRIPT", script));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Records what the supervisor shows. */
  static final class Recorder implements ProgressDisplay {
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    final List<Progress> progress = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void progress(Progress p) {
      progress.add(p);
    }

    @Override
    public void message(String line) {
      messages.add(line);
    }

    @Override
    public void finish() {}
  }
}
