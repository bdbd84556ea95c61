package io.tunecard.evaluate;

import io.tunecard.model.ModelLocator;
import io.tunecard.workflow.WorkflowContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/** The steps of scoring and of metrics.json; the work is in {@link StrategyScorer}. */
final class ScoreSteps {
  private ScoreSteps() {}

  /**
   * One strategy's fine-tune and base answers → their scores. With the djl engine BERTScore's
   * encoder is loaded once per worker when its weights are on this machine; the hf engine's worker
   * has scored every answer already (when it found the same weights).
   */
  static final class Score extends DoFn<KV<String, Iterable<GenerationSet>>, StrategyScores> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;
    private transient BertScorer bert;
    private transient StrategyScorer scorer;

    Score(WorkflowContext context, EvalOptions options) {
      this.context = context;
      this.options = options;
    }

    @Setup
    public void setup() {
      Evaluation e = Evaluation.of(context, options);
      BertScorer.Located where = BertScorer.locate(e.bertscore(), ModelLocator.system());
      StrategyScorer.BertF1 f1 = null;
      if (where.directory().isPresent() && e.isHf()) {
        f1 = (model, strategy, rows) -> HfEngine.bertF1(e, model, strategy, rows);
      } else if (where.directory().isPresent()) {
        bert = BertScorer.load(where.directory().get(), e.bertscore());
        f1 = StrategyScorer.BertF1.of(bert);
      }
      scorer = new StrategyScorer(e, f1, where.reason());
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<GenerationSet>> sets, OutputReceiver<StrategyScores> out) {
      GenerationSet adapter = null;
      GenerationSet base = null;
      for (GenerationSet s : sets.getValue()) {
        if (QuestionBatch.BASE.equals(s.model())) {
          base = s;
        } else {
          adapter = s;
        }
      }
      if (adapter == null) {
        throw new IllegalStateException(sets.getKey() + ": no fine-tune answers to score");
      }
      out.output(
          scorer.score(sets.getKey(), adapter.answers(), base == null ? null : base.answers()));
    }

    @Teardown
    public void teardown() {
      if (bert != null) {
        bert.close();
        bert = null;
      }
    }
  }

  /** Every strategy's scores → eval/metrics.json (atomically); outputs its path. */
  static final class WriteFile extends DoFn<KV<String, Iterable<StrategyScores>>, String> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final EvalOptions options;
    private final PCollectionView<EvalLossReport> loss;

    WriteFile(WorkflowContext context, EvalOptions options, PCollectionView<EvalLossReport> loss) {
      this.context = context;
      this.options = options;
      this.loss = loss;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      List<StrategyScores> scores = new ArrayList<>();
      c.element().getValue().forEach(scores::add);
      Evaluation e = Evaluation.of(context, options);
      MetricsFile.build(e, c.sideInput(loss), scores).write(e.metricsFile());
      c.output(e.metricsFile().toString());
    }
  }
}
