package io.tunecard.evaluate;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The scores of one strategy, as the JSON sections of metrics.json (text, so it crosses workers
 * unchanged).
 *
 * @param adapter {@code {"n", "hit_cap", "metrics"}} of the fine-tune
 * @param base the same for the base model, null without compare_base
 * @param delta {@code {metric: estimate}} of the paired fine-tune − base differences, or null
 * @param bertscoreReason why BERTScore was not computed, null when it was
 */
@DefaultCoder(ElementCoder.class)
public record StrategyScores(
    String strategy, String adapter, String base, String delta, String bertscoreReason)
    implements Serializable {}
