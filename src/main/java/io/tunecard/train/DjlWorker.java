package io.tunecard.train;

import io.tunecard.files.BadInputException;
import io.tunecard.worker.WorkerMain;
import io.tunecard.worker.WorkerSpec;

/**
 * The djl engine's worker child ({@code java … io.tunecard.train.DjlWorker <command> <spec>}):
 * {@code pretrain} (the scratch base), {@code train} (the LoRA fine-tune) and {@code eval_loss}.
 * Generation belongs to the evaluation stage's worker.
 */
public final class DjlWorker {
  private DjlWorker() {}

  public static void main(String[] args) {
    WorkerMain.main(args, DjlWorker::run);
  }

  /** Runs one command (tests call this in-process through {@link WorkerMain#run}). */
  public static void run(WorkerSpec spec, io.tunecard.worker.EventWriter events) throws Exception {
    if (!"djl".equals(spec.engine())) {
      throw new BadInputException(
          "engine: this is the djl worker; the spec asks for " + spec.engine());
    }
    if ("gpu".equals(spec.device())) {
      throw new BadInputException(
          "train.device: gpu needs DJL's CUDA build, which tunecard does not ship; use device cpu"
              + " (or auto) with engine djl, or engine hf on a GPU host");
    }
    switch (spec.command()) {
      case PRETRAIN -> Pretraining.run(spec, events);
      case TRAIN -> LoraTraining.run(spec, events);
      case EVAL_LOSS -> EvalLossCommand.run(spec, events);
      case GENERATE, EVALUATE ->
          throw new BadInputException(
              spec.command()
                  + ": not a command of the training worker (the evaluation stage runs it)");
    }
  }
}
