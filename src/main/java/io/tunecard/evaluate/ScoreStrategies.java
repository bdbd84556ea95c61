package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Scores each strategy: text metrics and BERTScore (when its encoder is on this machine) with
 * bootstrap intervals, for the fine-tune and the base, and the paired fine-tune − base differences.
 */
public final class ScoreStrategies
    extends PTransform<PCollection<KV<String, GenerationSet>>, PCollection<StrategyScores>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final EvalOptions options;

  public ScoreStrategies(WorkflowContext context, EvalOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<StrategyScores> expand(PCollection<KV<String, GenerationSet>> sets) {
    return sets.apply("GroupByStrategy", GroupByKey.create())
        .apply("ScoreStrategy", ParDo.of(new ScoreSteps.Score(context, options)));
  }
}
