package io.tunecard.cli;

import io.tunecard.hub.HubInputs;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.train.BaseResult;
import io.tunecard.train.StageOptions;
import io.tunecard.train.TrainResult;
import io.tunecard.train.TrainingStage;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard train}: the base stage (tokenizer and tiny base for {@code model.base: scratch})
 * and the LoRA fine-tune, on the run's existing {@code dataset/}, in this process (no Beam runner:
 * each stage is one supervised child process).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train the workflow's adapter on DIR/dataset/ (run `tunecard ingest` first): for a scratch"
            + " base first the tokenizer and the pre-trained tiny base, then the LoRA fine-tune in"
            + " a supervised child process that resumes from its last complete checkpoint.")
final class TrainCommand implements Callable<Integer> {
  @Mixin WorkflowOptions options;
  @Mixin HubOptions hub;
  @Spec CommandSpec spec;

  @Option(
      names = "--fresh",
      description =
          "Start clean: remove train/ (and base/ and tokenizer/ for a scratch base) instead of"
              + " resuming or reusing them.")
  boolean fresh;

  @Override
  public Integer call() {
    WorkflowLoader.Loaded loaded = options.load();
    RunDirectory run = options.runDirectory(loaded);
    PrintWriter out = spec.commandLine().getOut();
    try (RunDirectoryLock lock = WorkflowOptions.lock(run, "train", out)) {
      train(loaded.workflow(), run, out);
    }
    return Main.OK;
  }

  private void train(Workflow w, RunDirectory run, PrintWriter out) {
    HubOptions.record(run, hub.fetch(w, Set.of(HubInputs.Need.MODEL), spec.commandLine().getErr()));
    StageOptions stage = StageOptions.defaults().withFresh(fresh);
    long t0 = System.nanoTime();
    BaseResult base = TrainingStage.prepareBase(w, run, stage);
    double baseSeconds = (System.nanoTime() - t0) / 1e9;
    if (base.scratch()) {
      out.printf(
          Locale.ROOT,
          "base: %s %s in %.1f s%n",
          base.reused() ? "reused" : "pre-trained (" + base.steps() + " steps)",
          base.baseDir(),
          baseSeconds);
    } else {
      out.printf("base: %s%n", base.baseDir());
    }
    out.flush();
    TrainResult r = TrainingStage.train(w, run, stage);
    if (r.baseEvalLoss() != null && r.finalEvalLoss() != null) {
      out.printf(
          Locale.ROOT,
          "validation loss on the same rows: base model %.4f, fine-tuned %.4f%n",
          r.baseEvalLoss(),
          r.finalEvalLoss());
    }
    out.printf(
        Locale.ROOT,
        "  wrote %s (metrics.jsonl, checkpoints/) in %.1f s; total %.1f s%n",
        run.train(),
        r.seconds(),
        (System.nanoTime() - t0) / 1e9);
    out.flush();
  }
}
