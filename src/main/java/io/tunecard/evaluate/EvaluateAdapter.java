package io.tunecard.evaluate;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The evaluation stage: eval loss of the base and of every checkpoint, generation with the best
 * checkpoint (and the base) under every strategy, scoring, and {@code eval/metrics.json}. It starts
 * when the single element of its input arrives (the training stage's done signal, or {@code
 * Create.of("evaluate")}); its one output element is the path of metrics.json.
 */
public final class EvaluateAdapter extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final EvalSettings settings;

  public EvaluateAdapter(EvalSettings settings) {
    this.settings = settings;
  }

  @Override
  public PCollection<String> expand(PCollection<String> signal) {
    PCollectionView<EvalLossReport> loss =
        signal
            .apply("ComputeEvalLoss", new ComputeEvalLoss(settings))
            .apply("BestCheckpoint", View.asSingleton());
    return signal
        .apply("ShardQuestions", new ShardQuestions(settings))
        .apply("Generate", ParDo.of(new GenerateSteps.Answer(settings, loss)).withSideInputs(loss))
        .apply("MergeGenerations", new MergeGenerations(settings))
        .apply("Score", new ScoreStrategies(settings))
        .apply("WriteMetrics", new WriteMetrics(settings, loss));
  }
}
