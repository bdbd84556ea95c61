package io.tunecard.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What validate and run check on the machine before any stage starts. */
class PreflightTest {
  @TempDir Path tmp;

  private static Workflow workflow(String yaml, String... overrides) {
    return WorkflowLoader.parseYaml("t.yaml", yaml, List.of(overrides));
  }

  @Test
  void theQuickstartCanRunHere() {
    Workflow w = WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of()).workflow();
    assertThat(Preflight.problems(w, true, true)).isEmpty();
  }

  @Test
  void everyLaterRefusalIsReportedAtOnceNamingItsKey() throws Exception {
    Path base = Files.createDirectories(tmp.resolve("base"));
    for (String f : List.of("config.json", "model.safetensors")) {
      Files.copy(Path.of("src/test/resources/fixtures/tiny-mistral", f), base.resolve(f));
    }
    Files.writeString(base.resolve("tokenizer.json"), "{}");
    Workflow w =
        workflow(
            "name: demo\n"
                + "dataset: {path: "
                + tmp.resolve("missing.zip")
                + "}\n"
                + "model: {base: "
                + base
                + ", max_seq_len: 512}\n"
                + "train: {engine: hf, python: /nowhere/python3}\n"
                + "eval: {max_new_tokens: 200}\n"
                + "publish: {enabled: true}\n");
    List<String> problems = Preflight.problems(w, true, true);
    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("dataset.path: ").contains("does not exist"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("model.max_seq_len: expected at most 128, the base's positions"))
        .anySatisfy(p -> assertThat(p).startsWith("eval.max_new_tokens: expected at most 127"))
        .anySatisfy(p -> assertThat(p).startsWith("train.python: '/nowhere/python3' is not"))
        .anySatisfy(p -> assertThat(p).startsWith("publish.enabled: true, but neither"));
    assertThat(Preflight.problems(w, false, true)).noneMatch(p -> p.startsWith("publish."));
    // a run stopped after ingest reads neither the base nor the worker's interpreter
    assertThat(Preflight.problems(w, false, false))
        .singleElement()
        .satisfies(p -> assertThat(p).startsWith("dataset.path: "));
  }
}
