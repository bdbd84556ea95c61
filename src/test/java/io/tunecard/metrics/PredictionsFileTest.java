package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionsFileTest {
  @TempDir Path dir;

  private Path write(String... lines) throws Exception {
    Path f = dir.resolve("p.jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  @Test
  void readsRowsIgnoringExtraKeysAndBlankLines() throws Exception {
    Path f =
        write(
            "{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\",\"question\":\"q\",\"hit_cap\":true}",
            "",
            "{\"id\":7,\"prediction\":\"\",\"reference\":\"z\",\"tokens\":12}");
    List<PredictionRow> rows = PredictionsFile.read(f);
    assertThat(rows)
        .containsExactly(
            new PredictionRow("a", "x", "y", null), new PredictionRow("7", "", "z", 12));
  }

  @Test
  void badLinesNameFileAndLine() throws Exception {
    Path f = write("{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}", "{\"id\":\"b\",");
    assertThatThrownBy(() -> PredictionsFile.read(f))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith(f + ":2: not valid JSON");
    Path g = write("{\"id\":\"a\",\"reference\":\"y\"}");
    assertThatThrownBy(() -> PredictionsFile.read(g))
        .hasMessage(g + ":1: prediction: expected a string, found no such key");
    Path h = write("{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\",\"tokens\":-1}");
    assertThatThrownBy(() -> PredictionsFile.read(h))
        .hasMessage(h + ":1: tokens: expected a whole number >= 0, found -1");
    Path i = write("[1,2]");
    assertThatThrownBy(() -> PredictionsFile.read(i)).hasMessage(i + ":1: expected a JSON object");
  }

  @Test
  void duplicateIdsEmptyAndMissingFilesAreErrors() throws Exception {
    Path f =
        write(
            "{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}",
            "{\"id\":\"a\",\"prediction\":\"x\",\"reference\":\"y\"}");
    assertThatThrownBy(() -> PredictionsFile.read(f))
        .hasMessage(f + ":2: id 'a' already appears on line 1");
    Path empty = write("");
    assertThatThrownBy(() -> PredictionsFile.read(empty)).hasMessageContaining("no rows");
    assertThatThrownBy(() -> PredictionsFile.read(dir.resolve("nope.jsonl")))
        .hasMessageEndingWith("nope.jsonl: file not found");
  }
}
