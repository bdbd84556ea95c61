package io.tunecard.evaluate;

import io.tunecard.model.ModelLocator;
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
    private final EvalSettings settings;
    private transient BertScorer bert;
    private transient StrategyScorer scorer;

    Score(EvalSettings settings) {
      this.settings = settings;
    }

    @Setup
    public void setup() {
      BertScorer.Located where = BertScorer.locate(settings.bertscore(), ModelLocator.system());
      StrategyScorer.BertF1 f1 = null;
      if (where.directory().isPresent() && settings.isHf()) {
        f1 = (model, strategy, rows) -> HfEngine.bertF1(settings, model, strategy, rows);
      } else if (where.directory().isPresent()) {
        bert = BertScorer.load(where.directory().get(), settings.bertscore());
        f1 = StrategyScorer.BertF1.of(bert);
      }
      scorer = new StrategyScorer(settings, f1, where.reason());
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
    private final EvalSettings settings;
    private final PCollectionView<EvalLossReport> loss;

    WriteFile(EvalSettings settings, PCollectionView<EvalLossReport> loss) {
      this.settings = settings;
      this.loss = loss;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      List<StrategyScores> scores = new ArrayList<>();
      c.element().getValue().forEach(scores::add);
      MetricsFile.build(settings, c.sideInput(loss), scores).write(settings.metricsFile());
      c.output(settings.metricsFile().toString());
    }
  }
}
