package io.tunecard.rundir;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.Serializable;

/**
 * One question-answer pair of {@code dataset/<split>.jsonl}. {@code id} is stable (MedQuAD's
 * question id); {@code umls_cui} and {@code semantic_group} appear where the source has them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "id",
  "source",
  "focus",
  "question_type",
  "question",
  "answer",
  "url",
  "umls_cui",
  "semantic_group"
})
public record DatasetRow(
    @JsonProperty("id") String id,
    @JsonProperty("source") String source,
    @JsonProperty("focus") String focus,
    @JsonProperty("question_type") String questionType,
    @JsonProperty("question") String question,
    @JsonProperty("answer") String answer,
    @JsonProperty("url") String url,
    @JsonProperty("umls_cui") String umlsCui,
    @JsonProperty("semantic_group") String semanticGroup)
    implements Serializable {

  public DatasetRow {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("id: a dataset row needs a non-empty id");
    }
    if (question == null) {
      throw new IllegalArgumentException("question: missing in row " + id);
    }
    if (answer == null) {
      throw new IllegalArgumentException("answer: missing in row " + id);
    }
  }
}
