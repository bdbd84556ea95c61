package io.tunecard.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.tokenize.BpeModel;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.worker.WorkerOutcome;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.worker.WorkerSupervisor;
import io.tunecard.workflow.TokenizerSpec;
import io.tunecard.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The base stage for {@code model.base: scratch}: the byte-level BPE tokenizer trained on the train
 * split's questions and answers ({@code tokenizer/tokenizer.json}), {@code answer_tokens} in
 * dataset/stats.json, then the tiny base pre-trained by a supervised djl child into {@code base/}.
 * A complete base made from the same inputs (see {@link BaseStamp}) is kept as it is.
 */
final class ScratchBase {
  /** {@code tokenizer/tunecard_tokenizer.json}: what the tokenizer was trained from. */
  static final String TOKENIZER_STAMP = "tunecard_tokenizer.json";

  private ScratchBase() {}

  static BaseResult prepare(Workflow w, RunDirectory run, StageOptions options) throws IOException {
    long t0 = System.nanoTime();
    TrainingStage.requireDataset(run, List.of("train", "validation"));
    if (CleanStart.apply(
        run,
        options.fresh(),
        options.stageKey(),
        run.tokenizer(),
        List.of(run.base(), run.tokenizer()))) {
      options
          .display()
          .message("base: starting clean (removed " + run.base() + " and " + run.tokenizer() + ")");
    }
    Path tokenizerFile = tokenizer(w, run, options);
    if (AnswerTokens.missing(run)) {
      ObjectNode d = AnswerTokens.fill(run, tokenizerFile);
      options.display().message("answer tokens (dataset/stats.json): " + Jsonl.write(d));
    }
    WorkerSpec spec = WorkerSpecs.pretrain(w, run);
    String stale = BaseStamp.staleReason(run.base(), BaseStamp.inputsHash(spec));
    if (stale == null) {
      options.display().message("base: " + run.base() + " is complete and up to date; reused");
      return new BaseResult(true, true, run.base().toString(), 0, null, seconds(t0));
    }
    if (Files.exists(run.base())) {
      options.display().message("base: rebuilding " + run.base() + " (" + stale + ")");
    }
    spec = TrainingStage.withValidationSample(spec, w, run.logs());
    WorkerOutcome outcome =
        new WorkerSupervisor(
                run,
                Launchers.of("djl", w, options),
                WorkerSupervisor.Options.defaults()
                    .withRetries(w.train().retries())
                    .withDisplay(options.display())
                    .withListener(options.listener()))
            .run(spec);
    String after = BaseStamp.staleReason(run.base(), BaseStamp.inputsHash(spec));
    if (after != null) {
      throw new IllegalStateException(
          "the pretrain worker finished but " + run.base() + " is not complete: " + after);
    }
    Double loss = outcome.done() == null ? null : outcome.done().number("final_loss");
    long steps = w.model().scratch().pretrainSteps();
    return new BaseResult(true, false, run.base().toString(), steps, loss, seconds(t0));
  }

  /** The run's tokenizer, trained unless one from the same inputs is there. */
  private static Path tokenizer(Workflow w, RunDirectory run, StageOptions options)
      throws IOException {
    Path file = run.tokenizer().resolve("tokenizer.json");
    Path stampFile = run.tokenizer().resolve(TOKENIZER_STAMP);
    TokenizerSpec t = w.model().tokenizer();
    ObjectNode stamp = Jsonl.MAPPER.createObjectNode();
    stamp.put("train_sha256", TrainSpecHash.sha256(run.split("train")));
    stamp.put("train_limit", w.train().limit());
    stamp.put("vocab_size", t.vocabSize());
    stamp.put("min_frequency", t.minFrequency());
    if (Files.isRegularFile(file) && Files.isRegularFile(stampFile)) {
      if (Jsonl.readTree(stampFile).equals(stamp)) {
        TokenizerFiles.load(file).close(); // a damaged file fails here, naming it
        return file;
      }
    }
    long t0 = System.nanoTime();
    List<String> texts = new ArrayList<>();
    for (QaRow r : QaRow.read(run.split("train"), w.train().limit())) {
      texts.add(r.question());
      texts.add(r.answer());
    }
    BpeModel model = BpeTrainer.of(t).train(texts);
    Files.createDirectories(run.tokenizer());
    AtomicFiles.deleteTree(stampFile);
    TokenizerFiles.write(file, model);
    AtomicFiles.writeString(stampFile, Jsonl.pretty(stamp));
    options
        .display()
        .message(
            String.format(
                Locale.ROOT,
                "tokenizer: %d tokens (%d merges) trained on %d texts in %.1f s -> %s",
                model.size(),
                model.merges().size(),
                texts.size(),
                seconds(t0),
                file));
    return file;
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
