package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.Fixtures;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation stage with {@code eval.engine: hf}: one {@code evaluate} worker (here {@link
 * StandInEvaluator}, a JVM child speaking the protocol) does the loss, the answers and BERTScore;
 * the stage writes eval/ from its files with the same steps as the djl engine.
 */
class HfEvaluationTest {
  @TempDir Path tmp;

  static final Path ENCODER = Fixtures.path("bertscore-parity").resolve("encoder");

  static List<String> standIn(String scenario) {
    return List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xmx64m",
        "-Dstandin=" + scenario,
        "-cp",
        System.getProperty("java.class.path"),
        StandInEvaluator.class.getName());
  }

  static WorkflowContext workflow(RunDirectory run, String encoder) {
    return EvalRunFixture.context(
        run,
        "eval.engine=hf",
        "eval.bertscore.model=" + encoder,
        "eval.bertscore.layer=3",
        "eval.bertscore.batch=4");
  }

  Path evaluate(RunDirectory run, WorkflowContext w, String scenario) {
    EvalOptions how = EvalOptions.defaults().withWorkerLauncher(standIn(scenario));
    return EvaluationStage.run(w, how, EvaluationStageTest.direct(1));
  }

  static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void oneWorkerDoesTheHeavyPartAndTheStageWritesEvalFromIt() throws IOException {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    Path metrics = evaluate(run, workflow(run, ENCODER.toString()), "ok");

    JsonNode spec = Jsonl.readTree(run.logs().resolve("evaluate-spec.json"));
    assertThat(spec.get("command").asText()).isEqualTo("evaluate");
    List<String> checkpoints = new ArrayList<>();
    spec.at("/eval_loss/checkpoints").forEach(c -> checkpoints.add(c.isNull() ? null : c.asText()));
    assertThat(checkpoints)
        .containsExactly(
            null,
            run.checkpoints().resolve("step-2").toAbsolutePath().toString(),
            run.checkpoints().resolve("step-4").toAbsolutePath().toString());
    assertThat(spec.at("/bertscore/model").asText()).isEqualTo(ENCODER.toAbsolutePath().toString());
    assertThat(spec.at("/bertscore/layer").asInt()).isEqualTo(3);
    assertThat(spec.at("/bertscore/batch").asInt()).isEqualTo(4);
    assertThat(spec.at("/bertscore/dtype").asText()).isEqualTo("fp32");
    assertThat(spec.at("/generate/compare_base").asBoolean()).isTrue();
    assertThat(spec.at("/generate/strategies")).hasSize(6);
    assertThat(spec.at("/data/questions").asText()).endsWith(".hf-evaluate/questions.jsonl");

    assertThat(files(run.eval())).hasSize(2 + 6 + 6).doesNotContain("questions.jsonl");
    assertThat(run.eval().resolve(HfEngine.WORK_DIR)).doesNotExist();
    JsonNode loss = Jsonl.readTree(run.eval().resolve("eval_loss.json"));
    assertThat(loss.get("best").asText()).isEqualTo("step-4");
    assertThat(loss.at("/base/loss").asDouble()).isEqualTo(3.0);
    assertThat(loss.at("/checkpoints/1/perplexity").asDouble())
        .isCloseTo(Math.exp(2.25), within(1e-12));

    JsonNode m = Jsonl.readTree(metrics);
    assertThat(m.get("best_checkpoint").asText()).isEqualTo("step-4");
    assertThat(m.at("/bertscore/computed").asBoolean()).isTrue();
    assertThat(m.at("/bertscore/dtype").asText()).isEqualTo("fp32");
    // bertscore_f1 is the JVM's mean (and interval) of the worker's per-answer values
    for (String strategy : List.of("greedy", "beam_4")) {
      for (String model : List.of("adapter", "base")) {
        List<JsonNode> rows =
            Jsonl.readAll(
                run.eval()
                    .resolve(
                        (model.equals("base") ? "generations-base/" : "generations/")
                            + strategy
                            + ".jsonl"));
        double sum = 0;
        for (JsonNode r : rows) {
          int words = r.get("reference").asText().strip().split("\\s+").length;
          sum += 0.5 + 0.4 * r.get("tokens").asInt() / words;
        }
        String section = model.equals("base") ? "base" : "strategies";
        JsonNode f1 = m.at("/" + section + "/" + strategy + "/metrics/bertscore_f1");
        assertThat(f1.get("n").asInt()).isEqualTo(6);
        assertThat(f1.get("mean").asDouble()).isCloseTo(sum / rows.size(), within(1e-12));
        assertThat(f1.get("ci_low").asDouble()).isLessThanOrEqualTo(f1.get("mean").asDouble());
      }
      assertThat(m.at("/base_vs_adapter/" + strategy + "/bertscore_f1/mean").asDouble())
          .isGreaterThan(0);
      assertThat(m.at("/strategies/" + strategy + "/metrics/rougeL/mean").asDouble())
          .isGreaterThan(0);
    }
  }

  @Test
  void aCrashedWorkerIsRetriedInTheSameFolderAndFindsWhatItWrote() throws IOException {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    evaluate(run, workflow(run, ENCODER.toString()), "crash-once");
    String log = Files.readString(run.logs().resolve("evaluate.log"));
    assertThat(log).contains("stand-in: dying after generations/beam_4.jsonl");
    assertThat(log)
        .contains("stand-in found: [eval_loss.json, generations/beam_4.jsonl, questions.jsonl]");
    assertThat(files(run.eval())).hasSize(14);
  }

  @Test
  void withoutEncoderWeightsNoBertScoreIsAskedForOrReported() throws IOException {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    Path metrics = evaluate(run, workflow(run, tmp.resolve("no-encoder").toString()), "ok");
    JsonNode spec = Jsonl.readTree(run.logs().resolve("evaluate-spec.json"));
    assertThat(spec.get("bertscore").isNull()).isTrue();
    JsonNode m = Jsonl.readTree(metrics);
    assertThat(m.at("/bertscore/computed").asBoolean()).isFalse();
    assertThat(m.at("/bertscore/reason").asText()).contains("no-encoder");
    assertThat(m.at("/strategies/greedy/metrics").has("bertscore_f1")).isFalse();
  }

  @Test
  void answersOfAnotherCheckpointThanTheLowestLossFailTheStage() {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    assertThatThrownBy(() -> evaluate(run, workflow(run, ENCODER.toString()), "wrong-best"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(
            "the lowest eval loss is step-4, but the evaluate worker answered" + " with step-2");
    assertThat(run.eval()).doesNotExist();
  }

  @Test
  void aBadAnswerRowNamesItsFileAndLine() {
    RunDirectory run = EvalRunFixture.copyTo(tmp.resolve("run"));
    assertThatThrownBy(() -> evaluate(run, workflow(run, ENCODER.toString()), "bad-row"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("beam_4.jsonl:1: key 'prediction': expected text");
    assertThat(run.eval()).doesNotExist();
  }
}
