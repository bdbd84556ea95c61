package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The evaluation stage: eval loss of the base and of every checkpoint, generation with the best
 * checkpoint (and the base) under every strategy, scoring, and {@code eval/metrics.json}. It starts
 * when the single element of its input arrives (the training stage's done signal, or {@code
 * Create.of("evaluate")}); its one output element is the path of metrics.json.
 *
 * <p>With the djl engine the loss and generation are sharded over the runner's workers. With the hf
 * engine one worker process does the loss, generation and BERTScore on the GPU ({@link HfEngine});
 * the steps after it (merging, text metrics, intervals, metrics.json) are the same.
 */
public final class EvaluateModels extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final EvalOptions options;

  public EvaluateModels(WorkflowContext context, EvalOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<String> expand(PCollection<String> signal) {
    PCollectionView<EvalLossReport> loss;
    PCollection<KV<String, GeneratedAnswer>> answers;
    if (Evaluation.of(context, options).isHf()) {
      PCollection<String> done =
          signal.apply("EvaluateInWorker", ParDo.of(new HfSteps.RunWorker(context, options)));
      loss =
          done.apply("WriteEvalLoss", ParDo.of(new HfSteps.WriteEvalLoss(context, options)))
              .apply("BestCheckpoint", View.asSingleton());
      answers = done.apply("ReadAnswers", ParDo.of(new HfSteps.ReadAnswers(context, options)));
    } else {
      loss =
          signal
              .apply("ComputeEvalLoss", new ComputeEvalLoss(context, options))
              .apply("BestCheckpoint", View.asSingleton());
      answers =
          signal
              .apply("ShardQuestions", new ShardQuestions(context, options))
              .apply(
                  "Generate",
                  ParDo.of(new GenerateSteps.Answer(context, options, loss)).withSideInputs(loss));
    }
    return answers
        .apply("MergeGenerations", new MergeGenerations(context, options))
        .apply("Score", new ScoreStrategies(context, options))
        .apply("WriteMetrics", new WriteMetrics(context, options, loss));
  }
}
