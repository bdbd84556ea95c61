package io.tunecard.evaluate;

import io.tunecard.rundir.EvalMetricsFile;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The scores of one strategy, as the sections of metrics.json ({@link EvalMetricsFile}).
 *
 * @param adapter {@code {"n", "hit_cap", "metrics"}} of the fine-tune
 * @param base the same for the base model, null without compare_base
 * @param delta {@code {metric: estimate}} of the paired fine-tune − base differences, or null
 * @param bertscoreReason why BERTScore was not computed, null when it was
 */
@DefaultCoder(ElementCoder.class)
public record StrategyScores(
    String strategy,
    EvalMetricsFile.Scores adapter,
    EvalMetricsFile.Scores base,
    Map<String, EvalMetricsFile.Interval> delta,
    String bertscoreReason)
    implements Serializable {}
