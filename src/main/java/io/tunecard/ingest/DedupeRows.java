package io.tunecard.ingest;

import io.tunecard.workflow.WorkflowContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Dedupe (see {@link Duplicates}): every row's fingerprint (content hash, id, place) is gathered in
 * one step that decides which rows go; the rows themselves then pass a filter whose side input is
 * that short list. Outputs {@link ReadSteps#ROWS} and {@link ReadSteps#REJECTED}.
 */
final class DedupeRows extends PTransform<PCollection<Candidate>, PCollectionTuple> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final IngestOptions options;

  DedupeRows(WorkflowContext context, IngestOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollectionTuple expand(PCollection<Candidate> rows) {
    PCollection<Rejection> dropped =
        rows.apply(
                "Fingerprint",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(RowRef.class)))
                    .via(c -> KV.of("rows", RowRef.of(c))))
            .apply("GatherFingerprints", new GatherByKey<>(RecordCoder.of(RowRef.class)))
            .apply("FindDuplicates", ParDo.of(new FindDuplicates(context, options)));
    PCollectionView<List<Rejection>> droppedView = dropped.apply("DroppedRows", View.asList());
    PCollection<Candidate> kept =
        rows.apply(
            "DropDuplicates",
            ParDo.of(new DropDuplicates(droppedView)).withSideInputs(droppedView));
    return PCollectionTuple.of(ReadSteps.ROWS, kept).and(ReadSteps.REJECTED, dropped);
  }

  /** All fingerprints in, the rejections of the rows to drop out. */
  static final class FindDuplicates extends DoFn<KV<String, List<RowRef>>, Rejection> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final IngestOptions options;

    FindDuplicates(WorkflowContext context, IngestOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(@Element KV<String, List<RowRef>> all, OutputReceiver<Rejection> out) {
      boolean byContent = IngestConfig.of(context, options).dedupe();
      Duplicates.find(all.getValue(), byContent).forEach(out::output);
    }
  }

  /** Passes every row that the dedupe decision did not drop. */
  static final class DropDuplicates extends DoFn<Candidate, Candidate> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<List<Rejection>> dropped;
    private transient List<Rejection> seen;
    private transient Set<String> places;

    DropDuplicates(PCollectionView<List<Rejection>> dropped) {
      this.dropped = dropped;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      List<Rejection> list = c.sideInput(dropped);
      if (list != seen) {
        Set<String> p = new HashSet<>();
        list.forEach(r -> p.add(RowRef.place(r.file(), r.ordinal())));
        places = p;
        seen = list;
      }
      Candidate row = c.element();
      if (!places.contains(RowRef.place(row.file(), row.ordinal()))) {
        c.output(row);
      }
    }
  }
}
