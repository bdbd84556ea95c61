package io.tunecard.train;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The training stage as a Beam transform, applied to {@link PrepareBase}'s output so that it runs
 * after the base exists: its one element, keyed by the run directory, goes to {@link
 * TrainingStage#train}, which supervises the training child. The run's training lock and the
 * finished-training check make a retried bundle a no-op instead of a second training.
 *
 * <pre>{@code
 * pipeline.apply("PrepareBase", new PrepareBase(input)).apply("TrainAdapter", new TrainAdapter(input));
 * }</pre>
 */
public final class TrainAdapter
    extends PTransform<PCollection<KV<String, BaseResult>>, PCollection<KV<String, TrainResult>>> {
  private static final long serialVersionUID = 1L;
  private final StageInput input;

  public TrainAdapter(StageInput input) {
    this.input = input;
  }

  @Override
  public PCollection<KV<String, TrainResult>> expand(PCollection<KV<String, BaseResult>> base) {
    return base.apply("FineTuneLora", ParDo.of(new TrainFn(input)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(TrainResult.class)));
  }

  static final class TrainFn extends DoFn<KV<String, BaseResult>, KV<String, TrainResult>> {
    private static final long serialVersionUID = 1L;
    private final StageInput in;

    TrainFn(StageInput in) {
      this.in = in;
    }

    @ProcessElement
    public void process(
        @Element KV<String, BaseResult> e, OutputReceiver<KV<String, TrainResult>> out) {
      out.output(
          KV.of(
              e.getKey(),
              TrainingStage.train(
                  in.workflow(), in.run(), StageOptions.defaults().withStageKey(in.stageKey()))));
    }
  }
}
