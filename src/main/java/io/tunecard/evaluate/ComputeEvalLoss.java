package io.tunecard.evaluate;

import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The eval loss of the base and of every complete checkpoint on the validation split, written to
 * {@code eval/eval_loss.json}; one output element, the report. With the djl engine the validation
 * batches of every model are spread over the workers (each loads the base once and swaps adapters).
 * (The hf engine scores them in its evaluate worker: {@link EvaluateAdapter}.)
 */
public final class ComputeEvalLoss
    extends PTransform<PCollection<String>, PCollection<EvalLossReport>> {
  private static final long serialVersionUID = 1L;
  private final EvalSettings settings;

  public ComputeEvalLoss(EvalSettings settings) {
    this.settings = settings;
  }

  @Override
  public PCollection<EvalLossReport> expand(PCollection<String> signal) {
    String runDir = settings.runDir();
    PCollection<String> run =
        signal.apply("Run", MapElements.into(TypeDescriptors.strings()).via(x -> runDir));
    return run.apply("PlanValidationBatches", ParDo.of(new LossSteps.PlanShards(settings)))
        .apply("SpreadBatches", Reshuffle.viaRandomKey())
        .apply("ScoreValidationBatches", ParDo.of(new LossSteps.ScoreShard(settings)))
        .apply("GatherLosses", GroupByKey.create())
        .apply("WriteEvalLoss", ParDo.of(new LossSteps.WriteReport(settings)));
  }
}
