package io.tunecard.ingest;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes the parts of {@code dataset/} that need everything at once — rejected.jsonl, stats.json —
 * and publishes the staging folder, for the Beam steps and the in-process path alike.
 */
public final class DatasetFiles {
  private DatasetFiles() {}

  /** Writes rejected.jsonl (by file, then place in the file); returns the counts per reason. */
  public static SortedMap<String, Long> writeRejected(Path staging, Collection<Rejection> all)
      throws IOException {
    List<Rejection> rows = new ArrayList<>(all);
    rows.sort(Rejection.ORDER);
    AtomicFiles.write(
        staging.resolve("rejected.jsonl"),
        o -> {
          try (JsonLines lines = new JsonLines(o)) {
            for (Rejection r : rows) {
              lines.write(r);
            }
          }
        });
    return rows.stream()
        .collect(Collectors.groupingBy(Rejection::reason, TreeMap::new, Collectors.counting()));
  }

  /**
   * Completes the staging folder — empty files for splits (or rejections) that got no rows,
   * stats.json — and publishes it as {@code dataset/}. Fails, publishing nothing, when fewer rows
   * than {@code dataset.min_usable_rows} survived.
   */
  public static IngestSummary finish(
      IngestConfig config, Collection<SplitReport> reports, Map<String, Long> rejectedByReason)
      throws IOException {
    Path staging = config.stagingPath();
    Map<String, SplitReport> written = new TreeMap<>();
    reports.forEach(s -> written.put(s.split(), s));
    List<SplitReport> ordered = new ArrayList<>();
    for (String name : RunDirectory.SPLITS) {
      SplitReport s = written.get(name);
      if (s == null) {
        AtomicFiles.writeBytes(staging.resolve(name + ".jsonl"), new byte[0]);
        s = SplitReport.empty(name, SplitWriter.emptySha256());
      }
      ordered.add(s);
    }
    if (!Files.exists(staging.resolve("rejected.jsonl"))) {
      AtomicFiles.writeBytes(staging.resolve("rejected.jsonl"), new byte[0]);
    }
    TreeMap<String, Long> byReason = new TreeMap<>(rejectedByReason);
    var stats = DatasetStats.build(config, ordered, byReason);
    long usable = ordered.stream().mapToLong(SplitReport::rows).sum();
    long read = stats.rows().read();
    if (usable < config.minUsableRows()) {
      throw new BadInputException(
          String.format(
              "%s: only %d usable rows, fewer than dataset.min_usable_rows (%d); %d records read,"
                  + " rejected: %s",
              config.inputLabel(),
              usable,
              config.minUsableRows(),
              read,
              byReason.isEmpty() ? "none" : byReason));
    }
    stats.write(staging.resolve("stats.json"));
    AtomicFiles.publish(staging, config.targetPath());
    List<IngestSummary.SplitFile> files = new ArrayList<>();
    ordered.forEach(s -> files.add(new IngestSummary.SplitFile(s.split(), s.rows(), s.sha256())));
    return new IngestSummary(config.source(), config.inputLabel(), read, usable, byReason, files);
  }
}
