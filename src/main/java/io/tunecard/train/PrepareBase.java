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
 * The base stage as a Beam transform: it runs once the single element of its input (the previous
 * stage's done signal, or {@code Create.of("base")}) arrives, handing the run to {@link
 * TrainingStage#prepareBase}; its output is keyed by the run directory. A retried bundle finds the
 * complete base (or the pre-training lock) and does not build it twice.
 */
public final class PrepareBase
    extends PTransform<PCollection<String>, PCollection<KV<String, BaseResult>>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;

  public PrepareBase(WorkflowContext context) {
    this.context = context;
  }

  @Override
  public PCollection<KV<String, BaseResult>> expand(PCollection<String> signal) {
    return signal
        .apply("PretrainBase", ParDo.of(new PretrainFn(context)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(BaseResult.class)));
  }

  static final class PretrainFn extends DoFn<String, KV<String, BaseResult>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext in;

    PretrainFn(WorkflowContext in) {
      this.in = in;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<String, BaseResult>> out) {
      out.output(
          KV.of(
              in.runDir().toString(),
              TrainingStage.prepareBase(
                  in.workflow(),
                  new RunDirectory(in.runDir()),
                  StageOptions.defaults().withStageKey(in.stageKey()))));
    }
  }
}
