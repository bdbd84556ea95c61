package io.tunecard.pipeline;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.ingest.HfExport;
import io.tunecard.ingest.IngestConfig;
import io.tunecard.ingest.IngestDataset;
import io.tunecard.ingest.IngestInProcess;
import io.tunecard.ingest.IngestSummary;
import io.tunecard.ingest.InputListing;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.DatasetSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/**
 * Runs the ingestion stage: checks the input before any worker starts, runs {@link IngestDataset}
 * on a Beam runner (or {@link IngestInProcess} for {@code local}) into a staging folder beside
 * {@code dataset/}, and returns what was published. A failed run leaves the previous {@code
 * dataset/} (if any) untouched and no staging folder behind.
 */
public final class IngestStage {
  private IngestStage() {}

  /**
   * @param flinkMaster {@code [local]} or {@code host:port} for {@code FLINK}; null otherwise
   * @param parallelism workers; below 1 means one per core
   */
  public static IngestSummary run(
      DatasetSpec spec,
      RunDirectory run,
      Runners.Kind runner,
      String flinkMaster,
      int parallelism) {
    Path target = run.dataset();
    Path staging;
    try {
      staging = AtomicFiles.stagingDirectory(target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + target.getParent() + ": " + e, e);
    }
    try {
      IngestConfig config = IngestConfig.of(spec, staging, target);
      if (runner == Runners.Kind.LOCAL) {
        return IngestInProcess.run(config, Runners.workers(parallelism));
      }
      // Bad input (missing path, zip bomb, unknown format) fails here, before a runner starts.
      InputListing.Listing listing = InputListing.list(config);
      if (!config.isMedQuadXml()) {
        HfExport.format(config.format(), listing.files().get(0).name());
      }
      Pipeline pipeline = Pipeline.create(Runners.options(runner, flinkMaster, parallelism));
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
    } finally {
      try {
        AtomicFiles.deleteTree(staging);
      } catch (IOException e) {
        // The staging folder is hidden and uniquely named; a leftover does no harm to the run.
      }
    }
  }
}
