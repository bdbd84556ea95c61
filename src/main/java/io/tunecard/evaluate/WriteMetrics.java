package io.tunecard.evaluate;

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
  private final EvalSettings settings;
  private final PCollectionView<EvalLossReport> loss;

  public WriteMetrics(EvalSettings settings, PCollectionView<EvalLossReport> loss) {
    this.settings = settings;
    this.loss = loss;
  }

  @Override
  public PCollection<String> expand(PCollection<StrategyScores> scores) {
    return scores
        .apply("OneWriter", WithKeys.of("metrics"))
        .apply("GatherScores", GroupByKey.create())
        .apply(
            "WriteMetricsFile",
            ParDo.of(new ScoreSteps.WriteFile(settings, loss)).withSideInputs(loss));
  }
}
