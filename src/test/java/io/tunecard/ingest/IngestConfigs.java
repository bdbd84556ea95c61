package io.tunecard.ingest;

import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.SplitSpec;
import java.nio.file.Path;

/** Ingest settings for tests: the quickstart's, over a given input. */
final class IngestConfigs {
  private IngestConfigs() {}

  static DatasetSpec spec(Path input, String source, int minUsable, String groupBy) {
    return new DatasetSpec(
        source,
        input.toString(),
        "auto",
        true,
        "exact",
        minUsable,
        2L << 30,
        100_000,
        new SplitSpec(0.70, 0.15, 0.15, 42, groupBy));
  }

  static IngestConfig of(Path input, Path staging, Path target) {
    return IngestConfig.of(spec(input, "medquad-xml", 1, "none"), staging, target);
  }
}
