package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
  @TempDir Path tmp;

  @Test
  void withoutADatasetItNamesTheMissingFileAndExitsWithTwo() {
    MainTest.Result r =
        MainTest.run("train", "workflows/quickstart.yaml", "--run-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err())
        .contains(tmp.resolve("dataset/train.jsonl").toString())
        .contains("tunecard ingest");
  }

  @Test
  void theReferenceWorkflowNamesItsMissingWeights() {
    org.assertj.core.api.Assumptions.assumeThat(
            io.tunecard.model.ModelLocator.system()
                .hubCache()
                .resolve("models--mistralai--Mistral-7B-Instruct-v0.3"))
        .doesNotExist();
    MainTest.Result r =
        MainTest.run(
            "train",
            "workflows/medquad-mistral7b-lora-r32.yaml",
            "--run-dir",
            tmp.toString(),
            "--fresh");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("mistralai/Mistral-7B-Instruct-v0.3");
  }
}
