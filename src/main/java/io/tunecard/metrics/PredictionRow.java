package io.tunecard.metrics;

/**
 * One answer to score.
 *
 * @param id the question id (unique within a set)
 * @param prediction the generated answer
 * @param reference the reference answer
 * @param tokens the number of tokens the generator produced, or null when unknown (then {@code
 *     tokens_len} counts whitespace tokens instead)
 */
public record PredictionRow(String id, String prediction, String reference, Integer tokens) {
  public PredictionRow {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("id: expected a non-empty string");
    }
    if (prediction == null) {
      throw new IllegalArgumentException("prediction: expected a string, found null");
    }
    if (reference == null) {
      throw new IllegalArgumentException("reference: expected a string, found null");
    }
    if (tokens != null && tokens < 0) {
      throw new IllegalArgumentException("tokens: expected a count >= 0, found " + tokens);
    }
  }
}
