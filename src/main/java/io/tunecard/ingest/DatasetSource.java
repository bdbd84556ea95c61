package io.tunecard.ingest;

import io.tunecard.workflow.DatasetSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Where a data set comes from ({@code dataset.source}), and everything the ingest stage does
 * differently for it: how its input is listed, how one file becomes rows, which files Beam's
 * ParquetIO reads instead (and whether it can have any), and whether the reader already cleaned the
 * text. Both runner paths ({@link IngestDataset} on Beam, {@link IngestInProcess}) and the input
 * check ask this one place; adding a source is a constant here with its reader, and its name in
 * {@link DatasetSpec#SOURCES}.
 */
public enum DatasetSource {
  /** MedQuAD's XML: a directory, a zip of its folders or one file. */
  MEDQUAD_XML("medquad-xml", false, InputListing::listXml),
  /** A Hugging Face export: one parquet, JSONL or CSV file. */
  HF_EXPORT("hf-export", true, InputListing::listExportFile),
  /** A Hub dataset repository's data files in the Hugging Face cache. */
  HUB("hub", true, c -> HubFiles.list(c.inputPath(), c.format(), c.inputLabel()));

  /** Parses one opened file into rows and rejections. */
  public interface Parser {
    Parsed parse(InputStream in, String file) throws IOException;
  }

  private final String key;
  private final boolean parquet;
  private final Function<IngestConfig, InputListing.Listing> lister;

  /**
   * @param parquet whether the source's files can be parquet (read by ParquetIO, never by the
   *     parser)
   */
  DatasetSource(String key, boolean parquet, Function<IngestConfig, InputListing.Listing> lister) {
    this.key = key;
    this.parquet = parquet;
    this.lister = lister;
  }

  /** The name a workflow gives, e.g. {@code medquad-xml}. */
  public String key() {
    return key;
  }

  /** The source named {@code key}, one of {@link DatasetSpec#SOURCES}. */
  public static DatasetSource of(String key) {
    return Arrays.stream(values())
        .filter(s -> s.key.equals(key))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "source: expected one of " + DatasetSpec.SOURCES + ", found " + key));
  }

  /** The files to parse and the entries refused while listing; the input exists. */
  InputListing.Listing list(IngestConfig config) {
    return lister.apply(config);
  }

  /** Refuses, before any runner starts, a listed input whose files cannot be read. */
  void check(IngestConfig config, InputListing.Listing listing) {
    if (this != MEDQUAD_XML) {
      HfExport.format(config.format(), listing.files().get(0).name());
    }
  }

  /** A parser for one thread: MedQuAD's XML reader, or the export reader in the set format. */
  Parser parser(IngestConfig config) {
    if (this == MEDQUAD_XML) {
      return new MedQuadXml()::parse;
    }
    return (in, file) -> HfExport.read(in, file, HfExport.format(config.format(), file));
  }

  /** Whether ParquetIO, in a branch of its own, reads {@code file} (the parser does not). */
  boolean readByParquetIO(IngestConfig config, SourceFile file) {
    return parquet && HfExport.format(config.format(), file.name()).equals("parquet");
  }

  /**
   * The input's files that ParquetIO reads. A source whose files are never parquet answers without
   * listing its input (a zip of XML is not listed twice); the others list it, as ParquetIO reads
   * named files that must be known when the pipeline is built.
   */
  List<SourceFile> parquetFiles(IngestConfig config) {
    if (!parquet) {
      return List.of();
    }
    return InputListing.list(config).files().stream()
        .filter(f -> readByParquetIO(config, f))
        .toList();
  }

  /** Whether the reader already collapsed the text's whitespace (MedQuAD's XML reader does). */
  boolean cleanedByReader() {
    return this == MEDQUAD_XML;
  }
}
