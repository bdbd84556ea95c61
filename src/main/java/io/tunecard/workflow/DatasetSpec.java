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
 * @param maxInflatedBytes zip input: bound on the total inflated size of the XML entries (zip-bomb
 *     guard; MedQuAD's 11,277 files inflate to 34 MiB)
 * @param maxZipEntries zip input: bound on the number of entries
 * @param maxFileBytes each XML file, in a folder or a zip: bound on its (inflated) size; MedQuAD's
 *     largest is 59,956 bytes
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
    long maxFileBytes,
    SplitSpec split,
    String repo) {

  public static final List<String> SOURCES = List.of("medquad-xml", "hf-export", "hub");
  public static final List<String> FORMATS = List.of("auto", "parquet", "jsonl", "csv");
  public static final String HUB = "hub";
  public static final List<String> DEDUPE = List.of("exact", "none");

  /** Defaults sized for MedQuAD (docs/workflow.md): several times what it needs, no more. */
  public static final long DEFAULT_MAX_INFLATED_BYTES = 256L << 20;

  public static final int DEFAULT_MAX_ZIP_ENTRIES = 100_000;
  public static final long DEFAULT_MAX_FILE_BYTES = 1L << 20;

  public DatasetSpec {
    Check c = new Check().oneOf("source", source, SOURCES);
    if (HUB.equals(source)) {
      if (repo == null || repo.isBlank()) {
        c.fail(
            "repo",
            "source 'hub' needs dataset.repo, the dataset repository (e.g. lavita/MedQuAD)");
      }
      if (path != null) {
        c.fail(
            "path",
            "source 'hub' reads dataset.repo from the Hugging Face cache; remove dataset.path");
      }
    } else {
      c.present("path", path);
      if (repo != null) {
        c.fail("repo", "only with source 'hub' (found source '" + source + "')");
      }
    }
    c.oneOf("format", format, FORMATS)
        .oneOf("dedupe", dedupe, DEDUPE)
        .atLeast("min_usable_rows", minUsableRows, 0)
        .between("max_inflated_bytes", maxInflatedBytes, 1, 64L << 30, "64 GiB of XML")
        .between("max_zip_entries", maxZipEntries, 1, 10_000_000, "ten million files")
        .between(
            "max_file_bytes",
            maxFileBytes,
            1,
            1L << 30,
            "one XML file is parsed in memory, and MedQuAD's largest is 60 KB")
        .present("split", split)
        .done();
  }

  /** Sources that read {@code path}, with the default bound on each XML file. */
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
        DEFAULT_MAX_FILE_BYTES,
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
        s.longValue("max_inflated_bytes", DEFAULT_MAX_INFLATED_BYTES),
        s.integer("max_zip_entries", DEFAULT_MAX_ZIP_ENTRIES),
        s.longValue("max_file_bytes", DEFAULT_MAX_FILE_BYTES),
        s.read("split", SplitSpec::read),
        HUB.equals(source) ? s.requiredString("repo") : s.string("repo", null));
  }
}
