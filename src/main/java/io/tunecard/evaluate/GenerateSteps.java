package io.tunecard.evaluate;

import io.tunecard.files.AtomicFiles;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/** The steps of question sharding, generation and merging; the work is in {@link QuestionPlan}. */
final class GenerateSteps {
  private GenerateSteps() {}

  /** The run → every batch of questions, keyed {@code model/strategy/index}. */
  static final class PlanBatches extends DoFn<String, KV<String, QuestionBatch>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    PlanBatches(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<String, QuestionBatch>> out) {
      QuestionPlan.batches(Evaluation.of(context, options))
          .forEach(b -> out.output(KV.of(b.key(), b)));
    }
  }

  /**
   * Answers a batch with the model loaded once per worker (the best checkpoint's adapter for the
   * fine-tune, none for the base). Output keyed {@code model/strategy}.
   */
  static final class Answer extends DoFn<KV<String, QuestionBatch>, KV<String, GeneratedAnswer>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;
    private final PCollectionView<EvalLossReport> loss;
    private transient LoadedModel model;
    private transient int answered;

    Answer(WorkflowContext context, EvalOptions options, PCollectionView<EvalLossReport> loss) {
      this.context = context;
      this.options = options;
      this.loss = loss;
    }

    @Setup
    public void setup() {
      model = LoadedModel.load(Evaluation.of(context, options));
    }

    @ProcessElement
    public void process(ProcessContext c) {
      FaultInjection.beforeBatch(answered++);
      Evaluation e = Evaluation.of(context, options);
      QuestionBatch batch = c.element().getValue();
      EvalLossReport report = c.sideInput(loss);
      String adapter =
          QuestionBatch.BASE.equals(batch.model())
              ? null
              : report
                  .best()
                  .orElseThrow(
                      () ->
                          new io.tunecard.files.BadInputException(
                              e.run().checkpoints()
                                  + ": no complete checkpoint to evaluate; run training first"))
                  .adapter();
      Generator g = model.generator(adapter == null ? null : Path.of(adapter));
      Decoding d = e.decoding(e.strategy(batch.strategy()));
      String label = batch.strategy() + (adapter == null ? " (base)" : " (fine-tune)");
      StageProgress.begin("generate", label);
      List<GeneratedAnswer> answers = QuestionPlan.answer(model, g, batch, d);
      StageProgress.advance(
          "generate",
          label,
          answers.size(),
          batch.total(),
          answers.stream().mapToLong(GeneratedAnswer::tokens).sum());
      for (GeneratedAnswer a : answers) {
        c.output(KV.of(a.model() + "/" + a.strategy(), a));
      }
    }

    @Teardown
    public void teardown() {
      if (model != null) {
        model.close();
        model = null;
      }
    }
  }

  /** All answers of one model and strategy → their file, sorted by id, written atomically. */
  static final class WriteFile
      extends DoFn<KV<String, Iterable<GeneratedAnswer>>, KV<String, GenerationSet>> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;

    WriteFile(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<GeneratedAnswer>> group,
        OutputReceiver<KV<String, GenerationSet>> out) {
      List<GeneratedAnswer> rows = new ArrayList<>();
      group.getValue().forEach(rows::add);
      rows = StrategyScorer.byId(rows);
      GeneratedAnswer first = rows.get(0);
      StringBuilder text = new StringBuilder();
      rows.forEach(r -> text.append(r.toJsonLine()).append('\n'));
      try {
        AtomicFiles.writeString(
            Evaluation.of(context, options).generationsFile(first.model(), first.strategy()),
            text.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
      out.output(KV.of(first.strategy(), new GenerationSet(first.model(), first.strategy(), rows)));
    }
  }
}
