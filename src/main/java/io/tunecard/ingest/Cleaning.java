package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;

/**
 * Cleans one candidate row: HTML character references decoded once, whitespace collapsed, empty
 * optional fields dropped. A row without a question, or (when the workflow says so) without an
 * answer, is rejected.
 */
public final class Cleaning {
  private final boolean dropEmptyAnswers;
  private final boolean collapsedByReader;

  /**
   * @param collapsedByReader the reader already collapsed the whitespace of questions and answers
   *     (the XML reader does, as it reads); then such a text is scanned again only when decoding a
   *     reference changed it
   */
  public Cleaning(boolean dropEmptyAnswers, boolean collapsedByReader) {
    this.dropEmptyAnswers = dropEmptyAnswers;
    this.collapsedByReader = collapsedByReader;
  }

  /** Question or answer text. */
  private String cleanText(String s) {
    String decoded = Text.decodeEntities(s);
    return collapsedByReader && decoded == s ? s : Text.collapseWhitespace(decoded);
  }

  /** Exactly one of the two is set. */
  public record Outcome(Candidate row, Rejection rejection) {}

  public Outcome clean(Candidate c) {
    DatasetRow r = c.row();
    String question = cleanText(r.question());
    String answer = cleanText(r.answer());
    if (question.isEmpty()) {
      return new Outcome(null, Rejection.of(c, Rejection.MISSING_FIELD, "question is empty"));
    }
    if (answer.isEmpty() && dropEmptyAnswers) {
      return new Outcome(null, Rejection.of(c, Rejection.EMPTY_ANSWER, "answer is empty"));
    }
    DatasetRow cleaned =
        new DatasetRow(
            r.id(),
            optional(r.source()),
            optional(r.focus()),
            optional(r.questionType()),
            question,
            answer,
            optional(r.url()),
            optional(r.umlsCui()),
            optional(r.semanticGroup()));
    return new Outcome(c.withRow(cleaned), null);
  }

  private static String optional(String s) {
    String t = Text.clean(s);
    return t == null || t.isEmpty() ? null : t;
  }
}
