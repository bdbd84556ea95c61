package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The steps that write {@code dataset/}: each split file by one writer, rejected.jsonl by one
 * writer, then stats.json; everything goes to a staging folder that replaces {@code dataset/} only
 * when all of it is written and enough rows survived.
 */
final class WriteSteps {
  private WriteSteps() {}

  /** A split's rows in, its file written (sorted by id) and its report out. */
  static final class WriteSplitFile extends DoFn<KV<String, List<DatasetRow>>, SplitReport> {
    private static final long serialVersionUID = 1L;
    private final String staging;

    WriteSplitFile(String staging) {
      this.staging = staging;
    }

    @ProcessElement
    public void process(
        @Element KV<String, List<DatasetRow>> split, OutputReceiver<SplitReport> out)
        throws IOException {
      Path file = Path.of(staging).resolve(split.getKey() + ".jsonl");
      SplitReport report = SplitWriter.write(file, split.getKey(), split.getValue());
      Metrics.counter(IngestDataset.class, "rows_" + split.getKey()).inc(report.rows());
      out.output(report);
    }
  }

  /** Counts each rejection under its reason (Beam metrics); passes it on. */
  static final class CountRejections extends DoFn<Rejection, Rejection> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element Rejection r, OutputReceiver<Rejection> out) {
      Metrics.counter(IngestDataset.class, "rejected_" + r.reason()).inc();
      out.output(r);
    }
  }

  /** All rejections in, rejected.jsonl written (by file, then position), counts per reason out. */
  static final class WriteRejectedFile extends DoFn<KV<String, List<Rejection>>, KV<String, Long>> {
    private static final long serialVersionUID = 1L;
    private final String staging;

    WriteRejectedFile(String staging) {
      this.staging = staging;
    }

    @ProcessElement
    public void process(
        @Element KV<String, List<Rejection>> all, OutputReceiver<KV<String, Long>> out)
        throws IOException {
      DatasetFiles.writeRejected(Path.of(staging), all.getValue())
          .forEach((reason, n) -> out.output(KV.of(reason, n)));
    }
  }

  /**
   * Runs once after every file is written: writes stats.json, fails when fewer rows than the
   * workflow's minimum survived, and otherwise publishes the staging folder as {@code dataset/}.
   */
  static final class WriteReport extends DoFn<String, IngestSummary> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final IngestOptions options;
    private final PCollectionView<List<SplitReport>> splits;
    private final PCollectionView<List<KV<String, Long>>> rejected;

    WriteReport(
        WorkflowContext context,
        IngestOptions options,
        PCollectionView<List<SplitReport>> splits,
        PCollectionView<List<KV<String, Long>>> rejected) {
      this.context = context;
      this.options = options;
      this.splits = splits;
      this.rejected = rejected;
    }

    @ProcessElement
    public void process(ProcessContext c) throws IOException {
      TreeMap<String, Long> byReason = new TreeMap<>();
      c.sideInput(rejected).forEach(kv -> byReason.merge(kv.getKey(), kv.getValue(), Long::sum));
      c.output(
          DatasetFiles.finish(IngestConfig.of(context, options), c.sideInput(splits), byReason));
    }
  }
}
