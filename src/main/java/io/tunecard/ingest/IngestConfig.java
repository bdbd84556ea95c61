package io.tunecard.ingest;

import io.tunecard.hub.HubCache;
import io.tunecard.hub.HubInputs;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.SplitSpec;
import io.tunecard.workflow.WorkflowContext;
import java.nio.file.Path;

/**
 * What the ingestion stage reads from the workflow: the {@code dataset} section and the folders it
 * writes. It never crosses the pipeline; the steps carry the {@link WorkflowContext} and the
 * stage's {@link IngestOptions} and make this view where they run ({@link #of(WorkflowContext,
 * IngestOptions)}).
 *
 * @param source {@code medquad-xml}, {@code hf-export} or {@code hub}
 * @param input absolute path of the directory, zip or export file, or of the Hub dataset's snapshot
 *     in the Hugging Face cache
 * @param inputLabel the path as the workflow wrote it, or the Hub repository (recorded in
 *     stats.json)
 * @param format {@code auto}, {@code parquet}, {@code jsonl} or {@code csv} (not for XML)
 * @param staging the folder the steps write into; it becomes {@code dataset/} when all is written
 * @param target the {@code dataset/} folder
 */
public record IngestConfig(
    String source,
    String input,
    String inputLabel,
    String format,
    boolean dropEmptyAnswers,
    boolean dedupe,
    int minUsableRows,
    long maxInflatedBytes,
    int maxZipEntries,
    long maxFileBytes,
    double train,
    double validation,
    long seed,
    boolean groupByFocus,
    String staging,
    String target) {

  public IngestConfig {
    DatasetSource.of(source); // refuses a name that is not a source
    if (input == null || staging == null || target == null) {
      throw new IllegalArgumentException("input, staging and target: all three are required");
    }
    if (!(train > 0 && validation >= 0 && train + validation <= 1 + 1e-9)) {
      throw new IllegalArgumentException(
          "train, validation: expected fractions with 0 < train and train + validation <= 1");
    }
  }

  /**
   * The view of {@code context}'s {@code dataset} section with {@code options}: what a step makes
   * where it runs. It writes into the run's {@code dataset/} (through the staging folder).
   */
  public static IngestConfig of(WorkflowContext context, IngestOptions options) {
    return of(
        context.workflow().dataset(),
        Path.of(options.input()),
        Path.of(options.staging()),
        new RunDirectory(context.runDir()).dataset());
  }

  /** The stage's settings from a validated workflow section and the folders it writes. */
  public static IngestConfig of(DatasetSpec spec, Path staging, Path target) {
    return of(spec, inputOf(spec), staging, target);
  }

  private static IngestConfig of(DatasetSpec spec, Path input, Path staging, Path target) {
    SplitSpec split = spec.split();
    return new IngestConfig(
        spec.source(),
        input.toString(),
        spec.isHub() ? spec.repo() : spec.path(),
        spec.format(),
        spec.dropEmptyAnswers(),
        spec.dedupe().equals("exact"),
        spec.minUsableRows(),
        spec.maxInflatedBytes(),
        spec.maxZipEntries(),
        spec.maxFileBytes(),
        split.train(),
        split.validation(),
        split.seed(),
        split.groupBy().equals("focus"),
        staging.toAbsolutePath().normalize().toString(),
        target.toAbsolutePath().normalize().toString());
  }

  /**
   * What the stage reads: {@code dataset.path}, or for {@code hub} the dataset's snapshot in the
   * Hugging Face cache (looked up, never downloaded: the command pulled it before the pipeline).
   */
  public static Path inputOf(DatasetSpec spec) {
    if (spec.isHub()) {
      return HubInputs.datasetSnapshot(HubCache.system(), spec.repo()).toAbsolutePath().normalize();
    }
    return Path.of(spec.path()).toAbsolutePath().normalize();
  }

  public Path inputPath() {
    return Path.of(input);
  }

  public Path stagingPath() {
    return Path.of(staging);
  }

  public Path targetPath() {
    return Path.of(target);
  }

  /** The source, with what the stage does differently for it. */
  public DatasetSource kind() {
    return DatasetSource.of(source);
  }
}
