package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerCommandTest {
  private final Path spec = Path.of("/runs/q/default/logs/train-spec.json");
  private final Path logs = Path.of("/runs/q/default/logs");

  @Test
  void theDjlChildIsThisJavaOnThisClassPathOffline() {
    WorkerCommand.Jvm jvm =
        new WorkerCommand.Jvm("io.tunecard.train.TrainMain", "3g", List.of("-Dx=y"), Map.of());
    List<String> argv = jvm.argv(Command.TRAIN, spec, logs);
    assertThat(argv.get(0)).endsWith("java");
    assertThat(argv)
        .contains(
            "-Xmx3g",
            "-Dai.djl.offline=true",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+DisplayVMOutputToStderr",
            "-XX:ErrorFile=/runs/q/default/logs/hs_err_pid%p.log",
            "-Dx=y")
        .endsWith("io.tunecard.train.TrainMain", "train", spec.toString());
    String cp = argv.get(argv.indexOf("-cp") + 1);
    assertThat(cp.split(File.pathSeparator)).allMatch(e -> Path.of(e).isAbsolute());
    assertThatThrownBy(() -> new WorkerCommand.Jvm("M", "lots", List.of(), Map.of()))
        .hasMessageContaining("maxHeap: expected e.g. 2g");
  }

  @Test
  void theDjlHeapComesFromTheSystemProperty() {
    String old = System.getProperty(WorkerCommand.MAX_HEAP_PROPERTY);
    System.setProperty(WorkerCommand.MAX_HEAP_PROPERTY, "700m");
    try {
      assertThat(WorkerCommand.djl("M").maxHeap()).isEqualTo("700m");
    } finally {
      if (old == null) {
        System.clearProperty(WorkerCommand.MAX_HEAP_PROPERTY);
      } else {
        System.setProperty(WorkerCommand.MAX_HEAP_PROPERTY, old);
      }
    }
  }

  @Test
  void theHfChildRunsTheWorkerModuleFromTheRepositorySources() {
    String old = System.getProperty("tunecard.home");
    System.setProperty("tunecard.home", "/opt/tunecard");
    try {
      WorkerCommand w = WorkerCommand.forEngine("hf", "unused", "/usr/bin/python3.12");
      assertThat(w.argv(Command.GENERATE, spec, logs))
          .containsExactly(
              "/usr/bin/python3.12", "-m", "tunecard_worker", "generate", spec.toString());
      assertThat(w.environment().get("PYTHONPATH")).startsWith("/opt/tunecard/src/main/python");
      assertThat(w.environment()).containsEntry("PYTHONUNBUFFERED", "1");
    } finally {
      if (old == null) {
        System.clearProperty("tunecard.home");
      } else {
        System.setProperty("tunecard.home", old);
      }
    }
    assertThat(WorkerCommand.pythonSources())
        .isEqualTo(Path.of("src/main/python").toAbsolutePath());
    assertThatThrownBy(() -> WorkerCommand.forEngine("tf", "M", "python3"))
        .hasMessageContaining("engine: expected djl or hf");
  }
}
