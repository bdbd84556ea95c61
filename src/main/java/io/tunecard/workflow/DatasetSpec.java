package io.tunecard.workflow;

import java.util.List;

/**
 * Where the question-answer pairs come from and how they are cleaned and split.
 *
 * @param source {@code medquad-xml} (the original folders, or a .zip of them), {@code hf-export}
 *     (the Hub export's columns as parquet, JSONL or CSV) or {@code hub} (the same columns in a Hub
 *     dataset repository, pulled into the Hugging Face cache)
 * @param path file or directory, relative to the working directory; not with {@code hub}
 * @param format for {@code hf-export} and {@code hub}: {@code auto} (by extension; for {@code hub}
 *     parquet if the repository has it, else JSON lines, else CSV), {@code parquet}, {@code jsonl}
 *     or {@code csv}
 * @param minUsableRows the run fails when fewer rows survive cleaning
 * @param maxInflatedBytes zip input: bound on the total inflated size (zip-bomb guard)
 * @param maxZipEntries zip input: bound on the number of entries
 * @param repo for {@code hub}: the dataset repository, {@code org/name} or {@code
 *     org/name@revision}
 */
public record DatasetSpec(
    String source,
    String path,
    String format,
    boolean dropEmptyAnswers,
    String dedupe,
    int minUsableRows,
    long maxInflatedBytes,
    int maxZipEntries,
    SplitSpec split,
    String repo) {

  public static final List<String> SOURCES = List.of("medquad-xml", "hf-export", "hub");
  public static final List<String> FORMATS = List.of("auto", "parquet", "jsonl", "csv");
  public static final String HUB = "hub";
  public static final List<String> DEDUPE = List.of("exact", "none");

  public DatasetSpec {
    Check.oneOf("source", source, SOURCES);
    if (HUB.equals(source)) {
      if (repo == null || repo.isBlank()) {
        throw new IllegalArgumentException(
            "repo: source 'hub' needs dataset.repo, the dataset repository (e.g. lavita/MedQuAD)");
      }
      if (path != null) {
        throw new IllegalArgumentException(
            "path: source 'hub' reads dataset.repo from the Hugging Face cache; remove dataset.path");
      }
    } else {
      Check.present("path", path);
      if (repo != null) {
        throw new IllegalArgumentException(
            "repo: only with source 'hub' (found source '" + source + "')");
      }
    }
    Check.oneOf("format", format, FORMATS);
    Check.oneOf("dedupe", dedupe, DEDUPE);
    Check.atLeast("min_usable_rows", minUsableRows, 0);
    Check.atLeast("max_inflated_bytes", maxInflatedBytes, 1);
    Check.atLeast("max_zip_entries", maxZipEntries, 1);
    Check.present("split", split);
  }

  /** Without a Hub repository (sources that read {@code path}). */
  public DatasetSpec(
      String source,
      String path,
      String format,
      boolean dropEmptyAnswers,
      String dedupe,
      int minUsableRows,
      long maxInflatedBytes,
      int maxZipEntries,
      SplitSpec split) {
    this(
        source,
        path,
        format,
        dropEmptyAnswers,
        dedupe,
        minUsableRows,
        maxInflatedBytes,
        maxZipEntries,
        split,
        null);
  }

  /** Whether the data comes from a Hub dataset repository in the cache. */
  public boolean isHub() {
    return HUB.equals(source);
  }

  static DatasetSpec read(Section s) {
    String source = s.oneOf("source", "medquad-xml", SOURCES);
    return new DatasetSpec(
        source,
        HUB.equals(source) ? s.string("path", null) : s.requiredString("path"),
        s.oneOf("format", "auto", FORMATS),
        s.bool("drop_empty_answers", true),
        s.oneOf("dedupe", "exact", DEDUPE),
        s.integer("min_usable_rows", 100),
        s.longValue("max_inflated_bytes", 2L << 30),
        s.integer("max_zip_entries", 100_000),
        s.read("split", SplitSpec::read),
        HUB.equals(source) ? s.requiredString("repo") : s.string("repo", null));
  }
}
