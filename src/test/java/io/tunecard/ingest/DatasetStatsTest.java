package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
    ObjectNode stats =
        DatasetStats.build(
            IngestConfigs.of(Path.of("in"), Path.of("s"), Path.of("t")),
            splits,
            new TreeMap<>(Map.of("empty_answer", 3L)));
    var near = stats.get("near_duplicate_questions_across_splits");
    assertThat(near.get("count").asLong()).isEqualTo(2); // 2 train rows x 1 validation row
    var example = near.get("examples").get(0);
    assertThat(example.get("a").asText()).isEqualTo("GARD_9-1");
    assertThat(example.get("b").asText()).isEqualTo("GHR_2-1");
    assertThat(example.get("splits").toString()).isEqualTo("[\"validation\",\"train\"]");
    assertThat(stats.at("/rows/read").asLong()).isEqualTo(8);
    assertThat(stats.at("/rows/usable").asLong()).isEqualTo(5);
    assertThat(stats.at("/by_source/GHR").asLong()).isEqualTo(5);
    assertThat(stats.at("/by_split/train/by_question_type/information").asLong()).isEqualTo(3);
  }

  @Test
  void answerLengthsUseNearestRankPercentiles() {
    int[] chars = new int[100];
    for (int i = 0; i < 100; i++) {
      chars[i] = 100 - i; // 1..100, unsorted
    }
    var d = DatasetStats.distribution(List.of(report("train", chars, Map.of())));
    assertThat(d.get("min").asInt()).isEqualTo(1);
    assertThat(d.get("p50").asInt()).isEqualTo(50);
    assertThat(d.get("p90").asInt()).isEqualTo(90);
    assertThat(d.get("p99").asInt()).isEqualTo(99);
    assertThat(d.get("max").asInt()).isEqualTo(100);
    assertThat(d.get("mean").asDouble()).isEqualTo(50.5);
  }
}
