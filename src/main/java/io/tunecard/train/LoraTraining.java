package io.tunecard.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.model.AdamW;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralModel;
import io.tunecard.model.StepOptions;
import io.tunecard.model.TokenBatch;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.worker.Checkpoints;
import io.tunecard.worker.Checkpoints.Checkpoint;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.EventWriter.StepMetrics;
import io.tunecard.worker.TrainingDone;
import io.tunecard.worker.WorkerException;
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code train} command of the djl engine: LoRA fine-tuning with the hf worker's data, loss,
 * schedule and checkpoint semantics (docs/worker-protocol-python.md), resuming exactly from the
 * newest complete checkpoint. One step: {@code grad_accum} micro-batches, each adding the gradient
 * of its summed answer-token NLL divided by the step's answer tokens; clip; AdamW.
 */
final class LoraTraining {
  private final WorkerSpec spec;
  private final EventWriter events;
  private final TrainingData data;
  private final JsonNode train;
  private final Path checkpoints;
  private final String specSha;
  private final Progress progress;

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
      new Loop(plan, model, adapter, opt, root, resumed, baseLoss).run();
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

  private double evaluate(MistralModel model, NDManager root, String label) {
    List<Example> val = data.validation().examples();
    LossValue v =
        LossEvaluator.evaluate(
            model,
            val,
            train.path("micro_batch").asInt(),
            data.ids().pad(),
            root,
            (done, all) -> progress.maybe("eval_loss", done, all, label, null, null, done == all));
    return finite(v.mean(), "eval loss");
  }

  private void finish(long finalStep, double finalLoss, Long bestStep) throws IOException {
    String best = bestStep == null ? null : "step-" + bestStep;
    new TrainingDone(finalStep, finalLoss, best).write(spec.outputDir());
    List<String> kept =
        Checkpoints.scan(checkpoints).complete().stream().map(c -> c.path().toString()).toList();
    events.done(finalStep, finalLoss, best, kept);
  }

  static double finite(double v, String what) {
    if (!Double.isFinite(v)) {
      throw new WorkerException(
          io.tunecard.worker.EventWriter.ErrorKind.INTERNAL,
          "training diverged: " + what + " " + v);
    }
    return v;
  }

  /** The step loop with its logging window, evaluations and checkpoints. */
  private final class Loop {
    private final BatchPlan plan;
    private final MistralModel model;
    private final LoraAdapter adapter;
    private final AdamW opt;
    private final NDManager root;
    private final Double baseLoss;
    private final int start;
    private final LrSchedule schedule;
    private final double maxGradNorm;
    private final int logEvery;
    private final int evalEvery;
    private final int saveEvery;
    private Double bestLoss;
    private Long bestStep;
    private double windowLoss;
    private long windowSteps;
    private long windowTokens;
    private long windowNanos;

    Loop(
        BatchPlan plan,
        MistralModel model,
        LoraAdapter adapter,
        AdamW opt,
        NDManager root,
        TrainerState resumed,
        Double baseLoss) {
      this.plan = plan;
      this.model = model;
      this.adapter = adapter;
      this.opt = opt;
      this.root = root;
      this.baseLoss = baseLoss;
      this.schedule =
          LrSchedule.of(
              train.path("schedule").asText(),
              train.path("lr").asDouble(),
              train.path("warmup_ratio").asDouble(),
              plan.totalSteps());
      this.maxGradNorm = train.path("max_grad_norm").asDouble();
      this.logEvery = train.path("log_every").asInt();
      this.evalEvery = train.path("eval_every_steps").asInt();
      this.saveEvery = train.path("save_every_steps").asInt();
      if (resumed != null) {
        start = (int) resumed.globalStep();
        bestLoss = resumed.bestEvalLoss();
        bestStep = resumed.bestStep();
        windowLoss = resumed.window().lossSum();
        windowSteps = resumed.window().steps();
        windowTokens = resumed.window().tokens();
      } else {
        start = 0;
      }
    }

    void run() throws IOException {
      int total = plan.totalSteps();
      double last = Double.NaN;
      long t0 = System.nanoTime();
      for (int index = start; index < total; index++) {
        BatchPlan.Step s = plan.step(index);
        double lr = schedule.at(index);
        StepResult r = step(index, lr);
        last = finite(r.loss(), "loss at step " + (index + 1));
        int step = index + 1;
        windowLoss += r.loss();
        windowSteps++;
        windowTokens += r.tokens();
        windowNanos += System.nanoTime() - t0;
        double epoch = round6(s.epochProgress());
        if (step % logEvery == 0 || step == total) {
          double mean = windowLoss / windowSteps;
          double rate = windowTokens / Math.max(1e-9, windowNanos / 1e9);
          events.metrics(new StepMetrics(step, epoch, mean, lr, r.gradNorm(), round1(rate), null));
          progress.maybe("train", step, total, null, mean, round1(rate), true);
          windowLoss = 0;
          windowSteps = 0;
          windowTokens = 0;
          windowNanos = 0;
        } else {
          progress.maybe("train", step, total, null, null, null, false);
        }
        boolean isFinal = step == total;
        Double evalLoss = null;
        if (data.validation() != null && (isFinal || due(evalEvery, step, s.epochEnd()))) {
          evalLoss = evaluate(model, root, "validation");
          events.metrics(StepMetrics.eval(step, epoch, evalLoss));
        }
        if (isFinal || due(saveEvery, step, s.epochEnd())) {
          save(step, s, epoch, evalLoss, last);
        }
        t0 = System.nanoTime(); // evaluations and checkpoints are not training time
      }
      if (baseLoss != null && bestLoss != null) {
        events.log(
            "info",
            String.format(
                Locale.ROOT,
                "validation loss: base model %.4f, fine-tuned %.4f at step %d (%d rows, %d answer"
                    + " tokens)",
                baseLoss,
                lastEvalLoss,
                total,
                data.validation().stats().examples(),
                data.validation().stats().answerTokens()));
      }
      finish(total, last, bestStep);
    }

    private Double lastEvalLoss;

    private record StepResult(double loss, double gradNorm, long tokens) {}

    private StepResult step(int index, double lr) {
      List<int[]> mbs = plan.microBatches(index);
      long consumed = plan.step(index).consumedBefore();
      long targets = 0;
      long tokens = 0;
      for (int[] rows : mbs) {
        for (int i : rows) {
          targets += data.train().examples().get(i).targets();
        }
        tokens += MicroBatches.realTokens(data.train().examples(), rows);
      }
      adapter.zeroGradients();
      double sum = 0;
      for (int k = 0; k < mbs.size(); k++) {
        TokenBatch batch =
            MicroBatches.collate(data.train().examples(), mbs.get(k), data.ids().pad());
        long n = batch.supervisedTokens();
        try (NDManager m = root.newSubManager()) {
          LossValue v =
              model.trainStep(
                  m,
                  batch,
                  new StepOptions(
                      dropoutSeed(spec.seed(), consumed + k), false, (double) n / targets));
          sum += v.sum();
        }
      }
      double norm = maxGradNorm > 0 ? opt.clipGradNorm(maxGradNorm) : opt.gradNorm();
      finite(norm, "gradient norm at step " + (index + 1));
      opt.step(lr);
      return new StepResult(sum / targets, norm, tokens);
    }

    private void save(int step, BatchPlan.Step s, double epoch, Double evalLoss, double last)
        throws IOException {
      lastEvalLoss = evalLoss != null ? evalLoss : lastEvalLoss;
      if (evalLoss != null && (bestLoss == null || evalLoss < bestLoss)) {
        bestLoss = evalLoss;
        bestStep = (long) step;
      }
      TrainerState state =
          new TrainerState(
              step,
              epoch,
              s.consumedBefore() + (s.to() - s.from()),
              plan.totalSteps(),
              bestLoss,
              bestStep,
              evalLoss,
              baseLoss,
              last,
              spec.seed(),
              spec.seed(),
              train.path("batching").asText(),
              specSha,
              new TrainerState.Window(windowLoss, windowSteps, windowTokens));
      Checkpoint c =
          Checkpoints.write(
              checkpoints,
              step,
              dir -> {
                PeftFormat.save(adapter, dir);
                opt.save(dir.resolve(OPTIMIZER));
                state.write(dir);
                FaultInjection.duringCheckpoint(step);
              });
      events.checkpoint(step, c.path(), evalLoss);
    }
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

  /** Files that must exist for the run; named in the error when missing. */
  static void requireFile(Path p, String what) {
    if (!Files.isRegularFile(p)) {
      throw new BadInputException(p + ": " + what + " not found");
    }
  }
}
