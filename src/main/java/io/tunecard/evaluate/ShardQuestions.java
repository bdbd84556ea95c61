package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The questions to answer as whole batches ({@link QuestionPlan}), keyed {@code
 * model/strategy/index} and spread over the workers. The batches are the same however many workers
 * there are, so every answer is too.
 */
public final class ShardQuestions
    extends PTransform<PCollection<String>, PCollection<KV<String, QuestionBatch>>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final EvalOptions options;

  public ShardQuestions(WorkflowContext context, EvalOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<KV<String, QuestionBatch>> expand(PCollection<String> signal) {
    String runDir = context.runDir().toString();
    return signal
        .apply("Run", MapElements.into(TypeDescriptors.strings()).via(x -> runDir))
        .apply("PlanBatches", ParDo.of(new GenerateSteps.PlanBatches(context, options)))
        .apply("SpreadBatches", Reshuffle.of());
  }
}
