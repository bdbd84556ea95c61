package io.tunecard.train;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * The training stage as a Beam transform: one element keyed by the run directory, handed to {@link
 * TrainingStage#train}, which supervises the training child. The run's training lock and the
 * finished-training check make a retried bundle a no-op instead of a second training.
 */
public final class TrainAdapter extends PTransform<PBegin, PCollection<KV<String, TrainResult>>> {
  private static final long serialVersionUID = 1L;
  private final StageInput input;

  public TrainAdapter(StageInput input) {
    this.input = input;
  }

  @Override
  public PCollection<KV<String, TrainResult>> expand(PBegin begin) {
    return begin
        .apply(
            "RunDirectory",
            Create.of(KV.of(input.runId(), input))
                .withCoder(
                    KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(StageInput.class))))
        .apply("FineTuneLora", ParDo.of(new TrainFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(TrainResult.class)));
  }

  static final class TrainFn extends DoFn<KV<String, StageInput>, KV<String, TrainResult>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(
        @Element KV<String, StageInput> e, OutputReceiver<KV<String, TrainResult>> out) {
      StageInput in = e.getValue();
      out.output(
          KV.of(
              e.getKey(),
              TrainingStage.train(
                  in.workflow(), in.run(), StageOptions.defaults().withStageKey(in.stageKey()))));
    }
  }
}
