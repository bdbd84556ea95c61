package io.tunecard.ingest;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The data files of a {@code hub} dataset's snapshot in the Hugging Face cache: every parquet,
 * JSONL or CSV file under it, of one format ({@code dataset.format}, or with {@code auto} parquet
 * when the repository has it, else JSON lines, else CSV, so that a repository publishing both its
 * parquet and a JSONL copy is not read twice). The snapshot's entries are symbolic links to the
 * cache's blobs; one that resolves outside its repository's folder is refused.
 */
final class HubFiles {
  private HubFiles() {}

  private static final List<String> PREFERENCE = List.of("parquet", "jsonl", "csv");

  static InputListing.Listing list(Path snapshot, String format, String label) {
    if (!Files.isDirectory(snapshot)) {
      throw new BadInputException("dataset.repo: " + label + " has no snapshot at " + snapshot);
    }
    Map<String, List<SourceFile>> byFormat = new TreeMap<>();
    List<Rejection> refused = new ArrayList<>();
    Path repo;
    try {
      repo = snapshot.toRealPath().getParent().getParent();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + snapshot + ": " + e.getMessage(), e);
    }
    try (Stream<Path> walk = Files.walk(snapshot)) {
      for (Path p : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
        String name = snapshot.relativize(p).toString().replace('\\', '/');
        String kind = kind(name);
        if (kind == null || !Files.isRegularFile(p)) {
          continue;
        }
        if (!p.toRealPath().startsWith(repo)) {
          refused.add(
              new Rejection(
                  name,
                  -1,
                  "file",
                  null,
                  Rejection.FILE_REFUSED,
                  "resolves to " + p.toRealPath() + ", outside " + repo));
          continue;
        }
        byFormat.computeIfAbsent(kind, k -> new ArrayList<>()).add(InputListing.file(p, name));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + snapshot + ": " + e.getMessage(), e);
    }
    String chosen =
        format.equals("auto")
            ? PREFERENCE.stream().filter(byFormat::containsKey).findFirst().orElse(null)
            : format;
    List<SourceFile> files = chosen == null ? List.of() : byFormat.getOrDefault(chosen, List.of());
    if (files.isEmpty()) {
      throw new BadInputException(
          "dataset.repo: "
              + label
              + ": no "
              + (chosen == null ? "parquet, JSONL or CSV" : chosen)
              + " files in its snapshot "
              + snapshot
              + " (found "
              + byFormat.keySet()
              + ")");
    }
    return new InputListing.Listing(files, refused);
  }

  /** {@code parquet}, {@code jsonl} or {@code csv} by extension, or null for other files. */
  static String kind(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".parquet")) {
      return "parquet";
    }
    if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
      return "jsonl";
    }
    return lower.endsWith(".csv") ? "csv" : null;
  }
}
