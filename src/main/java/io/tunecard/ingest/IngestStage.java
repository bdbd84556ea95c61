package io.tunecard.ingest;

import io.tunecard.files.BadInputException;
import io.tunecard.files.Stagings;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.DatasetSpec;
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
   * @param options the Beam runner's options; null ingests in this process, on {@code workers}
   *     threads (the {@code local} runner)
   */
  public static IngestSummary run(
      DatasetSpec spec, RunDirectory run, PipelineOptions options, int workers) {
    Path target = run.dataset();
    try (Stagings stagings = new Stagings()) {
      IngestConfig config = IngestConfig.of(spec, stagings.beside(target), target);
      if (options == null) {
        return IngestInProcess.run(config, workers);
      }
      InputListing.check(config);
      Pipeline pipeline = Pipeline.create(options);
      pipeline.apply("Ingest", new IngestDataset(config));
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
}
