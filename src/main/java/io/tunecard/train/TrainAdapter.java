package io.tunecard.train;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.WorkflowContext;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The training stage as a Beam transform, applied to the signal that the base exists (one element:
 * {@link PrepareBase}'s keys, or the base stage's done mark): it hands the run to {@link
 * TrainingStage#train}, which supervises the training child; its output is keyed by the run
 * directory. The run's training lock and the finished-training check make a retried bundle a no-op
 * instead of a second training.
 *
 * <pre>{@code
 * signal.apply("PrepareBase", new PrepareBase(context))
 *     .apply(Keys.create())
 *     .apply("TrainAdapter", new TrainAdapter(context));
 * }</pre>
 */
public final class TrainAdapter
    extends PTransform<PCollection<String>, PCollection<KV<String, TrainResult>>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;

  public TrainAdapter(WorkflowContext context) {
    this.context = context;
  }

  @Override
  public PCollection<KV<String, TrainResult>> expand(PCollection<String> signal) {
    return signal
        .apply("FineTuneLora", ParDo.of(new TrainFn(context)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(TrainResult.class)));
  }

  static final class TrainFn extends DoFn<String, KV<String, TrainResult>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext in;

    TrainFn(WorkflowContext in) {
      this.in = in;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<String, TrainResult>> out) {
      out.output(
          KV.of(
              in.runDir().toString(),
              TrainingStage.train(
                  in.workflow(),
                  new RunDirectory(in.runDir()),
                  StageOptions.defaults().withStageKey(in.stageKey()))));
    }
  }
}
