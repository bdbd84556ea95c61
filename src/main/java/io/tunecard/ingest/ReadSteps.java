package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The steps that find the input files, parse and clean them, one element per file. Each carries the
 * workflow context and the stage's options and makes its {@link IngestConfig} where it runs.
 */
final class ReadSteps {
  private ReadSteps() {}

  static final TupleTag<SourceFile> FILES = new TupleTag<>() {};
  static final TupleTag<Candidate> ROWS = new TupleTag<>() {};
  static final TupleTag<Rejection> REJECTED = new TupleTag<>() {};

  /** The input path in, one {@link SourceFile} per XML file or zip entry out. */
  static final class ListInputFiles extends DoFn<String, SourceFile> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final IngestOptions options;

    ListInputFiles(WorkflowContext context, IngestOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(MultiOutputReceiver out) {
      InputListing.Listing listing = InputListing.list(IngestConfig.of(context, options));
      listing.files().forEach(f -> out.get(FILES).output(f));
      listing.refused().forEach(r -> out.get(REJECTED).output(r));
    }
  }

  /** One file in, its candidate rows and rejections out. */
  static final class ParseFiles extends DoFn<SourceFile, Candidate> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final IngestOptions options;
    private final Counter files = Metrics.counter(IngestDataset.class, "files_parsed");
    private final Counter pairs = Metrics.counter(IngestDataset.class, "rows_read");
    private transient InputListing.Opener opener;
    private transient DatasetSource.Parser parser;
    private transient IngestConfig config;

    ParseFiles(WorkflowContext context, IngestOptions options) {
      this.context = context;
      this.options = options;
    }

    @Setup
    public void setup() {
      config = IngestConfig.of(context, options);
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
    private final WorkflowContext context;
    private final IngestOptions options;
    private transient Cleaning cleaning;

    CleanRows(WorkflowContext context, IngestOptions options) {
      this.context = context;
      this.options = options;
    }

    @Setup
    public void setup() {
      IngestConfig config = IngestConfig.of(context, options);
      cleaning = new Cleaning(config.dropEmptyAnswers(), config.kind().cleanedByReader());
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

  /** Puts each row into its split, keyed by the split's name. */
  static final class AssignSplit extends DoFn<Candidate, KV<String, DatasetRow>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final IngestOptions options;
    private transient SplitAssigner assigner;

    AssignSplit(WorkflowContext context, IngestOptions options) {
      this.context = context;
      this.options = options;
    }

    @Setup
    public void setup() {
      assigner = SplitAssigner.of(IngestConfig.of(context, options));
    }

    @ProcessElement
    public void process(@Element Candidate c, OutputReceiver<KV<String, DatasetRow>> out) {
      out.output(KV.of(assigner.split(c.row()), c.row()));
    }
  }
}
