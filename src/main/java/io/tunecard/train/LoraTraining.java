package io.tunecard.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.model.AdamW;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralModel;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.worker.Checkpoints;
import io.tunecard.worker.Checkpoints.Checkpoint;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.EventWriter.ErrorKind;
import io.tunecard.worker.EventWriter.StepMetrics;
import io.tunecard.worker.TrainingDone;
import io.tunecard.worker.WorkerException;
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code train} command of the djl engine: LoRA fine-tuning with the hf worker's data, loss,
 * schedule and checkpoint semantics (docs/worker-protocol-python.md), resuming exactly from the
 * newest complete checkpoint. One step: {@code grad_accum} micro-batches, each adding the gradient
 * of its summed answer-token NLL divided by the step's answer tokens; clip; AdamW.
 */
final class LoraTraining {
  final WorkerSpec spec;
  final EventWriter events;
  final TrainingData data;
  final JsonNode train;
  final Path checkpoints;
  final String specSha;
  final Progress progress;

  private LoraTraining(WorkerSpec spec, EventWriter events, TrainingData data, String specSha) {
    this.spec = spec;
    this.events = events;
    this.data = data;
    this.train = spec.section("train");
    this.checkpoints = spec.checkpointsDir();
    this.specSha = specSha;
    this.progress = new Progress(events);
  }

  static void run(WorkerSpec spec, EventWriter events) throws IOException {
    try (WorkerBase base = WorkerBase.open(spec.section("model"))) {
      TrainingData data = TrainingData.load(spec, base);
      new LoraTraining(spec, events, data, TrainSpecHash.of(spec)).run(base);
    }
  }

  private void run(WorkerBase base) throws IOException {
    BatchPlan plan = data.plan(train, spec.seed());
    int total = plan.totalSteps();
    List<String> ignored = new java.util.ArrayList<>();
    Optional<Checkpoint> last = Checkpoints.lastComplete(checkpoints, ignored::add);
    TrainerState resumed = last.map(c -> TrainerState.read(c.path())).orElse(null);
    if (resumed != null && !resumed.trainSpecSha256().equals(specSha)) {
      throw new BadInputException(
          last.get().path()
              + ": made by a different training spec or train split (train_spec_sha256 differs);"
              + " start a fresh train/ (tunecard train --fresh) or restore the original inputs");
    }
    events.started(
        TrainerState.ENGINE, "cpu", (long) total, last.map(Checkpoint::step).orElse(null));
    ignored.forEach(note -> events.log("warn", note));
    data.log(events);
    if (resumed != null && resumed.globalStep() >= total) {
      finish(resumed.globalStep(), resumed.lastStepLoss(), resumed.bestStep());
      return;
    }
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights weights = BaseWeights.load(base.dir(), base.loadOptions(), root);
        LoraAdapter adapter = adapter(base, last, root);
        AdamW opt = new AdamW(adapter.parameters(), hyper(), root)) {
      if (last.isPresent()) {
        opt.load(last.get().path().resolve(OPTIMIZER));
        if (opt.steps() != resumed.globalStep()) {
          throw new BadInputException(
              last.get().path().resolve(OPTIMIZER)
                  + ": AdamW step "
                  + opt.steps()
                  + " differs from global_step "
                  + resumed.globalStep());
        }
      }
      MistralModel model = new MistralModel(weights, adapter);
      Double baseLoss = resumed != null ? resumed.baseEvalLoss() : baseEvalLoss(model, root);
      new TrainLoop(this, plan, model, adapter, opt, root, resumed, baseLoss).run();
    }
  }

  static final String OPTIMIZER = "optimizer.safetensors";

  private LoraAdapter adapter(WorkerBase base, Optional<Checkpoint> last, NDManager root) {
    if (last.isEmpty()) {
      return LoraAdapter.create(base.config(), data.loraConfig(), spec.seed(), root);
    }
    LoraAdapter loaded = PeftFormat.load(last.get().path(), base.config(), root);
    if (!loaded.config().withBaseModel(null).equals(data.loraConfig().withBaseModel(null))) {
      loaded.close();
      throw new BadInputException(
          last.get().path() + ": the adapter's r, alpha, dropout or targets differ from the spec");
    }
    return loaded;
  }

  private AdamW.Hyper hyper() {
    return new AdamW.Hyper(
        train.path("adam_beta1").asDouble(),
        train.path("adam_beta2").asDouble(),
        train.path("adam_eps").asDouble(),
        train.path("weight_decay").asDouble());
  }

  /** The base model's eval loss (the adapter switched off) on the validation rows, as step 0. */
  private Double baseEvalLoss(MistralModel model, NDManager root) {
    if (data.validation() == null) {
      return null;
    }
    LoraAdapter adapter = model.adapter();
    model.setAdapter(null);
    try {
      double loss = evaluate(model, root, "base");
      events.metrics(StepMetrics.eval(0, 0.0, loss));
      return loss;
    } finally {
      model.setAdapter(adapter);
    }
  }

  double evaluate(MistralModel model, NDManager root, String label) {
    List<Example> val = data.validation().examples();
    LossValue v =
        LossEvaluator.evaluate(
            model,
            val,
            train.path("micro_batch").asInt(),
            data.padId(),
            root,
            (done, all) -> progress.maybe("eval_loss", done, all, label, null, null, done == all));
    return finite(v.mean(), "eval loss");
  }

  void finish(long finalStep, double finalLoss, Long bestStep) throws IOException {
    String best = bestStep == null ? null : "step-" + bestStep;
    new TrainingDone(finalStep, finalLoss, best).write(spec.outputDir());
    List<String> kept =
        Checkpoints.scan(checkpoints).complete().stream().map(c -> c.path().toString()).toList();
    events.done(finalStep, finalLoss, best, kept);
  }

  static double finite(double v, String what) {
    if (!Double.isFinite(v)) {
      throw new WorkerException(ErrorKind.INTERNAL, "training diverged: " + what + " " + v);
    }
    return v;
  }

  /**
   * Whether a step-count interval ({@code -1}: epoch end, {@code 0}: never) falls on {@code step}.
   */
  static boolean due(int every, int step, boolean epochEnd) {
    return (every > 0 && step % every == 0) || (every == -1 && epochEnd);
  }

  /**
   * The LoRA dropout seed of one micro-batch: a mix of the training seed and the global index of
   * the micro-batch, so a resumed run redraws exactly the masks of the uninterrupted one.
   */
  static long dropoutSeed(long seed, long microBatch) {
    long z = seed * 0x9E3779B97F4A7C15L + microBatch + 1;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static double round6(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
