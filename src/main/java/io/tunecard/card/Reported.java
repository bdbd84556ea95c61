package io.tunecard.card;

/**
 * Headline values that a published card stated, kept apart from logged values so that the checks
 * can compare them. All null for a run directory, whose headlines are computed.
 *
 * @param evalLoss the headline eval loss
 * @param perplexity the headline perplexity (stated for {@code evalLoss})
 * @param bestEvalLoss the stated best eval loss
 * @param finalPerplexity the stated final perplexity (stated for {@code bestEvalLoss})
 */
public record Reported(
    Double evalLoss, Double perplexity, Double bestEvalLoss, Double finalPerplexity) {

  public static final Reported NONE = new Reported(null, null, null, null);

  public boolean isEmpty() {
    return evalLoss == null
        && perplexity == null
        && bestEvalLoss == null
        && finalPerplexity == null;
  }
}
