package io.tunecard.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.rundir.CodeVersion;
import io.tunecard.rundir.Manifest;
import io.tunecard.rundir.ManifestFile;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.TrainingDone;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutcomesTest {
  @TempDir Path tmp;

  @Test
  void trainingRecordsTheBestCheckpointThatDoneJsonNames() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Manifest manifest = new Manifest(run);
    Path weights =
        Files.createDirectories(run.checkpoint(150)).resolve("adapter_model.safetensors");
    Files.write(weights, new byte[] {1, 2, 3});

    Outcomes.record(Stage.TRAIN, manifest);
    assertThat(manifest.read().adapter()).as("no DONE.json yet").isNull();

    new TrainingDone(200, 0.5, null).write(run.train());
    Outcomes.record(Stage.TRAIN, manifest);
    assertThat(manifest.read().adapter()).as("no evaluation, no best checkpoint").isNull();

    new TrainingDone(200, 0.5, "step-150").write(run.train());
    Outcomes.record(Stage.TRAIN, manifest);
    assertThat(manifest.read().adapter())
        .isEqualTo(new ManifestFile.AdapterEntry("step-150", CodeVersion.ofPath(weights)));
  }

  @Test
  void aDoneJsonThatIsNotOneIsAnErrorNamingTheFile() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.train());
    Files.writeString(run.train().resolve("DONE.json"), "{\"best_checkpoint\": \"step-1\"}");
    assertThatThrownBy(() -> Outcomes.record(Stage.TRAIN, new Manifest(run)))
        .hasMessageContaining(run.train().resolve("DONE.json") + ": final_step");
  }
}
