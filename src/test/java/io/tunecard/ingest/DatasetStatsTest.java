package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.LengthDistribution;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DatasetStatsTest {
  static SplitReport report(String split, int[] chars, Map<String, SplitReport.NearKey> keys) {
    return new SplitReport(
        split,
        chars.length,
        "sha",
        new TreeMap<>(Map.of("GHR", (long) chars.length)),
        new TreeMap<>(Map.of("information", (long) chars.length)),
        chars,
        keys);
  }

  static SplitReport.NearKey key(long n, String id) {
    return new SplitReport.NearKey(n, id, "What is (are) Gout ?");
  }

  @Test
  void countsNearDuplicatePairsAcrossSplitsWithExamples() {
    List<SplitReport> splits =
        List.of(
            report("train", new int[] {10, 20, 30}, Map.of("whatisaregout", key(2, "GHR_2-1"))),
            report("validation", new int[] {40}, Map.of("whatisaregout", key(1, "GARD_9-1"))),
            report("test", new int[] {50}, Map.of("other", key(1, "CDC_1-1"))));
    DatasetStatsFile stats =
        DatasetStats.build(
            IngestConfigs.of(Path.of("in"), Path.of("s"), Path.of("t")),
            splits,
            new TreeMap<>(Map.of("empty_answer", 3L)));
    var near = stats.nearDuplicates();
    assertThat(near.count()).isEqualTo(2); // 2 train rows x 1 validation row
    var example = near.examples().get(0);
    assertThat(example.a()).isEqualTo("GARD_9-1");
    assertThat(example.b()).isEqualTo("GHR_2-1");
    assertThat(example.splits()).containsExactly("validation", "train");
    assertThat(stats.rows().read()).isEqualTo(8);
    assertThat(stats.rows().usable()).isEqualTo(5);
    assertThat(stats.bySource()).containsEntry("GHR", 5L);
    assertThat(stats.bySplit().get("train").byQuestionType()).containsEntry("information", 3L);
  }

  @Test
  void answerLengthsUseNearestRankPercentiles() {
    int[] chars = new int[100];
    for (int i = 0; i < 100; i++) {
      chars[i] = 100 - i; // 1..100, unsorted
    }
    var d = DatasetStats.distribution(List.of(report("train", chars, Map.of())));
    assertThat(d).isEqualTo(new LengthDistribution(1, 50, 90, 99, 100, 50.5));
  }
}
