package io.tunecard.card;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.QuestionKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How many questions of the evaluated split also occur in the train split: word for word (after
 * stripping surrounding spaces), or as a near duplicate ({@link QuestionKey#near}: lower-cased,
 * only letters and digits kept; near includes exact). MedQuAD asks many templated questions, so a
 * random split leaks questions; {@code group_by: focus} keeps every focus in one split.
 *
 * @param split the evaluated split
 * @param questions its rows
 */
public record QuestionOverlap(String split, long questions, long exact, long near) {

  /** Counts over {@code dataset/<split>.jsonl} against {@code dataset/train.jsonl}. */
  static QuestionOverlap of(Path train, Path evaluated, String split) {
    Set<String> exact = new HashSet<>();
    Set<String> near = new HashSet<>();
    for (String q : questions(train)) {
      exact.add(q.strip());
      near.add(QuestionKey.near(q));
    }
    long n = 0;
    long e = 0;
    long nearCount = 0;
    for (String q : questions(evaluated)) {
      n++;
      e += exact.contains(q.strip()) ? 1 : 0;
      String key = QuestionKey.near(q);
      nearCount += !key.isEmpty() && near.contains(key) ? 1 : 0;
    }
    return new QuestionOverlap(split, n, e, nearCount);
  }

  private static List<String> questions(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": not found (the card counts overlapping questions)");
    }
    try {
      List<JsonNode> rows = Jsonl.readAll(file);
      return rows.stream()
          .map(
              r -> {
                if (!r.path("question").isTextual()) {
                  throw new BadInputException(file + ": a row has no string 'question'");
                }
                return r.get("question").asText();
              })
          .toList();
    } catch (IOException ex) {
      throw new BadInputException(file + ": " + ex.getMessage(), ex);
    }
  }
}
