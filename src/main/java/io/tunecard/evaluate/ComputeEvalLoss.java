package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
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
 * (The hf engine scores them in its evaluate worker: {@link EvaluateModels}.)
 */
public final class ComputeEvalLoss
    extends PTransform<PCollection<String>, PCollection<EvalLossReport>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final EvalOptions options;

  public ComputeEvalLoss(WorkflowContext context, EvalOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<EvalLossReport> expand(PCollection<String> signal) {
    String runDir = context.runDir().toString();
    PCollection<String> run =
        signal.apply("Run", MapElements.into(TypeDescriptors.strings()).via(x -> runDir));
    return run.apply("PlanValidationBatches", ParDo.of(new LossSteps.PlanShards(context, options)))
        .apply("SpreadBatches", Reshuffle.viaRandomKey())
        .apply("ScoreValidationBatches", ParDo.of(new LossSteps.ScoreShard(context, options)))
        .apply("GatherLosses", GroupByKey.create())
        .apply("WriteEvalLoss", ParDo.of(new LossSteps.WriteReport(context, options)));
  }
}
