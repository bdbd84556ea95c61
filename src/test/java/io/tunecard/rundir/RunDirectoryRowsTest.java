package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rows of train/metrics.jsonl and eval/generations/*.jsonl, read as records. */
class RunDirectoryRowsTest {
  @TempDir Path tmp;

  @Test
  void aGenerationRowIsWrittenInTheDocumentedOrderAndReadBack() throws Exception {
    GenerationRow row = new GenerationRow("q1", "What?", "Ref.", "Pred.", 48, true);
    assertThat(row.toJsonLine())
        .isEqualTo(
            "{\"id\":\"q1\",\"question\":\"What?\",\"reference\":\"Ref.\","
                + "\"prediction\":\"Pred.\",\"tokens\":48,\"hit_cap\":true}");
    Path file = tmp.resolve("greedy.jsonl");
    Files.writeString(file, row.toJsonLine() + "\n{\"id\":\"q2\",\"prediction\":\"p\"}\n");
    assertThat(GenerationRow.readAll(file))
        .containsExactly(row, new GenerationRow("q2", null, null, "p", null, null));
  }

  @Test
  void aGenerationValueOfTheWrongTypeNamesTheLineAndKey() throws Exception {
    Path file = tmp.resolve("greedy.jsonl");
    Files.writeString(file, "{\"id\":\"q1\"}\n{\"id\":\"q2\",\"tokens\":-3}\n");
    assertThatThrownBy(() -> GenerationRow.readAll(file))
        .isInstanceOf(BadInputException.class)
        .hasMessage(file + ":2: key 'tokens': expected a count, found -3");
    Files.writeString(file, "{\"id\":\"q1\",\"hit_cap\":\"yes\"}\n");
    assertThatThrownBy(() -> GenerationRow.readAll(file))
        .hasMessage(file + ":1: key 'hit_cap': expected true or false, found \"yes\"");
  }

  @Test
  void trainingRowsKeepTheirOrderAndTheirOptionalKeys() throws Exception {
    Path file = tmp.resolve("metrics.jsonl");
    Files.writeString(
        file,
        String.join(
            "\n",
            "{\"step\":0,\"epoch\":0.0,\"eval_loss\":2.5}",
            "{\"step\":100,\"epoch\":0.07,\"loss\":0.9164,\"lr\":0.000199,\"grad_norm\":0.41,"
                + "\"tokens_per_s\":5230.5}",
            ""));
    assertThat(TrainMetricsRow.readAll(file))
        .isEqualTo(
            List.of(
                new TrainMetricsRow(0, 0.0, null, 2.5, null, null, null),
                new TrainMetricsRow(100, 0.07, 0.9164, null, 0.000199, 0.41, 5230.5)));
  }

  @Test
  void aRowIsTheEventWithoutItsNameInTheStableKeyOrder() throws Exception {
    var event =
        Jsonl.MAPPER.readTree(
            "{\"tokens_per_s\":10.5,\"zeta\":1,\"eval_loss\":0.7,\"event\":\"metrics\",\"alpha\":2,"
                + "\"grad_norm\":0.4,\"lr\":0.0002,\"loss\":0.9,\"epoch\":0.5,\"step\":7}");
    assertThat(TrainMetricsRow.line(tmp.resolve("metrics.jsonl"), event))
        .isEqualTo(
            "{\"step\":7,\"epoch\":0.5,\"loss\":0.9,\"lr\":2.0E-4,\"grad_norm\":0.4,"
                + "\"tokens_per_s\":10.5,\"eval_loss\":0.7,\"alpha\":2,\"zeta\":1}");
  }

  @Test
  void aWrittenRowReadsBackAsItsEvent() throws Exception {
    Path file = tmp.resolve("metrics.jsonl");
    var event =
        Jsonl.MAPPER.readTree(
            "{\"event\":\"metrics\",\"step\":100,\"epoch\":0.07,\"loss\":0.9164,"
                + "\"lr\":0.000199,\"grad_norm\":0.41,\"tokens_per_s\":5230.5}");
    Files.writeString(file, TrainMetricsRow.line(file, event) + "\n");
    assertThat(TrainMetricsRow.readAll(file))
        .containsExactly(new TrainMetricsRow(100, 0.07, 0.9164, null, 0.000199, 0.41, 5230.5));
  }

  @Test
  void anEventThatIsNotARowIsBadInputNamingTheKey() throws Exception {
    Path file = tmp.resolve("metrics.jsonl");
    assertThatThrownBy(
            () -> TrainMetricsRow.line(file, Jsonl.MAPPER.readTree("{\"event\":\"metrics\"}")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("key 'step' is required");
    assertThatThrownBy(
            () -> TrainMetricsRow.line(file, Jsonl.MAPPER.readTree("{\"step\":1,\"loss\":\"x\"}")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("key 'loss': expected a number");
  }

  @Test
  void aTrainingRowWithoutAStepOrWithAWrongTypeNamesTheRow() throws Exception {
    Path file = tmp.resolve("metrics.jsonl");
    Files.writeString(file, "{\"step\":1}\n{\"loss\":1.0}\n");
    assertThatThrownBy(() -> TrainMetricsRow.readAll(file))
        .hasMessage(file + ": row 2: key 'step' is required");
    Files.writeString(file, "{\"step\":1,\"loss\":\"nan\"}\n");
    assertThatThrownBy(() -> TrainMetricsRow.readAll(file))
        .hasMessage(file + ": row 1: " + file + ": key 'loss': expected a number, found \"nan\"");
  }
}
