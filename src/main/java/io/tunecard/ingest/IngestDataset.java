package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import io.tunecard.workflow.WorkflowContext;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The ingestion stage: MedQuAD (XML folders, a zip of them, or the Hub export as JSONL, CSV or
 * parquet, from a file or a Hub dataset repository in the cache) in, {@code dataset/} out —
 * train/validation/test JSON lines, rejected.jsonl and stats.json. Files are parsed in parallel,
 * one element per file; each split is written by one writer. Its single output element summarises
 * what was written. Its steps carry the run's {@link WorkflowContext} and the stage's {@link
 * IngestOptions}, and make their {@link IngestConfig} where they run.
 */
public final class IngestDataset extends PTransform<PBegin, PCollection<IngestSummary>> {
  private static final long serialVersionUID = 1L;

  /**
   * Buckets the files are spread over before parsing. Reshuffling into one group per file would
   * cost the DirectRunner a bundle per file; a few buckets per worker keep every core busy.
   */
  static final int SPREAD = 32;

  private final WorkflowContext context;
  private final IngestOptions options;

  /**
   * @param context the run's workflow; every step reads its {@code dataset} section where it runs
   * @param options the input as the command resolved it, and the staging folder
   */
  public IngestDataset(WorkflowContext context, IngestOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<IngestSummary> expand(PBegin begin) {
    IngestCoders.register(begin.getPipeline().getCoderRegistry());
    // The driver's view, for what shapes the pipeline: ParquetIO reads named files.
    IngestConfig config = IngestConfig.of(context, options);

    PCollectionTuple listed =
        begin
            .apply("Input", Create.of(options.input()))
            .apply(
                "ListInputFiles",
                ParDo.of(new ReadSteps.ListInputFiles(context, options))
                    .withOutputTags(ReadSteps.FILES, TupleTagList.of(ReadSteps.REJECTED)));
    PCollectionTuple parsed =
        listed
            .get(ReadSteps.FILES)
            .apply("SpreadFiles", Reshuffle.<SourceFile>viaRandomKey().withNumBuckets(SPREAD))
            .apply(
                "ParseQaPairs",
                ParDo.of(new ReadSteps.ParseFiles(context, options))
                    .withOutputTags(ReadSteps.ROWS, TupleTagList.of(ReadSteps.REJECTED)));
    List<SourceFile> parquet = config.kind().parquetFiles(config);
    PCollectionTuple fromParquet =
        parquet.isEmpty() ? null : begin.apply("ReadParquet", new ReadParquet(parquet));
    PCollection<Candidate> read =
        fromParquet == null
            ? parsed.get(ReadSteps.ROWS)
            : PCollectionList.of(parsed.get(ReadSteps.ROWS))
                .and(fromParquet.get(ReadSteps.ROWS))
                .apply("AllRows", Flatten.pCollections());
    PCollectionTuple cleaned =
        read.apply(
            "Clean",
            ParDo.of(new ReadSteps.CleanRows(context, options))
                .withOutputTags(ReadSteps.ROWS, TupleTagList.of(ReadSteps.REJECTED)));
    PCollectionTuple deduped =
        cleaned.get(ReadSteps.ROWS).apply("Dedupe", new DedupeRows(context, options));

    PCollection<SplitReport> splits =
        deduped
            .get(ReadSteps.ROWS)
            .apply("AssignSplit", ParDo.of(new ReadSteps.AssignSplit(context, options)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RecordCoder.of(DatasetRow.class)))
            .apply("GatherSplits", new GatherByKey<>(RecordCoder.of(DatasetRow.class)))
            .apply("WriteSplits", ParDo.of(new WriteSteps.WriteSplitFile(options.staging())));

    PCollection<KV<String, Long>> rejectedCounts =
        PCollectionList.of(listed.get(ReadSteps.REJECTED))
            .and(parsed.get(ReadSteps.REJECTED))
            .and(fromParquet == null ? List.of() : List.of(fromParquet.get(ReadSteps.REJECTED)))
            .and(cleaned.get(ReadSteps.REJECTED))
            .and(deduped.get(ReadSteps.REJECTED))
            .apply("AllRejections", Flatten.pCollections())
            .apply("CountRejections", ParDo.of(new WriteSteps.CountRejections()))
            .apply("OneWriter", WithKeys.of("rejected"))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), RecordCoder.of(Rejection.class)))
            .apply("GatherRejections", new GatherByKey<>(RecordCoder.of(Rejection.class)))
            .apply("WriteRejected", ParDo.of(new WriteSteps.WriteRejectedFile(options.staging())));

    PCollectionView<List<SplitReport>> splitsView = splits.apply("SplitReports", View.asList());
    PCollectionView<List<KV<String, Long>>> rejectedView =
        rejectedCounts.apply("RejectionCounts", View.asList());
    return begin
        .apply("Finish", Create.of("dataset"))
        .apply(
            "WriteStats",
            ParDo.of(new WriteSteps.WriteReport(context, options, splitsView, rejectedView))
                .withSideInputs(splitsView, rejectedView));
  }
}
