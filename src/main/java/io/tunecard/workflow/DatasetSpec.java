package io.tunecard.workflow;

import java.util.List;

/**
 * Where the question-answer pairs come from and how they are cleaned and split.
 *
 * @param source {@code medquad-xml} (the original folders, or a .zip of them) or {@code hf-export}
 *     (the Hub export's columns as JSONL or CSV)
 * @param path file or directory, relative to the working directory
 * @param format for {@code hf-export}: {@code auto} (by extension), {@code jsonl} or {@code csv}
 * @param minUsableRows the run fails when fewer rows survive cleaning
 * @param maxInflatedBytes zip input: bound on the total inflated size (zip-bomb guard)
 * @param maxZipEntries zip input: bound on the number of entries
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
    SplitSpec split) {

  public static final List<String> SOURCES = List.of("medquad-xml", "hf-export");
  public static final List<String> FORMATS = List.of("auto", "jsonl", "csv");
  public static final List<String> DEDUPE = List.of("exact", "none");

  public DatasetSpec {
    Check.oneOf("source", source, SOURCES);
    Check.present("path", path);
    Check.oneOf("format", format, FORMATS);
    Check.oneOf("dedupe", dedupe, DEDUPE);
    Check.atLeast("min_usable_rows", minUsableRows, 0);
    Check.atLeast("max_inflated_bytes", maxInflatedBytes, 1);
    Check.atLeast("max_zip_entries", maxZipEntries, 1);
    Check.present("split", split);
  }

  static DatasetSpec read(Section s) {
    return new DatasetSpec(
        s.oneOf("source", "medquad-xml", SOURCES),
        s.requiredString("path"),
        s.oneOf("format", "auto", FORMATS),
        s.bool("drop_empty_answers", true),
        s.oneOf("dedupe", "exact", DEDUPE),
        s.integer("min_usable_rows", 100),
        s.longValue("max_inflated_bytes", 2L << 30),
        s.integer("max_zip_entries", 100_000),
        s.read("split", SplitSpec::read));
  }
}
