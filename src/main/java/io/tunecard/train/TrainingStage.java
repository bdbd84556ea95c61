package io.tunecard.train;

import io.tunecard.files.BadInputException;
import io.tunecard.model.ModelLocator;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.TrainMetricsRow;
import io.tunecard.worker.TrainingDone;
import io.tunecard.worker.WorkerOutcome;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.worker.WorkerSupervisor;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The plain entry points of the base and training stages (the Beam transforms {@link PrepareBase}
 * and {@link TrainAdapter} call them; tests and {@code tunecard train} call them directly).
 *
 * <ul>
 *   <li>{@link #prepareBase}: for {@code model.base: scratch}, the tokenizer, {@code answer_tokens}
 *       and the pre-trained tiny base ({@code base/}); otherwise checks that the base's weights are
 *       present.
 *   <li>{@link #train}: the LoRA fine-tune in a supervised child ({@code train.engine} djl or hf),
 *       resuming from the last complete checkpoint, never run twice once finished.
 * </ul>
 *
 * With {@link StageOptions#fresh()} a stage starts clean (its outputs removed first); without it a
 * stage resumes what is there.
 */
public final class TrainingStage {
  private TrainingStage() {}

  /** Both stages, base then training. */
  public static TrainResult run(Workflow w, RunDirectory run, StageOptions options) {
    prepareBase(w, run, options);
    return train(w, run, options);
  }

  /**
   * The base stage.
   *
   * @throws BadInputException when dataset/ lacks a split, or a non-scratch base's weights are not
   *     present locally (the message names what is missing)
   */
  public static BaseResult prepareBase(Workflow w, RunDirectory run, StageOptions options) {
    try {
      if (w.model().isScratch()) {
        return ScratchBase.prepare(w, run, options);
      }
      long t0 = System.nanoTime();
      Path dir = ModelLocator.resolve(w.model().base());
      if (Files.isDirectory(run.dataset()) && AnswerTokens.missing(run)) {
        AnswerTokens.fill(run, dir.resolve("tokenizer.json"));
      }
      return new BaseResult(false, true, dir.toString(), 0, null, ScratchBase.seconds(t0));
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /**
   * The training stage.
   *
   * @throws BadInputException for missing or bad inputs, or bad input reported by the child
   * @throws io.tunecard.worker.WorkerFailedException when the child fails for good
   */
  public static TrainResult train(Workflow w, RunDirectory run, StageOptions options) {
    long t0 = System.nanoTime();
    requireDataset(run, List.of("train", "validation"));
    if (w.model().isScratch()) {
      String stale =
          BaseStamp.staleReason(run.base(), BaseStamp.inputsHash(WorkerSpecs.pretrain(w, run)));
      if (stale != null) {
        throw new BadInputException(
            run.base()
                + ": the scratch base is not ready ("
                + stale
                + "); run the base stage first");
      }
    } else {
      ModelLocator.resolve(w.model().base());
    }
    try {
      if (CleanStart.apply(
          run, options.fresh(), options.stageKey(), run.train(), List.of(run.train()))) {
        options
            .display()
            .message("train: starting clean (removed the contents of " + run.train() + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + run.train(), e);
    }
    WorkerSpec spec = withValidationSample(WorkerSpecs.train(w, run), w, run.train());
    if (w.train().engine().equals("hf")) {
      PythonPreflight.requireWorkerModules(
          w.train().python(), spec.command(), run.logs().resolve("train.log"));
    }
    WorkerOutcome outcome =
        new WorkerSupervisor(
                run,
                Launchers.of(w.train().engine(), w, options),
                WorkerSupervisor.Options.defaults()
                    .withRetries(w.train().retries())
                    .withDisplay(options.display())
                    .withListener(options.listener()))
            .run(spec);
    TrainingDone done =
        outcome
            .training()
            .orElseThrow(() -> new IllegalStateException("training ended without DONE.json"));
    TrainResult result = summarize(run, done, outcome.alreadyFinished(), ScratchBase.seconds(t0));
    options.display().message(describe(result));
    return result;
  }

  static TrainResult summarize(
      RunDirectory run, TrainingDone done, boolean alreadyFinished, double seconds) {
    String chosen =
        done.bestCheckpoint() != null ? done.bestCheckpoint() : "step-" + done.finalStep();
    Path adapter = run.checkpoints().resolve(chosen).resolve("adapter_model.safetensors");
    Double base = null;
    Double last = null;
    if (Files.isRegularFile(run.trainMetrics())) {
      for (TrainMetricsRow row : TrainMetricsRow.readAll(run.trainMetrics())) {
        if (row.evalLoss() != null) {
          if (row.step() == 0) {
            base = row.evalLoss();
          } else if (row.step() == done.finalStep()) {
            last = row.evalLoss();
          }
        }
      }
    }
    return new TrainResult(
        done.finalStep(),
        done.finalLoss(),
        chosen,
        Files.isRegularFile(adapter) ? TrainSpecHash.sha256(adapter) : null,
        base,
        last,
        alreadyFinished,
        seconds);
  }

  /** One line for the console: the final step and the validation loss before and after. */
  public static String describe(TrainResult r) {
    String losses =
        r.baseEvalLoss() != null && r.finalEvalLoss() != null
            ? String.format(
                Locale.ROOT,
                "; validation loss: base %.4f -> fine-tuned %.4f (%+.1f %%)",
                r.baseEvalLoss(),
                r.finalEvalLoss(),
                100 * (r.finalEvalLoss() / r.baseEvalLoss() - 1))
            : r.finalEvalLoss() != null
                ? String.format(Locale.ROOT, "; validation loss %.4f", r.finalEvalLoss())
                : "";
    return String.format(
        Locale.ROOT,
        "train: %s at step %d, final loss %s, adapter %s (sha256 %s)%s",
        r.alreadyFinished() ? "already finished" : "finished",
        r.finalStep(),
        r.finalLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.finalLoss()),
        r.bestCheckpoint(),
        r.adapterSha256() == null ? "-" : r.adapterSha256().substring(0, 16),
        losses);
  }

  /** The file {@code train.eval_limit}'s evenly spread validation rows are written to. */
  static final String VALIDATION_SAMPLE = "validation_sample.jsonl";

  /**
   * With {@code train.eval_limit}, points the spec's validation split at an evenly spread sample of
   * that many rows written into {@code dir} (see {@link ValidationSample}).
   */
  static WorkerSpec withValidationSample(WorkerSpec spec, Workflow w, Path dir) {
    Integer limit = w.train().evalLimit();
    if (limit == null) {
      return spec;
    }
    Path sample = dir.resolve(VALIDATION_SAMPLE);
    try {
      Files.createDirectories(dir);
      ValidationSample.write(
          Path.of(spec.section("data").path("validation").asText()), limit, sample);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + sample, e);
    }
    com.fasterxml.jackson.databind.node.ObjectNode json = spec.json();
    com.fasterxml.jackson.databind.node.ObjectNode data =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.get("data");
    data.put("validation", sample.toAbsolutePath().toString());
    data.putNull("validation_limit");
    return WorkerSpec.of(json);
  }

  /** Fails with the path of the first split file that ingest has not written. */
  static void requireDataset(RunDirectory run, List<String> splits) {
    for (String s : splits) {
      Path f = run.split(s);
      if (!Files.isRegularFile(f)) {
        throw new BadInputException(
            f + ": not found; run `tunecard ingest <workflow>` first to write " + run.dataset());
      }
    }
  }
}
