package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/** The steps of {@link ComputeEvalLoss}; the work is in {@link ValidationLoss}. */
final class LossSteps {
  private LossSteps() {}

  /** The run → one shard per (model, validation batch). */
  static final class PlanShards extends DoFn<String, LossShard> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    PlanShards(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(OutputReceiver<LossShard> out) {
      ValidationLoss.plan(Evaluation.of(context, options)).forEach(out::output);
    }
  }

  /** Scores shards with the model loaded once per worker; adapters are swapped in as named. */
  static final class ScoreShard extends DoFn<LossShard, KV<String, LossPart>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;
    private transient LoadedModel model;

    ScoreShard(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @Setup
    public void setup() {
      model = LoadedModel.load(Evaluation.of(context, options));
    }

    @ProcessElement
    public void process(@Element LossShard shard, OutputReceiver<KV<String, LossPart>> out) {
      StageProgress.begin("eval loss", shard.model());
      LossPart part = ValidationLoss.score(model, shard);
      StageProgress.advance("eval loss", shard.model(), 1, shard.batches(), part.tokenCount());
      out.output(KV.of("eval_loss", part));
    }

    @Teardown
    public void teardown() {
      if (model != null) {
        model.close();
        model = null;
      }
    }
  }

  /** Every part → eval_loss.json (written atomically) and the report. */
  static final class WriteReport extends DoFn<KV<String, Iterable<LossPart>>, EvalLossReport> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    WriteReport(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<LossPart>> parts, OutputReceiver<EvalLossReport> out) {
      Evaluation e = Evaluation.of(context, options);
      EvalLossReport report = ValidationLoss.combine(parts.getValue(), e.eval().batch());
      report.toFile().write(e.evalLossFile());
      out.output(report);
    }
  }
}
