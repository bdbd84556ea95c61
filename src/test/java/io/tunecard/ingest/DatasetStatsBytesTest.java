package io.tunecard.ingest;

import static io.tunecard.ingest.DatasetStatsTest.key;
import static io.tunecard.ingest.DatasetStatsTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stats.json byte for byte: the fixtures under {@code ingest/stats/} were written by the earlier
 * code (commit d3e4a80), which built the file as a JSON tree, before stats.json was written from
 * its record.
 */
class DatasetStatsBytesTest {
  static final Path FIXTURES = Path.of("src/test/resources/io/tunecard/ingest/stats");

  @TempDir static Path tmp;

  static String written(List<SplitReport> splits, Map<String, Long> rejected) throws Exception {
    Path file = Files.createTempFile(tmp, "stats", ".json");
    DatasetStats.build(
            IngestConfigs.of(Path.of("in"), Path.of("s"), Path.of("t")),
            splits,
            new TreeMap<>(rejected))
        .write(file);
    return Files.readString(file);
  }

  static String nearDuplicatesWritten() throws Exception {
    return written(
        List.of(
            report(
                "train",
                new int[] {10, 20, 30, 7},
                Map.of("whatisaregout", key(2, "GHR_2-1"), "b", key(1, "B_1"))),
            report(
                "validation",
                new int[] {40},
                Map.of("whatisaregout", key(1, "GARD_9-1"), "b", key(3, "A_9"))),
            report(
                "test", new int[] {50, 3}, Map.of("other", key(1, "CDC_1-1"), "b", key(1, "C")))),
        Map.of("empty_answer", 3L, "duplicate", 1L));
  }

  static String emptyWritten() throws Exception {
    return written(
        List.of(
            SplitReport.empty("train", "e3b0"),
            SplitReport.empty("validation", "e3b0"),
            SplitReport.empty("test", "e3b0")),
        Map.of());
  }

  @Test
  void nearDuplicatesAndRejectionsAreWrittenAsBefore() throws Exception {
    assertThat(nearDuplicatesWritten())
        .isEqualTo(Files.readString(FIXTURES.resolve("near-duplicates.json")));
  }

  @Test
  void aDatasetWithNoRowsIsWrittenAsBefore() throws Exception {
    assertThat(emptyWritten()).isEqualTo(Files.readString(FIXTURES.resolve("empty.json")));
  }
}
