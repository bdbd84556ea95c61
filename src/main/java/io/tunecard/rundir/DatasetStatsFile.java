package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code dataset/stats.json} (docs/run-directory.md), read into types: what ingest read, kept and
 * rejected, the rows per split, source and question type, the answers' lengths and the
 * near-duplicate questions across splits. Ingest builds the record ({@code ingest.DatasetStats})
 * and {@link #write}s it; this is the file's only reader and writer, the one place that knows its
 * keys, and {@link #recordAnswerTokens} the one change made to it later. A key the file lacks reads
 * as null (an empty map for the counts); a value of the wrong type, or a count that is not a
 * non-negative integer, is bad input naming the file and the key.
 *
 * @param source the dataset source ({@code medquad-xml}, {@code hf-export}, {@code hub})
 * @param input what was read (a path, or a Hub repository)
 * @param rows records read, usable and rejected; null when not recorded
 * @param rejectedByReason rejected records per reason, in the file's order
 * @param splits usable rows per split, in the file's order
 * @param bySource usable rows per source
 * @param byQuestionType usable rows per question type
 * @param bySplit usable rows per source and question type of each split, in the file's order
 * @param answerChars the answers' lengths in code points; null when not recorded
 * @param answerTokens the answers' lengths in tokens; null until a tokenizer exists
 * @param nearDuplicates near-duplicate questions across splits; null when not recorded
 */
public record DatasetStatsFile(
    String source,
    String input,
    Rows rows,
    Map<String, Long> rejectedByReason,
    Map<String, Long> splits,
    Map<String, Long> bySource,
    Map<String, Long> byQuestionType,
    Map<String, SplitCounts> bySplit,
    LengthDistribution answerChars,
    LengthDistribution answerTokens,
    NearDuplicates nearDuplicates) {

  public DatasetStatsFile {
    rejectedByReason = copy(rejectedByReason);
    splits = copy(splits);
    bySource = copy(bySource);
    byQuestionType = copy(byQuestionType);
    bySplit = Collections.unmodifiableMap(new LinkedHashMap<>(bySplit));
  }

  /** One split's entry of {@code by_split}: its usable rows per source and question type. */
  public record SplitCounts(Map<String, Long> bySource, Map<String, Long> byQuestionType) {
    public SplitCounts {
      bySource = copy(bySource);
      byQuestionType = copy(byQuestionType);
    }
  }

  /** {@code rows}: {@code read = usable + rejected}; each null when not recorded. */
  public record Rows(Long read, Long usable, Long rejected) {}

  /** {@code near_duplicate_questions_across_splits}: the pairs' count and up to 20 examples. */
  public record NearDuplicates(Long count, List<Example> examples) {
    public NearDuplicates {
      examples = List.copyOf(examples);
    }
  }

  /** One near-duplicate question: the smallest id on each side and their splits. */
  public record Example(String a, String b, List<String> splits, String question) {
    public Example {
      splits = List.copyOf(splits);
    }
  }

  /** The usable rows of {@code split}, or null when not recorded. */
  public Long rowsOf(String split) {
    return splits.get(split);
  }

  /** Reads {@code file}; a missing file, bad JSON or a value of the wrong type is bad input. */
  public static DatasetStatsFile read(Path file) {
    JsonFields f = new JsonFields(file);
    JsonNode s = JsonFields.readObject(file);
    Rows rows = null;
    JsonNode r = f.object(s, "rows", "rows");
    if (r != null) {
      rows =
          new Rows(
              f.longValue(r, "read", "rows.read"),
              f.longValue(r, "usable", "rows.usable"),
              f.longValue(r, "rejected", "rows.rejected"));
    }
    JsonNode chars = f.object(s, "answer_chars", "answer_chars");
    JsonNode tokens = f.object(s, "answer_tokens", "answer_tokens");
    return new DatasetStatsFile(
        f.text(s, "source", "source"),
        f.text(s, "input", "input"),
        rows,
        counts(f, s, "rejected_by_reason"),
        counts(f, s, "splits"),
        counts(f, s, "by_source"),
        counts(f, s, "by_question_type"),
        bySplit(f, f.object(s, "by_split", "by_split")),
        chars == null ? null : LengthDistribution.fromTree(f, chars, "answer_chars"),
        tokens == null ? null : LengthDistribution.fromTree(f, tokens, "answer_tokens"),
        nearDuplicates(f, f.object(s, "near_duplicate_questions_across_splits", NEAR)));
  }

  private static final String NEAR = "near_duplicate_questions_across_splits";

  /**
   * Writes the file atomically, pretty-printed, every key present: a section not recorded (rows, a
   * distribution, the near duplicates) is written as null, {@code answer_tokens} among them until
   * {@link #recordAnswerTokens} fills it.
   */
  public void write(Path file) {
    JsonFields.write(file, toTree());
  }

  /** The file's JSON, keys in the order of docs/run-directory.md. */
  public ObjectNode toTree() {
    ObjectNode root = Jsonl.MAPPER.createObjectNode();
    JsonFields.putOrNull(root, "source", source);
    JsonFields.putOrNull(root, "input", input);
    if (rows == null) {
      root.putNull("rows");
    } else {
      ObjectNode r = root.putObject("rows");
      JsonFields.putOrNull(r, "read", rows.read());
      JsonFields.putOrNull(r, "usable", rows.usable());
      JsonFields.putOrNull(r, "rejected", rows.rejected());
    }
    root.set("rejected_by_reason", countsTree(rejectedByReason));
    root.set("splits", countsTree(splits));
    root.set("by_source", countsTree(bySource));
    root.set("by_question_type", countsTree(byQuestionType));
    ObjectNode perSplit = root.putObject("by_split");
    bySplit.forEach(
        (split, c) -> {
          ObjectNode o = perSplit.putObject(split);
          o.set("by_source", countsTree(c.bySource()));
          o.set("by_question_type", countsTree(c.byQuestionType()));
        });
    root.set("answer_chars", answerChars == null ? root.nullNode() : answerChars.toTree());
    root.set("answer_tokens", answerTokens == null ? root.nullNode() : answerTokens.toTree());
    if (nearDuplicates == null) {
      root.putNull(NEAR);
    } else {
      ObjectNode near = root.putObject(NEAR);
      JsonFields.putOrNull(near, "count", nearDuplicates.count());
      ArrayNode list = near.putArray("examples");
      for (Example e : nearDuplicates.examples()) {
        ObjectNode o = list.addObject();
        JsonFields.putOrNull(o, "a", e.a());
        JsonFields.putOrNull(o, "b", e.b());
        ArrayNode sides = o.putArray("splits");
        e.splits().forEach(sides::add);
        JsonFields.putOrNull(o, "question", e.question());
      }
    }
    return root;
  }

  private static ObjectNode countsTree(Map<String, Long> counts) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    counts.forEach(o::put);
    return o;
  }

  private static Map<String, SplitCounts> bySplit(JsonFields f, JsonNode o) {
    Map<String, SplitCounts> out = new LinkedHashMap<>();
    if (o == null) {
      return out;
    }
    o.fields()
        .forEachRemaining(
            e -> {
              String at = "by_split." + e.getKey();
              JsonNode split = f.object(o, e.getKey(), at);
              out.put(
                  e.getKey(),
                  split == null
                      ? new SplitCounts(Map.of(), Map.of())
                      : new SplitCounts(
                          counts(f, split, "by_source", at + ".by_source"),
                          counts(f, split, "by_question_type", at + ".by_question_type")));
            });
    return out;
  }

  /**
   * Sets {@code answer_tokens} of the stats.json at {@code file}, leaving every other key as it is,
   * and rewrites the file atomically.
   */
  public static void recordAnswerTokens(Path file, LengthDistribution tokens) {
    ObjectNode updated = ((ObjectNode) JsonFields.readObject(file)).deepCopy();
    updated.set("answer_tokens", tokens.toTree());
    JsonFields.write(file, updated);
  }

  private static NearDuplicates nearDuplicates(JsonFields f, JsonNode near) {
    if (near == null) {
      return null;
    }
    List<Example> examples = new ArrayList<>();
    JsonNode list = near.path("examples");
    for (int i = 0; i < list.size(); i++) {
      String at = NEAR + ".examples[" + i + "]";
      JsonNode e = list.get(i);
      List<String> splits = new ArrayList<>();
      e.path("splits").forEach(x -> splits.add(x.asText()));
      examples.add(
          new Example(
              f.text(e, "a", at + ".a"),
              f.text(e, "b", at + ".b"),
              splits,
              f.text(e, "question", at + ".question")));
    }
    return new NearDuplicates(f.longValue(near, "count", NEAR + ".count"), examples);
  }

  /** The object {@code s.key} of counts, each a non-negative integer; empty when absent. */
  private static Map<String, Long> counts(JsonFields f, JsonNode s, String key) {
    return counts(f, s, key, key);
  }

  /** As {@link #counts(JsonFields, JsonNode, String)}, naming the key as {@code at} in errors. */
  private static Map<String, Long> counts(JsonFields f, JsonNode s, String key, String at) {
    Map<String, Long> out = new LinkedHashMap<>();
    JsonNode o = f.object(s, key, at);
    if (o == null) {
      return out;
    }
    o.fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              if (!v.isIntegralNumber() || v.longValue() < 0) {
                throw f.bad("key '" + at + "." + e.getKey() + "': expected a count, found " + v);
              }
              out.put(e.getKey(), v.longValue());
            });
    return out;
  }

  private static Map<String, Long> copy(Map<String, Long> m) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }
}
