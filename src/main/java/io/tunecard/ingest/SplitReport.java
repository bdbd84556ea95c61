package io.tunecard.ingest;

import java.io.Serializable;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What writing one split file found: its row count and sha256, and the facts stats.json needs
 * (counts by source and question type, answer lengths, near-duplicate question keys).
 *
 * @param answerChars answer lengths in code points, one per row
 * @param questions for each near-duplicate key of a question in this split: how many rows have it,
 *     and the smallest such row id with its question
 */
public record SplitReport(
    String split,
    long rows,
    String sha256,
    SortedMap<String, Long> bySource,
    SortedMap<String, Long> byQuestionType,
    int[] answerChars,
    Map<String, NearKey> questions)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Rows of one split that share a near-duplicate question key. */
  public record NearKey(long count, String firstId, String question) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  public SplitReport {
    bySource = new TreeMap<>(bySource);
    byQuestionType = new TreeMap<>(byQuestionType);
    answerChars = answerChars.clone();
    questions = Map.copyOf(questions);
  }

  @Override
  public int[] answerChars() {
    return answerChars.clone();
  }

  /** The report of a split that received no rows. */
  public static SplitReport empty(String split, String sha256) {
    return new SplitReport(
        split, 0, sha256, new TreeMap<>(), new TreeMap<>(), new int[0], Map.of());
  }
}
