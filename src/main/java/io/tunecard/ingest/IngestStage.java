package io.tunecard.ingest;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Stagings;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Runs the ingestion stage: checks the input before any worker starts, runs {@link IngestDataset}
 * on a Beam runner (or {@link IngestInProcess} in this JVM) into a staging folder beside {@code
 * dataset/}, and returns what was published. A failed run leaves the previous {@code dataset/} (if
 * any) untouched and no staging folder behind.
 */
public final class IngestStage {
  private IngestStage() {}

  /**
   * @param context the workflow and the run directory whose {@code dataset/} the stage writes
   * @param options the Beam runner's options; null ingests in this process, on {@code workers}
   *     threads (the {@code local} runner)
   */
  public static IngestSummary run(WorkflowContext context, PipelineOptions options, int workers) {
    Path target = new RunDirectory(context.runDir()).dataset();
    try (Stagings stagings = new Stagings()) {
      IngestOptions how = IngestOptions.of(context, stagings.beside(target));
      if (options == null) {
        return IngestInProcess.run(IngestConfig.of(context, how), workers);
      }
      checkInput(context.workflow().dataset());
      Pipeline pipeline = Pipeline.create(options);
      pipeline.apply("Ingest", new IngestDataset(context, how));
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the ingest pipeline ended in state " + state);
      }
      return IngestSummary.read(target);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      throw BadInputException.unwrap(e);
    }
  }

  /**
   * Checks the input of the workflow's {@code dataset} section before any runner starts: the path
   * exists, archives are sane, an export's format is known ({@link InputListing#check}). A {@code
   * run} checks it here once, in its preflight, before it builds the pipeline.
   */
  public static void checkInput(DatasetSpec spec) {
    Path none = Path.of(".preflight"); // nothing is written
    InputListing.check(IngestConfig.of(spec, none, none));
  }
}
