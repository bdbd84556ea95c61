package io.tunecard.workflow;

import java.util.List;

/**
 * Where the question-answer pairs come from and how they are cleaned and split. Each key's default,
 * bounds and meaning are declared once, in the {@link Setting} constants below.
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

  public static final Setting<String> SOURCE =
      Setting.choice("source", "medquad-xml", SOURCES)
          .help(
              "`medquad-xml`: MedQuAD's original folders (`N_Name_QA/*.xml`) or a `.zip` of them;"
                  + " `hf-export`: the Hub export's columns as parquet, JSONL or CSV; `hub`: the"
                  + " same columns in a Hub dataset repository, pulled into the Hugging Face cache"
                  + " ([hub.md](hub.md))");
  public static final Setting<String> PATH =
      Setting.text("path", null)
          .help(
              "required (except with `hub`): the folder or file to read, relative to the working"
                  + " directory")
          .shown("—");
  public static final Setting<String> REPO =
      Setting.text("repo", null)
          .help(
              "`hub` only: the dataset repository, `org/name` or `org/name@revision` (e.g."
                  + " `lavita/MedQuAD`)")
          .shown("—");
  public static final Setting<String> FORMAT =
      Setting.choice("format", "auto", FORMATS)
          .help(
              "for `hf-export` and `hub`: `auto` (by extension; `hub` takes parquet when the"
                  + " repository has it, else JSONL, else CSV), `parquet` (read with Beam's"
                  + " ParquetIO), `jsonl`, `csv`");
  public static final Setting<Boolean> DROP_EMPTY_ANSWERS =
      Setting.flag("drop_empty_answers", true)
          .help("rows without an answer go to `rejected.jsonl`");
  public static final Setting<String> DEDUPE_KEY =
      Setting.choice("dedupe", "exact", DEDUPE)
          .help("`exact` (on normalised question + answer) or `none`");
  public static final Setting<Integer> MIN_USABLE_ROWS =
      Setting.count("min_usable_rows", 100, 0)
          .help("the run fails when fewer rows survive cleaning");
  public static final Setting<Long> MAX_INFLATED_BYTES =
      Setting.size("max_inflated_bytes", DEFAULT_MAX_INFLATED_BYTES, 1, 64L << 30, "64 GiB of XML")
          .help(
              "zip input: bound on the total size the XML entries declare (256 MiB by default);"
                  + " MedQuAD's 11,277 files inflate to 34 MiB; a zip past it is refused whole");
  public static final Setting<Integer> MAX_ZIP_ENTRIES =
      Setting.count("max_zip_entries", DEFAULT_MAX_ZIP_ENTRIES, 1, 10_000_000, "ten million files")
          .help("zip input: bound on the number of entries");
  public static final Setting<Long> MAX_FILE_BYTES =
      Setting.size(
              "max_file_bytes",
              DEFAULT_MAX_FILE_BYTES,
              1,
              1L << 30,
              "one XML file is parsed in memory, and MedQuAD's largest is 60 KB")
          .help(
              "each XML file, in a folder or a zip: bound on its size, as it is parsed in memory"
                  + " (1 MiB by default); MedQuAD's largest is 59,956 bytes; a larger file is"
                  + " refused alone (`zip_entry_refused` or `file_refused` in `rejected.jsonl`)"
                  + " and the others are read");

  /** This section's scalar keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          SOURCE,
          PATH,
          REPO,
          FORMAT,
          DROP_EMPTY_ANSWERS,
          DEDUPE_KEY,
          MIN_USABLE_ROWS,
          MAX_INFLATED_BYTES,
          MAX_ZIP_ENTRIES,
          MAX_FILE_BYTES);

  public DatasetSpec {
    Check c = SOURCE.check(new Check(), source);
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
    FORMAT.check(c, format);
    DEDUPE_KEY.check(c, dedupe);
    MIN_USABLE_ROWS.check(c, minUsableRows);
    MAX_INFLATED_BYTES.check(c, maxInflatedBytes);
    MAX_ZIP_ENTRIES.check(c, maxZipEntries);
    MAX_FILE_BYTES.check(c, maxFileBytes);
    c.present("split", split).done();
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
    String source = SOURCE.read(s);
    boolean hub = HUB.equals(source);
    return new DatasetSpec(
        source,
        hub ? PATH.read(s) : PATH.required(s),
        FORMAT.read(s),
        DROP_EMPTY_ANSWERS.read(s),
        DEDUPE_KEY.read(s),
        MIN_USABLE_ROWS.read(s),
        MAX_INFLATED_BYTES.read(s),
        MAX_ZIP_ENTRIES.read(s),
        MAX_FILE_BYTES.read(s),
        s.read("split", SplitSpec::read),
        hub ? REPO.required(s) : REPO.read(s));
  }
}
