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
 * The base stage as a Beam transform: one element keyed by the run directory, handed to {@link
 * TrainingStage#prepareBase}. A retried bundle finds the complete base (or the pre-training lock)
 * and does not build it twice.
 */
public final class PrepareBase extends PTransform<PBegin, PCollection<KV<String, BaseResult>>> {
  private static final long serialVersionUID = 1L;
  private final StageInput input;

  public PrepareBase(StageInput input) {
    this.input = input;
  }

  @Override
  public PCollection<KV<String, BaseResult>> expand(PBegin begin) {
    return begin
        .apply(
            "RunDirectory",
            Create.of(KV.of(input.runId(), input))
                .withCoder(
                    KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(StageInput.class))))
        .apply("PretrainBase", ParDo.of(new PretrainFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(BaseResult.class)));
  }

  static final class PretrainFn extends DoFn<KV<String, StageInput>, KV<String, BaseResult>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(
        @Element KV<String, StageInput> e, OutputReceiver<KV<String, BaseResult>> out) {
      StageInput in = e.getValue();
      out.output(
          KV.of(
              e.getKey(),
              TrainingStage.prepareBase(
                  in.workflow(), in.run(), StageOptions.defaults().withStageKey(in.stageKey()))));
    }
  }
}
