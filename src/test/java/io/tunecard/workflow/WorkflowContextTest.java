package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workflow as Beam steps receive it: validated once, parsed again where a step runs. */
class WorkflowContextTest {
  @TempDir Path tmp;

  static WorkflowContext roundTrip(WorkflowContext c) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (WorkflowContext) in.readObject();
    }
  }

  @Test
  void aStepElsewhereGetsTheValidatedWorkflowWithoutTheFile() throws Exception {
    Path file = tmp.resolve("q.yaml");
    Files.copy(Path.of("workflows/quickstart.yaml"), file);
    WorkflowLoader.Loaded loaded = WorkflowLoader.load(file, List.of("lora.r=8", "eval.limit=5"));
    WorkflowContext context = WorkflowContext.of(loaded, tmp.resolve("run")).forStage("key-1");
    Files.delete(file);

    WorkflowContext copy = roundTrip(context);
    assertThat(copy).isEqualTo(context);
    assertThat(copy.workflow()).isEqualTo(loaded.workflow());
    assertThat(copy.workflow().lora().r()).isEqualTo(8);
    assertThat(copy.workflow()).isSameAs(copy.workflow()); // parsed once, then kept
    assertThat(copy.runDir()).isEqualTo(tmp.resolve("run"));
    assertThat(copy.stageKey()).isEqualTo("key-1");
    assertThat(copy.source()).isEqualTo(file.toString());
    assertThat(copy.overrides()).containsExactly("lora.r=8", "eval.limit=5");
  }

  @Test
  void badOverridesFailWhereTheContextIsMadeNamingTheSource() {
    String yaml = "name: demo\ndataset: {path: data/x}\nmodel: {base: some/model}\n";
    assertThatThrownBy(() -> WorkflowContext.of("demo.yaml", yaml, List.of("lora.r=0"), tmp))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("demo.yaml")
        .hasMessageContaining("lora.r");
  }

  @Test
  void aFileEditedAfterItWasLoadedIsRefused() throws IOException {
    Path file = tmp.resolve("q.yaml");
    Files.copy(Path.of("workflows/quickstart.yaml"), file);
    WorkflowLoader.Loaded loaded = WorkflowLoader.load(file, List.of());
    Files.writeString(file, Files.readString(file) + "\n# edited\n");
    assertThatThrownBy(() -> WorkflowContext.of(loaded, tmp.resolve("run")))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("changed after it was loaded");
  }
}
