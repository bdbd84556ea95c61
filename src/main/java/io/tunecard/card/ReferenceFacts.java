package io.tunecard.card;

import java.util.List;
import java.util.Objects;

/**
 * The published fine-tune a figures card re-renders, and what its own card did not record ({@code
 * run.json} → {@code reference}): the card credits its author with a link and its citation, and
 * attributes to it only what its card states.
 *
 * @param url the reference's page (http or https), or null
 * @param notRecorded what the reference's card does not state, in run.json's words
 */
public record ReferenceFacts(
    String title,
    String author,
    String url,
    Integer year,
    String citation,
    List<String> notRecorded) {

  public ReferenceFacts {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(author, "author");
    notRecorded = List.copyOf(notRecorded);
    if (url != null && !url.matches("https?://[^\\s()\\[\\]<>\"']+")) {
      throw new IllegalArgumentException("url: expected an http(s) address, found '" + url + "'");
    }
  }
}
