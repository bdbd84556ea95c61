package io.tunecard.card;

import java.util.Objects;

/**
 * One generated answer shown on the card. Question, reference and prediction are untrusted text:
 * renderers escape them.
 *
 * @param tokens tokens generated; null when not recorded
 * @param hitCap true when generation stopped at the cap (the answer is cut off)
 */
public record Sample(
    String strategy,
    String id,
    String question,
    String reference,
    String prediction,
    Integer tokens,
    boolean hitCap) {

  public Sample {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(prediction, "prediction");
  }
}
