package io.tunecard.ingest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.LengthDistribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Builds {@code dataset/stats.json} (docs/run-directory.md) from the split reports and the
 * rejection counts.
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

  public static ObjectNode build(
      IngestConfig config, List<SplitReport> splits, SortedMap<String, Long> rejectedByReason) {
    long usable = splits.stream().mapToLong(SplitReport::rows).sum();
    long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    ObjectNode root = Jsonl.MAPPER.createObjectNode();
    root.put("source", config.source());
    root.put("input", config.inputLabel());
    ObjectNode rows = root.putObject("rows");
    rows.put("read", usable + rejected);
    rows.put("usable", usable);
    rows.put("rejected", rejected);
    root.set("rejected_by_reason", counts(rejectedByReason));
    ObjectNode perSplit = root.putObject("splits");
    splits.forEach(s -> perSplit.put(s.split(), s.rows()));
    TreeMap<String, Long> bySource = new TreeMap<>();
    TreeMap<String, Long> byType = new TreeMap<>();
    for (SplitReport s : splits) {
      s.bySource().forEach((k, v) -> bySource.merge(k, v, Long::sum));
      s.byQuestionType().forEach((k, v) -> byType.merge(k, v, Long::sum));
    }
    root.set("by_source", counts(bySource));
    root.set("by_question_type", counts(byType));
    ObjectNode bySplit = root.putObject("by_split");
    for (SplitReport s : splits) {
      ObjectNode o = bySplit.putObject(s.split());
      o.set("by_source", counts(s.bySource()));
      o.set("by_question_type", counts(s.byQuestionType()));
    }
    root.set("answer_chars", distribution(splits));
    root.putNull("answer_tokens");
    root.set("near_duplicate_questions_across_splits", nearDuplicates(splits));
    return root;
  }

  private static ObjectNode counts(Map<String, Long> m) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    new TreeMap<>(m).forEach(o::put);
    return o;
  }

  /** min, nearest-rank p50/p90/p99, max and mean (one decimal) of the answers' lengths. */
  static ObjectNode distribution(List<SplitReport> splits) {
    return LengthDistribution.of(
            splits.stream().flatMapToInt(s -> Arrays.stream(s.answerChars())).toArray())
        .toTree();
  }

  private record Side(String split, SplitReport.NearKey key) {}

  static ObjectNode nearDuplicates(List<SplitReport> splits) {
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
    List<ObjectNode> examples = new ArrayList<>();
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
      ObjectNode e = Jsonl.MAPPER.createObjectNode();
      e.put("a", a.key().firstId());
      e.put("b", b.key().firstId());
      e.putArray("splits").add(a.split()).add(b.split());
      e.put("question", a.key().question());
      examples.add(e);
    }
    examples.sort(
        Comparator.comparing((ObjectNode e) -> e.get("a").asText())
            .thenComparing(e -> e.get("b").asText()));
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("count", pairs);
    ArrayNode list = o.putArray("examples");
    examples.stream().limit(EXAMPLES).forEach(list::add);
    return o;
  }
}
