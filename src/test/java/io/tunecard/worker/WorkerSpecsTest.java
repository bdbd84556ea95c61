package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.StrategySpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerSpecsTest {
  @TempDir Path tmp;

  private RunDirectory run() {
    return new RunDirectory(tmp.resolve("runs/w/default"));
  }

  @Test
  void theTrainSpecCarriesTheWorkflowInSnakeCaseWithAbsolutePaths() {
    Workflow w =
        WorkflowLoader.load(Path.of("workflows/medquad-mistral7b-lora-r32.yaml"), List.of())
            .workflow();
    WorkerSpec spec = WorkerSpecs.train(w, run());
    JsonNode j = spec.json();
    assertThat(j.get("protocol").asInt()).isEqualTo(1);
    assertThat(spec.command()).isEqualTo(Command.TRAIN);
    assertThat(spec.engine()).isEqualTo("hf");
    assertThat(j.at("/model/base").asText()).isEqualTo("mistralai/Mistral-7B-Instruct-v0.3");
    assertThat(j.at("/model/quantization").asText()).isEqualTo("nf4");
    assertThat(j.at("/model/nf4_backend").asText()).isEqualTo("builtin");
    assertThat(j.at("/model/tokenizer").isNull()).isTrue();
    assertThat(j.at("/lora/r").asInt()).isEqualTo(32);
    assertThat(j.at("/lora/alpha").asDouble()).isEqualTo(64.0);
    assertThat(j.at("/lora/targets")).hasSize(7);
    assertThat(j.at("/train/micro_batch").asInt()).isEqualTo(4);
    assertThat(j.at("/train/grad_accum").asInt()).isEqualTo(2);
    assertThat(j.at("/train/eval_every_steps").asInt()).isEqualTo(-1);
    assertThat(j.at("/train/save_every_steps").asInt()).isEqualTo(-1);
    assertThat(j.at("/train/keep_last").asInt()).isEqualTo(3);
    assertThat(j.at("/data/train").asText()).isEqualTo(run().split("train").toString());
    assertThat(Path.of(j.at("/data/validation").asText())).isAbsolute();
    assertThat(spec.outputDir()).isEqualTo(run().train());
    assertThat(spec.checkpointsDir()).isEqualTo(run().checkpoints());
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly(
            "protocol",
            "command",
            "engine",
            "device",
            "seed",
            "model",
            "lora",
            "data",
            "train",
            "output_dir");
  }

  @Test
  void aScratchBaseIsPretrainedIntoTheRunAndThenTrainedFromThere() {
    Workflow w = WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of()).workflow();
    WorkerSpec pre = WorkerSpecs.build(w, run(), Command.PRETRAIN);
    assertThat(pre.json().at("/model/base").asText()).isEqualTo("scratch");
    assertThat(pre.json().at("/model/scratch/hidden_size").asInt())
        .isEqualTo(w.model().scratch().hiddenSize());
    assertThat(pre.json().at("/model/scratch/steps").asInt())
        .isEqualTo(w.model().scratch().pretrainSteps());
    assertThat(pre.outputDir()).isEqualTo(run().base());
    assertThat(pre.seed()).isEqualTo(w.model().scratch().seed());
    WorkerSpec train = WorkerSpecs.build(w, run(), Command.TRAIN);
    assertThat(train.json().at("/model/base").asText()).isEqualTo(run().base().toString());
    assertThat(train.json().at("/model/tokenizer").asText())
        .isEqualTo(run().tokenizer().resolve("tokenizer.json").toString());
    assertThat(train.json().at("/model/scratch").isMissingNode()).isTrue();
  }

  @Test
  void theDjlEnginePretrainsAScratchBaseThatTheHfEngineTrainsOn() {
    Workflow w =
        WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of("train.engine=hf"))
            .workflow();
    assertThat(WorkerSpecs.build(w, run(), Command.PRETRAIN).engine()).isEqualTo("djl");
    assertThat(WorkerSpecs.build(w, run(), Command.TRAIN).engine()).isEqualTo("hf");
  }

  @Test
  void pretrainNeedsAScratchBase() {
    Workflow w = WorkerFixtures.workflow();
    assertThatThrownBy(() -> WorkerSpecs.pretrain(w, run()))
        .hasMessageContaining("only a scratch base is pre-trained");
  }

  @Test
  void evalLossScoresTheBaseAndEveryCompleteCheckpoint() throws Exception {
    RunDirectory run = run();
    Checkpoints.write(run.checkpoints(), 5, d -> {});
    Checkpoints.write(run.checkpoints(), 10, d -> {});
    Files.createDirectories(run.checkpoint(15));
    WorkerSpec spec = WorkerSpecs.build(WorkerFixtures.workflow(), run, Command.EVAL_LOSS);
    List<String> list = new ArrayList<>();
    spec.json().at("/eval_loss/checkpoints").forEach(n -> list.add(n.isNull() ? null : n.asText()));
    assertThat(list)
        .containsExactly(null, run.checkpoint(5).toString(), run.checkpoint(10).toString());
    assertThat(spec.outputDir()).isEqualTo(run.eval());
  }

  @Test
  void generateCarriesEveryStrategyWithADerivedSeed() {
    Workflow w = WorkerFixtures.workflow();
    RunDirectory run = run();
    WorkerSpec spec =
        WorkerSpecs.generate(w, run, run.checkpoint(20), run.split("test"), run.generations());
    JsonNode s = spec.json();
    assertThat(s.at("/generate/adapter").asText()).isEqualTo(run.checkpoint(20).toString());
    assertThat(s.at("/generate/strategies")).hasSize(6);
    JsonNode beam = s.at("/generate/strategies/0");
    assertThat(beam.get("name").asText()).isEqualTo("beam_4");
    assertThat(beam.get("num_beams").asInt()).isEqualTo(4);
    StrategySpec beam4 = StrategySpec.greedy("beam_4");
    assertThat(beam.get("seed").asLong()).isEqualTo(beam4.resolvedSeed(42));
    assertThat(beam4.resolvedSeed(42)).isNotEqualTo(StrategySpec.greedy("greedy").resolvedSeed(42));
    assertThat(s.at("/data/questions").asText()).isEqualTo(run.split("test").toString());
    assertThatThrownBy(() -> WorkerSpecs.build(w, run, Command.GENERATE))
        .hasMessageContaining("WorkerSpecs.generate");
  }

  /** The spec's strategies are the workflow's, each written by {@code StrategySpec.toJson}. */
  @Test
  void theStrategiesSectionHoldsEveryKnobOfEveryStrategy() {
    Workflow w =
        WorkflowLoader.parseYaml(
            "s.yaml",
            WorkerFixtures.YAML
                + "eval: {strategies: [{name: a, num_beams: 3, length_penalty: 0.5,"
                + " early_stopping: true, min_new_tokens: 2}, {name: b, temperature: 0.7, top_p:"
                + " 0.8, seed: 7}]}\n",
            List.of());
    RunDirectory run = run();
    JsonNode s = WorkerSpecs.generate(w, run, null, run.split("test"), run.generations()).json();
    assertThat(Jsonl.write(s.at("/generate/strategies")))
        .isEqualTo(
            "[{\"name\":\"a\",\"num_beams\":3,\"length_penalty\":0.5,\"early_stopping\":true,"
                + "\"do_sample\":false,\"temperature\":1.0,\"top_k\":0,\"top_p\":1.0,"
                + "\"min_new_tokens\":2,\"seed\":3904355949},"
                + "{\"name\":\"b\",\"num_beams\":1,\"length_penalty\":1.0,\"early_stopping\":false,"
                + "\"do_sample\":true,\"temperature\":0.7,\"top_k\":50,\"top_p\":0.8,"
                + "\"min_new_tokens\":0,\"seed\":7}]");
  }

  @Test
  void aBadSpecIsRejectedNamingTheKey() {
    ObjectNode json = WorkerSpecs.train(WorkerFixtures.workflow(), run()).json();
    ((ObjectNode) json.get("train")).put("lr", -1);
    ((ObjectNode) json.get("train")).put("learning_rate", 0.1);
    ((ObjectNode) json.get("model")).remove("dtype");
    assertThatThrownBy(() -> WorkerSpec.of(json))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("$.model.dtype: missing (a required key)")
        .hasMessageContaining("$.train.lr: expected a number > 0 and <= 1, found -1")
        .hasMessageContaining("$.train.learning_rate: unknown key");
  }

  @Test
  void aSpecRoundTripsThroughItsFileAndABadFileIsNamed() throws Exception {
    WorkerSpec spec = WorkerSpecs.train(WorkerFixtures.workflow(), run());
    Path file = run().logs().resolve("train-spec.json");
    spec.write(file);
    assertThat(WorkerSpec.read(file)).isEqualTo(spec);
    try (var s = Files.list(file.getParent())) {
      assertThat(s).containsExactly(file);
    }
    String text = Files.readString(file).replace("\"protocol\" : 1", "\"protocol\" : 2");
    Files.writeString(file, text);
    assertThatThrownBy(() -> WorkerSpec.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(file + " does not match spec.schema.json")
        .hasMessageContaining("$.protocol: expected 1, found 2");
    Files.writeString(file, "{\"protocol\": ");
    assertThatThrownBy(() -> WorkerSpec.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void everyShippedWorkflowGivesValidSpecs() throws Exception {
    try (var files = Files.list(Path.of("workflows"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        Workflow w = WorkflowLoader.load(f, List.of()).workflow();
        for (Command c : Arrays.asList(Command.TRAIN, Command.EVAL_LOSS)) {
          assertThat(WorkerSpecs.build(w, run(), c).command()).isEqualTo(c);
        }
        assertThat(
                Jsonl.write(
                    WorkerSpecs.generate(w, run(), null, run().split("test"), run().generations())
                        .json()))
            .contains("\"adapter\":null");
      }
    }
  }
}
