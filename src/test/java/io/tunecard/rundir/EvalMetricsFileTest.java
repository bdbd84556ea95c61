package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval/metrics.json read into its record and written back, as docs/run-directory.md gives it. */
class EvalMetricsFileTest {
  @TempDir Path tmp;

  static Path resource(String name) {
    try {
      return Path.of(EvalMetricsFileTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The metrics.json of the reference run (docs/bench/reference-run-h200-2026-12-02). */
  static final String REFERENCE = "/io/tunecard/rundir/reference-metrics.json";

  static final String CARD_RUN = "/io/tunecard/card/run/eval/metrics.json";
  static final String PUBLISH_RUN = "/io/tunecard/publish/fixture/run/eval/metrics.json";

  @Test
  void aWrittenFileIsReadAndWrittenBackByteForByte() throws IOException {
    Path file = resource(REFERENCE);
    Path copy = tmp.resolve("metrics.json");
    EvalMetricsFile m = EvalMetricsFile.read(file);
    m.write(copy);
    assertThat(Files.readString(copy)).isEqualTo(Files.readString(file));

    assertThat(m.settings())
        .isEqualTo(new EvalMetricsFile.Settings("test", 256, 256, 1000, 42L, "step-200"));
    assertThat(m.strategies().keySet())
        .containsExactly("beam_4", "topp_0.9", "temp_1.2", "greedy", "temp_0.9", "topk_50");
    assertThat(m.strategies().get("beam_4").metric("rougeL").mean()).isEqualTo(0.10095623269348393);
    assertThat(m.strategies().get("beam_4").hitCap()).isEqualTo(118L);
    assertThat(m.bertscore().computed()).isTrue();
    assertThat(m.bertscore().reason()).isNull();
    assertThat(m.bestLoss().evalLoss()).isEqualTo(6.480761080950709);
    assertThat(m.evalLoss().batchSize()).isEqualTo(32);
    assertThat(m.evalLoss().base().checkpoint()).isNull();
    assertThat(m.baseFor("greedy")).isNotNull();
    assertThat(m.delta("greedy", "rougeL")).isNotNull();
  }

  @Test
  void aHandWrittenFileKeepsItsContent() throws IOException {
    // The card's fixture is indented by hand: the same JSON comes back, in the writer's layout.
    Path copy = tmp.resolve("metrics.json");
    EvalMetricsFile.read(resource(CARD_RUN)).write(copy);
    assertThat(Jsonl.readTree(copy)).isEqualTo(Jsonl.readTree(resource(CARD_RUN)));
    assertThat(Files.readString(copy)).endsWith("}\n");
  }

  @Test
  void anOlderFileIsReadWithItsLegacyKeys() throws IOException {
    // The publish fixture gives only "loss" per point, no batch size and no bertscore dtype.
    EvalMetricsFile m = EvalMetricsFile.read(resource(PUBLISH_RUN));
    assertThat(m.bestLoss().evalLoss()).isEqualTo(2.31);
    assertThat(m.bestLoss().evalLossTokenWeighted()).isNull();
    assertThat(m.bestLoss().perplexityOrExp()).isEqualTo(10.074425);
    assertThat(m.evalLoss().batchSize()).isNull();
    assertThat(m.evalLoss().base().evalLoss()).isEqualTo(2.9);
    assertThat(m.bertscore().dtype()).isNull();
    assertThat(m.bertscore().notComputed()).isTrue();
    // Written back, the loss is under both keys; what the file did not record stays out.
    Path copy = tmp.resolve("metrics.json");
    m.write(copy);
    JsonNode point = Jsonl.readTree(copy).at("/eval_loss/checkpoints/1");
    assertThat(point.get("eval_loss").asDouble()).isEqualTo(2.31);
    assertThat(point.get("loss").asDouble()).isEqualTo(2.31);
    assertThat(point.has("eval_loss_token_weighted")).isFalse();
    assertThat(Jsonl.readTree(copy).at("/eval_loss").has("batch_size")).isFalse();
  }

  @Test
  void withoutBestCheckpointOrEvalLossSectionTheOlderPlacesAreRead() throws IOException {
    Path eval = Files.createDirectories(tmp.resolve("eval"));
    Files.writeString(
        eval.resolve("metrics.json"),
        "{\"split\":\"test\",\"strategies\":{\"greedy\":{\"n\":2,\"hit_cap\":0,"
            + "\"metrics\":{\"rougeL\":{\"mean\":0.2}}}}}");
    Files.copy(
        resource("/io/tunecard/card/run/eval/eval_loss.json"), eval.resolve("eval_loss.json"));
    EvalMetricsFile m = EvalMetricsFile.read(eval.resolve("metrics.json"));
    assertThat(m.settings().bestCheckpoint()).isEqualTo("step-150");
    assertThat(m.bestLoss().evalLoss()).isEqualTo(4.207315);
    assertThat(m.strategies().get("greedy").metric("rougeL").ciLow()).isNull();
    assertThat(m.base()).isNull();
    assertThat(m.baseVsAdapter()).isNull();
  }

  @Test
  void theEvalLossFileIsReadAndWrittenBack() throws IOException {
    Path file = resource("/io/tunecard/card/run/eval/eval_loss.json");
    Path copy = tmp.resolve("eval_loss.json");
    EvalLossFile.read(file).write(copy);
    assertThat(Jsonl.readTree(copy)).isEqualTo(Jsonl.readTree(file));
  }

  @Test
  void badInputNamesTheFileAndTheKey() throws IOException {
    Path file = tmp.resolve("metrics.json");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": not found");
    Files.writeString(file, "[1]");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": expected a JSON object");
    Files.writeString(file, "{\"split\":");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(file + ":1: not valid JSON");
    Files.writeString(file, "{\"strategies\":{\"greedy\":{\"n\":\"many\",\"metrics\":{}}}}");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": key 'strategies.greedy.n': expected an integer, found \"many\"");
    Files.writeString(
        file, "{\"strategies\":{\"greedy\":{\"n\":2,\"metrics\":{\"rougeL\":{\"n\":2}}}}}");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": key 'strategies.greedy.metrics.rougeL.mean' is required");
    Files.writeString(
        file,
        "{\"eval_loss\":{\"checkpoints\":[{\"checkpoint\":\"step-5\",\"step\":5,\"tokens\":3}]}}");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ": eval_loss.step-5: key 'eval_loss' is required");
    Files.writeString(
        file, "{\"base_vs_adapter\":{\"greedy\":{\"rougeL\":{\"mean\":0.1,\"ci_low\":\"x\"}}}}");
    assertThatThrownBy(() -> EvalMetricsFile.read(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(
            file + ": key 'base_vs_adapter.greedy.rougeL.ci_low': expected a number, found \"x\"");
  }
}
