package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
  @TempDir Path tmp;

  @Test
  void rowsAreAppendedAndTruncatedAfterTheResumedStep() throws Exception {
    Path file = tmp.resolve("train/metrics.jsonl");
    try (MetricsLog log = MetricsLog.open(file)) {
      for (int step = 1; step <= 6; step++) {
        log.append(
            Jsonl.MAPPER.readTree("{\"event\":\"metrics\",\"step\":" + step + ",\"epoch\":0}"));
      }
      // flushed row by row: readable before close
      assertThat(Files.readAllLines(file)).hasSize(6);
    }
    Files.writeString(
        file,
        Files.readString(file) + "{\"step\":7,\"ep",
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    List<String> notes = new ArrayList<>();
    assertThat(MetricsLog.truncateAfter(file, 4, notes::add)).isEqualTo(2);
    assertThat(Files.readAllLines(file))
        .containsExactly(
            "{\"step\":1,\"epoch\":0}",
            "{\"step\":2,\"epoch\":0}",
            "{\"step\":3,\"epoch\":0}",
            "{\"step\":4,\"epoch\":0}");
    assertThat(notes)
        .containsExactly(
            "metrics: dropped 2 row(s) after step 4 and a torn last line from metrics.jsonl");
    assertThat(MetricsLog.truncateAfter(file, 4, notes::add)).isZero();
    assertThat(notes).hasSize(1);
    assertThat(MetricsLog.truncateAfter(tmp.resolve("none.jsonl"), 0, notes::add)).isZero();
  }

  @Test
  void aBadRowInTheMiddleIsAnErrorNamingFileAndLine() throws Exception {
    Path file = tmp.resolve("metrics.jsonl");
    Files.writeString(file, "{\"step\":1}\nnot json\n{\"step\":2}\n");
    assertThatThrownBy(() -> MetricsLog.truncateAfter(file, 0, s -> {}))
        .hasMessageContaining(file + ":2: not a JSON object");
    assertThat(Files.readString(file)).startsWith("{\"step\":1}\nnot json");
  }
}
