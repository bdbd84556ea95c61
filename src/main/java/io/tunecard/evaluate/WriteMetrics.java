package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/** Every strategy's scores and the eval losses → {@code eval/metrics.json}; outputs its path. */
public final class WriteMetrics
    extends PTransform<PCollection<StrategyScores>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final EvalOptions options;
  private final PCollectionView<EvalLossReport> loss;

  public WriteMetrics(
      WorkflowContext context, EvalOptions options, PCollectionView<EvalLossReport> loss) {
    this.context = context;
    this.options = options;
    this.loss = loss;
  }

  @Override
  public PCollection<String> expand(PCollection<StrategyScores> scores) {
    return scores
        .apply("OneWriter", WithKeys.of("metrics"))
        .apply("GatherScores", GroupByKey.create())
        .apply(
            "WriteMetricsFile",
            ParDo.of(new ScoreSteps.WriteFile(context, options, loss)).withSideInputs(loss));
  }
}
