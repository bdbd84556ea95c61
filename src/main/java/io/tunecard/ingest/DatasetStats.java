package io.tunecard.ingest;

import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.LengthDistribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds the record of {@code dataset/stats.json} ({@link DatasetStatsFile}, which writes it; keys
 * in docs/run-directory.md) from the split reports and the rejection counts, every count map sorted
 * by key.
 *
 * <p>Near-duplicate questions are questions that are equal once lower-cased and stripped of
 * everything but letters and digits ({@link Text#nearKey}); hashing that key is linear in the rows
 * and finds the pattern that leaks in MedQuAD (one question asked by several sources, or with
 * different punctuation). {@code count} is the number of pairs of such rows that sit in different
 * splits; each example is one such question, with the smallest ids on each side.
 */
public final class DatasetStats {
  /** How many near-duplicate examples stats.json lists. */
  public static final int EXAMPLES = 20;

  private DatasetStats() {}

  /** The stats.json record of the split reports and the rejection counts. */
  public static DatasetStatsFile build(
      IngestConfig config, List<SplitReport> splits, SortedMap<String, Long> rejectedByReason) {
    long usable = splits.stream().mapToLong(SplitReport::rows).sum();
    long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> perSplit = new LinkedHashMap<>();
    splits.forEach(s -> perSplit.put(s.split(), s.rows()));
    TreeMap<String, Long> bySource = new TreeMap<>();
    TreeMap<String, Long> byType = new TreeMap<>();
    Map<String, DatasetStatsFile.SplitCounts> bySplit = new LinkedHashMap<>();
    for (SplitReport s : splits) {
      s.bySource().forEach((k, v) -> bySource.merge(k, v, Long::sum));
      s.byQuestionType().forEach((k, v) -> byType.merge(k, v, Long::sum));
      bySplit.put(
          s.split(),
          new DatasetStatsFile.SplitCounts(
              new TreeMap<>(s.bySource()), new TreeMap<>(s.byQuestionType())));
    }
    return new DatasetStatsFile(
        config.source(),
        config.inputLabel(),
        new DatasetStatsFile.Rows(usable + rejected, usable, rejected),
        new TreeMap<>(rejectedByReason),
        perSplit,
        bySource,
        byType,
        bySplit,
        distribution(splits),
        null,
        nearDuplicates(splits));
  }

  /** min, nearest-rank p50/p90/p99, max and mean (one decimal) of the answers' lengths. */
  static LengthDistribution distribution(List<SplitReport> splits) {
    return LengthDistribution.of(
        splits.stream().flatMapToInt(s -> Arrays.stream(s.answerChars())).toArray());
  }

  private record Side(String split, SplitReport.NearKey key) {}

  static DatasetStatsFile.NearDuplicates nearDuplicates(List<SplitReport> splits) {
    TreeMap<String, List<Side>> byKey = new TreeMap<>();
    for (SplitReport s : splits) {
      s.questions()
          .forEach(
              (k, v) -> {
                if (!k.isEmpty()) {
                  byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(new Side(s.split(), v));
                }
              });
    }
    long pairs = 0;
    List<DatasetStatsFile.Example> examples = new ArrayList<>();
    for (List<Side> sides : byKey.values()) {
      if (sides.size() < 2) {
        continue;
      }
      for (int i = 0; i < sides.size(); i++) {
        for (int j = i + 1; j < sides.size(); j++) {
          pairs += sides.get(i).key().count() * sides.get(j).key().count();
        }
      }
      sides.sort(Comparator.comparing(s -> s.key().firstId()));
      Side a = sides.get(0);
      Side b = sides.get(1);
      examples.add(
          new DatasetStatsFile.Example(
              a.key().firstId(),
              b.key().firstId(),
              List.of(a.split(), b.split()),
              a.key().question()));
    }
    examples.sort(
        Comparator.comparing(DatasetStatsFile.Example::a)
            .thenComparing(DatasetStatsFile.Example::b));
    return new DatasetStatsFile.NearDuplicates(pairs, examples.stream().limit(EXAMPLES).toList());
  }
}
