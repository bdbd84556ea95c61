package io.tunecard.evaluate;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Stagings;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.Checkpoints;
import io.tunecard.workflow.WorkflowContext;
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
 * {@link EvaluateModels} on the runner of {@code options} into a staging folder beside {@code
 * eval/}, and replaces {@code eval/} with it only when everything succeeded. A failed run leaves
 * the previous {@code eval/} (if any) untouched and no staging folder behind.
 */
public final class EvaluationStage {
  private EvaluationStage() {}

  /**
   * Evaluates the run of {@code context}; returns the path of metrics.json. Each libtorch operation
   * runs on one thread: the runner's workers share the cores (give the runner one worker per core),
   * and no answer depends on how many threads computed it, so any number of workers writes the same
   * files.
   */
  public static Path run(WorkflowContext context, PipelineOptions options) {
    return run(context, EvalOptions.defaults().withTorchThreads(1), options);
  }

  /** Evaluates with explicit options (tests give the hf engine a stand-in worker). */
  public static Path run(WorkflowContext context, EvalOptions how, PipelineOptions options) {
    RunDirectory run = new RunDirectory(context.runDir());
    checkInputs(Evaluation.of(context, how));
    try (Stagings stagings = new Stagings()) {
      Path staging = stagings.beside(run.eval());
      Pipeline pipeline = Pipeline.create(options);
      pipeline
          .apply("Start", Create.of("evaluate"))
          .apply("Evaluate", new Step(context, how, staging));
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
   * The stage as a step of a larger pipeline: {@link EvaluateModels} writing into {@code staging}
   * (a folder beside {@code eval/}, made by the caller, who also removes it if the run fails), then
   * the staging folder replacing {@code eval/}. Input: the previous stage's done signal; output:
   * the path of metrics.json.
   */
  public static final class Step extends PTransform<PCollection<String>, PCollection<String>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    public Step(WorkflowContext context, EvalOptions options, Path staging) {
      this.context = context;
      this.options = options.withOutputDir(staging);
      Evaluation e = Evaluation.of(context, this.options);
      if (e.isHf()) {
        HfEngine.checkSpec(e);
      }
      StageProgress.reset();
    }

    @Override
    public PCollection<String> expand(PCollection<String> signal) {
      return signal
          .apply("Evaluate", new EvaluateModels(context, options))
          .apply(
              "PublishEval",
              ParDo.of(
                  new PublishEval(
                      Path.of(options.outputDir()), new RunDirectory(context.runDir()).eval())));
    }
  }

  /** What must exist before a runner starts: the splits, a complete checkpoint, the base. */
  static void checkInputs(Evaluation e) {
    RunDirectory run = e.run();
    for (String split : new String[] {e.eval().split(), "validation"}) {
      if (!Files.isRegularFile(run.split(split))) {
        throw new BadInputException(run.split(split) + ": not found; run the ingest stage first");
      }
    }
    if (Checkpoints.scan(run.checkpoints()).complete().isEmpty()) {
      throw new BadInputException(
          run.checkpoints()
              + ": no complete checkpoint (step-N/ with COMPLETE); run training first");
    }
    if (!e.isHf()) {
      e.baseDirectory();
    }
  }
}
