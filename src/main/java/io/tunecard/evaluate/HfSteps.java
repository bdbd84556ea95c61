package io.tunecard.evaluate;

import io.tunecard.workflow.StrategySpec;
import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * The steps of the hf engine's evaluation ({@link EvaluateModels}); the work is in {@link
 * HfEngine}. One worker process does the heavy part; these steps hand its results to the same
 * merging and scoring steps as the djl engine.
 */
final class HfSteps {
  private HfSteps() {}

  /** The start signal → the worker run to completion; outputs the signal again. */
  static final class RunWorker extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    RunWorker(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(@Element String signal, OutputReceiver<String> out) {
      HfEngine.evaluate(Evaluation.of(context, options));
      out.output(signal);
    }
  }

  /**
   * The worker's eval losses → eval_loss.json (written by the stage, as with djl) and the report.
   */
  static final class WriteEvalLoss extends DoFn<String, EvalLossReport> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    WriteEvalLoss(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(OutputReceiver<EvalLossReport> out) {
      Evaluation e = Evaluation.of(context, options);
      EvalLossReport report = HfEngine.readLoss(e);
      report.toFile().write(e.evalLossFile());
      out.output(report);
    }
  }

  /** The worker's answers of every model and strategy, keyed {@code model/strategy}. */
  static final class ReadAnswers extends DoFn<String, KV<String, GeneratedAnswer>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    ReadAnswers(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<String, GeneratedAnswer>> out) {
      Evaluation e = Evaluation.of(context, options);
      for (StrategySpec st : e.eval().strategies()) {
        for (String model : e.models()) {
          for (GeneratedAnswer a : HfEngine.answers(e, model, st.name())) {
            out.output(KV.of(model + "/" + st.name(), a));
          }
        }
      }
    }
  }
}
