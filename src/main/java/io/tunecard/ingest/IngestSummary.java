package io.tunecard.ingest;

import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the ingestion stage produced, for the command line and the run manifest: rows per split with
 * each split file's sha256, and the rejections per reason.
 */
public record IngestSummary(
    String source,
    String input,
    long read,
    long usable,
    SortedMap<String, Long> rejectedByReason,
    List<SplitFile> splits)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** One written split: {@code dataset/<split>.jsonl}. */
  public record SplitFile(String split, long rows, String sha256) implements Serializable {
    private static final long serialVersionUID = 1L;

    public String file() {
      return "dataset/" + split + ".jsonl";
    }
  }

  public IngestSummary {
    rejectedByReason = new TreeMap<>(rejectedByReason);
    splits = List.copyOf(splits);
  }

  public long rejected() {
    return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  public SplitFile split(String name) {
    return splits.stream()
        .filter(s -> s.split().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("split: no split named " + name));
  }

  /** The summary of a published {@code dataset/} folder: its stats.json and the files' hashes. */
  public static IngestSummary read(Path datasetDir) {
    try {
      DatasetStatsFile stats = DatasetStatsFile.read(datasetDir.resolve("stats.json"));
      TreeMap<String, Long> byReason = new TreeMap<>(stats.rejectedByReason());
      DatasetStatsFile.Rows rows =
          stats.rows() == null ? new DatasetStatsFile.Rows(null, null, null) : stats.rows();
      List<SplitFile> files = new ArrayList<>();
      for (String split : RunDirectory.SPLITS) {
        files.add(
            new SplitFile(
                split, orZero(stats.rowsOf(split)), sha256(datasetDir.resolve(split + ".jsonl"))));
      }
      return new IngestSummary(
          stats.source() == null ? "" : stats.source(),
          stats.input() == null ? "" : stats.input(),
          orZero(rows.read()),
          orZero(rows.usable()),
          byReason,
          files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + datasetDir + ": " + e.getMessage(), e);
    }
  }

  private static long orZero(Long n) {
    return n == null ? 0 : n;
  }

  /** The hex SHA-256 of a file's bytes. */
  public static String sha256(Path file) throws IOException {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
