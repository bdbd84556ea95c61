package io.tunecard.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.model.AdamW;
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
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The step loop of {@link LoraTraining}: optimizer steps from the resumed step (or 0) to the end,
 * with the logging window, the evaluations and the checkpoints. One step: {@code grad_accum}
 * micro-batches, each adding the gradient of its summed answer-token NLL divided by the step's
 * answer tokens (the hf worker's token-weighted step loss); clip; AdamW with the schedule's lr.
 */
final class TrainLoop {
  private final WorkerSpec spec;
  private final EventWriter events;
  private final TrainingData data;
  private final JsonNode train;
  private final LoraTraining owner;

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

  TrainLoop(
      LoraTraining owner,
      BatchPlan plan,
      MistralModel model,
      LoraAdapter adapter,
      AdamW opt,
      NDManager root,
      TrainerState resumed,
      Double baseLoss) {
    this.owner = owner;
    this.spec = owner.spec;
    this.events = owner.events;
    this.data = owner.data;
    this.train = owner.train;
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
      windowNanos = (long) (resumed.window().seconds() * 1e9);
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
      last = LoraTraining.finite(r.loss(), "loss at step " + (index + 1));
      int step = index + 1;
      windowLoss += r.loss();
      windowSteps++;
      windowTokens += r.tokens();
      windowNanos += System.nanoTime() - t0;
      double epoch = LoraTraining.round6(s.epochProgress());
      if (step % logEvery == 0 || step == total) {
        double mean = windowLoss / windowSteps;
        double rate = windowTokens / Math.max(1e-9, windowNanos / 1e9);
        events.metrics(
            new StepMetrics(step, epoch, mean, lr, r.gradNorm(), LoraTraining.round1(rate), null));
        owner.progress.maybe("train", step, total, null, mean, LoraTraining.round1(rate), true);
        FaultInjection.afterTrainingRow(step);
        windowLoss = 0;
        windowSteps = 0;
        windowTokens = 0;
        windowNanos = 0;
      } else {
        owner.progress.maybe("train", step, total, null, null, null, false);
      }
      boolean isFinal = step == total;
      Double evalLoss = null;
      if (data.validation() != null
          && (isFinal || LoraTraining.due(evalEvery, step, s.epochEnd()))) {
        evalLoss = owner.evaluate(model, root, "validation");
        events.metrics(StepMetrics.eval(step, epoch, evalLoss));
      }
      if (isFinal || LoraTraining.due(saveEvery, step, s.epochEnd())) {
        save(step, s, epoch, evalLoss, last);
      }
      t0 = System.nanoTime(); // evaluations and checkpoints are not training time
    }
    if (baseLoss != null && lastEvalLoss != null) {
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
    owner.finish(total, last, bestStep);
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
      TokenBatch batch = MicroBatches.collate(data.train().examples(), mbs.get(k), data.padId());
      long n = batch.supervisedTokens();
      try (NDManager m = root.newSubManager()) {
        LossValue v =
            model.trainStep(
                m,
                batch,
                new StepOptions(
                    LoraTraining.dropoutSeed(spec.seed(), consumed + k),
                    false,
                    (double) n / targets));
        sum += v.sum();
      }
    }
    double norm = maxGradNorm > 0 ? opt.clipGradNorm(maxGradNorm) : opt.gradNorm();
    LoraTraining.finite(norm, "gradient norm at step " + (index + 1));
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
            owner.specSha,
            new TrainerState.Window(windowLoss, windowSteps, windowTokens, windowNanos / 1e9));
    Checkpoint c =
        Checkpoints.write(
            owner.checkpoints,
            step,
            dir -> {
              PeftFormat.save(adapter, dir);
              opt.save(dir.resolve(LoraTraining.OPTIMIZER));
              state.write(dir);
              FaultInjection.duringCheckpoint(step);
            });
    events.checkpoint(step, c.path(), evalLoss);
  }
}
