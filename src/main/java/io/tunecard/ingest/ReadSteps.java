package io.tunecard.ingest;

import java.io.IOException;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;

/** The steps that find the input files and parse them, one element per file. */
final class ReadSteps {
  private ReadSteps() {}

  static final TupleTag<SourceFile> FILES = new TupleTag<>() {};
  static final TupleTag<Candidate> ROWS = new TupleTag<>() {};
  static final TupleTag<Rejection> REJECTED = new TupleTag<>() {};

  /** The input path in, one {@link SourceFile} per XML file or zip entry out. */
  static final class ListInputFiles extends DoFn<String, SourceFile> {
    private static final long serialVersionUID = 1L;
    private final IngestConfig config;

    ListInputFiles(IngestConfig config) {
      this.config = config;
    }

    @ProcessElement
    public void process(MultiOutputReceiver out) {
      InputListing.Listing listing = InputListing.list(config);
      listing.files().forEach(f -> out.get(FILES).output(f));
      listing.refused().forEach(r -> out.get(REJECTED).output(r));
    }
  }

  /** One file in, its candidate rows and rejections out. */
  static final class ParseFiles extends DoFn<SourceFile, Candidate> {
    private static final long serialVersionUID = 1L;
    private final IngestConfig config;
    private final Counter files = Metrics.counter(IngestDataset.class, "files_parsed");
    private final Counter pairs = Metrics.counter(IngestDataset.class, "rows_read");
    private transient InputListing.Opener opener;
    private transient DatasetSource.Parser parser;

    ParseFiles(IngestConfig config) {
      this.config = config;
    }

    @Setup
    public void setup() {
      opener = new InputListing.Opener();
      parser = config.kind().parser(config);
    }

    @ProcessElement
    public void process(@Element SourceFile f, MultiOutputReceiver out) {
      if (config.kind().readByParquetIO(config, f)) {
        return; // ReadParquet reads it
      }
      Parsed parsed = opener.read(f, parser);
      files.inc();
      pairs.inc(parsed.rows().size());
      parsed.rows().forEach(r -> out.get(ROWS).output(r));
      parsed.rejections().forEach(r -> out.get(REJECTED).output(r));
    }

    @Teardown
    public void teardown() throws IOException {
      if (opener != null) {
        opener.close();
      }
    }
  }

  /** Cleans each row; rows without a question or answer become rejections. */
  static final class CleanRows extends DoFn<Candidate, Candidate> {
    private static final long serialVersionUID = 1L;
    private final boolean dropEmptyAnswers;
    private final boolean collapsedByReader;
    private transient Cleaning cleaning;

    CleanRows(boolean dropEmptyAnswers, boolean collapsedByReader) {
      this.dropEmptyAnswers = dropEmptyAnswers;
      this.collapsedByReader = collapsedByReader;
    }

    @Setup
    public void setup() {
      cleaning = new Cleaning(dropEmptyAnswers, collapsedByReader);
    }

    @ProcessElement
    public void process(@Element Candidate c, MultiOutputReceiver out) {
      Cleaning.Outcome o = cleaning.clean(c);
      if (o.row() != null) {
        out.get(ROWS).output(o.row());
      } else {
        out.get(REJECTED).output(o.rejection());
      }
    }
  }
}
