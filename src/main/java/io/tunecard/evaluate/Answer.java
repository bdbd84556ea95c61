package io.tunecard.evaluate;

/**
 * What the generator produced for one prompt.
 *
 * @param tokens the new token ids before the first EOS (EOS itself excluded)
 * @param hitCap true when no EOS came within {@code max_new_tokens}
 * @param score beam search's final score (sum of log-probabilities / length^penalty, as
 *     transformers' {@code sequences_scores}); NaN for greedy and sampling
 */
public record Answer(String id, long[] tokens, boolean hitCap, double score) {}
