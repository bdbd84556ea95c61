package io.tunecard.evaluate;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Stagings;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.Checkpoints;
import io.tunecard.workflow.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Runs the evaluation stage on an existing run: checks its inputs before any worker starts, runs
 * {@link EvaluateAdapter} on the runner of {@code options} into a staging folder beside {@code
 * eval/}, and replaces {@code eval/} with it only when everything succeeded. A failed run leaves
 * the previous {@code eval/} (if any) untouched and no staging folder behind.
 */
public final class EvaluationStage {
  private EvaluationStage() {}

  /**
   * Evaluates the run of {@code w} in {@code run}; returns the path of metrics.json. Each libtorch
   * operation runs on one thread: the runner's workers share the cores (give the runner one worker
   * per core), and no answer depends on how many threads computed it, so any number of workers
   * writes the same files.
   */
  public static Path run(Workflow w, RunDirectory run, PipelineOptions options) {
    return run(EvalSettings.of(w, run).withTorchThreads(1), options);
  }

  /** Evaluates with explicit settings (tests give the hf engine a stand-in worker). */
  public static Path run(EvalSettings settings, PipelineOptions options) {
    RunDirectory run = settings.run();
    checkInputs(settings);
    try (Stagings stagings = new Stagings()) {
      Path staging = stagings.beside(run.eval());
      Pipeline pipeline = Pipeline.create(options);
      pipeline.apply("Start", Create.of("evaluate")).apply("Evaluate", new Step(settings, staging));
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the evaluation pipeline ended in state " + state);
      }
      return run.evalMetrics();
    } catch (RuntimeException e) {
      throw BadInputException.unwrap(e);
    }
  }

  /**
   * The stage as a step of a larger pipeline: {@link EvaluateAdapter} writing into {@code staging}
   * (a folder beside {@code eval/}, made by the caller, who also removes it if the run fails), then
   * the staging folder replacing {@code eval/}. Input: the previous stage's done signal; output:
   * the path of metrics.json.
   */
  public static final class Step extends PTransform<PCollection<String>, PCollection<String>> {
    private static final long serialVersionUID = 1L;
    private final EvalSettings settings;
    private final String staging;

    public Step(EvalSettings settings, Path staging) {
      this.settings = settings.withOutputDir(staging);
      this.staging = staging.toString();
      StageProgress.reset();
    }

    @Override
    public PCollection<String> expand(PCollection<String> signal) {
      return signal
          .apply("Evaluate", new EvaluateAdapter(settings))
          .apply(
              "PublishEval",
              ParDo.of(
                  new PublishEval(
                      Path.of(staging), new RunDirectory(Path.of(settings.runDir())).eval())));
    }
  }

  /** What must exist before a runner starts: the splits, a complete checkpoint, the base. */
  static void checkInputs(EvalSettings s) {
    RunDirectory run = s.run();
    for (String split : new String[] {s.split(), "validation"}) {
      if (!Files.isRegularFile(run.split(split))) {
        throw new BadInputException(run.split(split) + ": not found; run the ingest stage first");
      }
    }
    if (Checkpoints.scan(run.checkpoints()).complete().isEmpty()) {
      throw new BadInputException(
          run.checkpoints()
              + ": no complete checkpoint (step-N/ with COMPLETE); run training first");
    }
    if (!s.isHf()) {
      LoadedModel.baseDirectory(s.modelBase(), run);
    }
  }
}
