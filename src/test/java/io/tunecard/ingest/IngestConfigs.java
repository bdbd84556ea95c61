package io.tunecard.ingest;

import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.DatasetSpec;
import io.tunecard.workflow.SplitSpec;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Ingest settings for tests: the quickstart's, over a given input. */
public final class IngestConfigs {
  private IngestConfigs() {}

  static final Path QUICKSTART = Path.of("workflows/quickstart.yaml");

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

  /**
   * The quickstart workflow whose {@code dataset} section is {@code spec} (set key by key through
   * overrides), as the context of a run in {@code run}.
   */
  public static WorkflowContext context(DatasetSpec spec, RunDirectory run) {
    List<String> set = new ArrayList<>();
    set.add("dataset.source=" + spec.source());
    if (spec.path() != null) {
      set.add("dataset.path=" + spec.path());
    }
    if (spec.repo() != null) {
      set.add("dataset.repo=" + spec.repo());
    }
    set.add("dataset.format=" + spec.format());
    set.add("dataset.drop_empty_answers=" + spec.dropEmptyAnswers());
    set.add("dataset.dedupe=" + spec.dedupe());
    set.add("dataset.min_usable_rows=" + spec.minUsableRows());
    set.add("dataset.max_inflated_bytes=" + spec.maxInflatedBytes());
    set.add("dataset.max_zip_entries=" + spec.maxZipEntries());
    set.add("dataset.max_file_bytes=" + spec.maxFileBytes());
    SplitSpec split = spec.split();
    set.add("dataset.split.train=" + split.train());
    set.add("dataset.split.validation=" + split.validation());
    set.add("dataset.split.test=" + split.test());
    set.add("dataset.split.seed=" + split.seed());
    set.add("dataset.split.group_by=" + split.groupBy());
    String yaml;
    try {
      yaml = Files.readString(QUICKSTART);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    WorkflowContext context = WorkflowContext.of("quickstart.yaml", yaml, set, run.root());
    if (!context.workflow().dataset().equals(spec)) {
      throw new IllegalStateException(
          "the overrides give " + context.workflow().dataset() + ", not " + spec);
    }
    return context;
  }
}
