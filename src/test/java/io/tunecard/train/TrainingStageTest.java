package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.ModelLocator;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.WorkerFailedException;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stages' entry points: the scratch base, its reuse, missing inputs, the hf launch path. */
class TrainingStageTest {
  @TempDir Path tmp;

  static StageOptions quiet(ResumeAfterKillTest.Recorder r) {
    return StageOptions.defaults().withDisplay(r);
  }

  @Test
  void theScratchBaseStageTrainsTheTokenizerAndBaseAndReusesThem() throws IOException {
    RunDirectory run = TinyRun.dataset(tmp.resolve("run"));
    Workflow w = TinyRun.workflow();
    var r = new ResumeAfterKillTest.Recorder();
    BaseResult built = TrainingStage.prepareBase(w, run, quiet(r));
    assertThat(built.scratch()).isTrue();
    assertThat(built.reused()).isFalse();
    for (String f : BaseStamp.FILES) {
      assertThat(run.base().resolve(f)).isRegularFile();
    }
    assertThat(run.base().resolve("metrics.jsonl")).isRegularFile(); // copied in by the parent
    assertThat(Files.readString(run.base().resolve("tokenizer.json")))
        .isEqualTo(Files.readString(run.tokenizer().resolve("tokenizer.json")));
    JsonNode config = Jsonl.readTree(run.base().resolve("config.json"));
    assertThat(config.path("model_type").asText()).isEqualTo("mistral");
    assertThat(config.path("vocab_size").asInt()).isEqualTo(300);
    JsonNode tokens = Jsonl.readTree(run.stats()).path("answer_tokens");
    assertThat(tokens.path("p50").asInt()).isPositive();
    assertThat(tokens.path("max").asInt()).isGreaterThanOrEqualTo(tokens.path("p99").asInt());

    BaseResult again = TrainingStage.prepareBase(w, run, quiet(r));
    assertThat(again.reused()).isTrue();
    // Other pre-training settings make it stale: the message says why before it rebuilds.
    assertThat(
            BaseStamp.staleReason(
                run.base(),
                BaseStamp.inputsHash(
                    io.tunecard.worker.WorkerSpecs.pretrain(
                        TinyRun.workflow("model.scratch.pretrain_steps=5"), run))))
        .contains("other inputs");
  }

  @Test
  void aStageKeyThatChangedStartsCleanAndTheSameKeyResumes() throws IOException {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Files.createDirectories(run.checkpoints().resolve("step-2"));
    assertThat(CleanStart.apply(run, false, "k1", run.train(), List.of(run.train()))).isTrue();
    assertThat(run.checkpoints()).doesNotExist();
    Files.createDirectories(run.checkpoints().resolve("step-2"));
    assertThat(CleanStart.apply(run, false, "k1", run.train(), List.of(run.train()))).isFalse();
    assertThat(run.checkpoints().resolve("step-2")).isDirectory();
    assertThat(CleanStart.apply(run, true, null, run.train(), List.of(run.train()))).isTrue();
    assertThat(run.checkpoints()).doesNotExist();
  }

  @Test
  void trainingWithoutADatasetNamesTheMissingFile() {
    RunDirectory run = new RunDirectory(tmp.resolve("empty"));
    assertThatThrownBy(() -> TrainingStage.train(TinyRun.workflow(), run, StageOptions.defaults()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(run.split("train").toString())
        .hasMessageContaining("tunecard ingest");
  }

  @Test
  void theReferenceWorkflowValidatesAndFailsNamingItsMissingWeights() throws IOException {
    String id = "mistralai/Mistral-7B-Instruct-v0.3";
    assumeThat(
            ModelLocator.system().hubCache().resolve("models--mistralai--Mistral-7B-Instruct-v0.3"))
        .doesNotExist();
    Workflow w =
        WorkflowLoader.load(Path.of("workflows/medquad-mistral7b-lora-r32.yaml"), List.of())
            .workflow();
    RunDirectory run = TinyRun.dataset(tmp.resolve("ref"));
    for (var stage :
        List.<Runnable>of(
            () -> TrainingStage.prepareBase(w, run, StageOptions.defaults()),
            () -> TrainingStage.train(w, run, StageOptions.defaults()))) {
      assertThatThrownBy(stage::run)
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("the weights of '" + id + "' are not present")
          .hasMessageContaining("models--mistralai--Mistral-7B-Instruct-v0.3/snapshots");
    }
  }

  @Test
  void theHfEngineIsLaunchedThroughTheSamePathAndFailsClearlyWithoutTorch() throws Exception {
    assumeThat(pythonWithoutTorch()).as("python3 present, torch absent").isTrue();
    RunDirectory run = TinyRun.withBase(tmp.resolve("hf"));
    Workflow w = TinyRun.workflow("train.engine=hf");
    var r = new ResumeAfterKillTest.Recorder();
    assertThatThrownBy(() -> TrainingStage.train(w, run, quiet(r)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("missing dependency")
        .hasMessageContaining("python3 (train.python) lacks torch")
        .hasMessageContaining("-m pip install 'torch>=");
    // The launch itself is the hf worker's command line with the repository's Python sources.
    var launcher = Launchers.of("hf", w, StageOptions.defaults());
    assertThat(launcher.argv(io.tunecard.worker.Command.TRAIN, tmp.resolve("s.json"), tmp))
        .containsExactly(
            "python3", "-m", "tunecard_worker", "train", tmp.resolve("s.json").toString());
    assertThat(launcher.environment().get("PYTHONPATH")).contains("src/main/python");
  }

  static boolean pythonWithoutTorch() throws Exception {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import torch").start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() != 0;
    } catch (IOException e) {
      return false;
    }
  }
}
