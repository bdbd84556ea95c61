package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextMetricsTest {
  private static final List<PredictionRow> ROWS =
      List.of(
          new PredictionRow("q1", "Anemia is a low red cell count.", "Anemia is low red cells.", 9),
          new PredictionRow("q2", "a b c a b c", "a b c", null),
          new PredictionRow("q3", "", "Some reference.", 0),
          new PredictionRow("q4", "The the the", "the", null));

  @Test
  void perAnswerScoresFollowTheDefinitions() {
    ScoredAnswers s = new TextMetrics(false).score(ROWS);
    AnswerScores q1 = s.answers().get(0);
    assertThat(q1.rougeL())
        .isEqualTo(new Rouge(false).rougeL("Anemia is low red cells.", ROWS.get(0).prediction()));
    assertThat(q1.tokensLen()).isEqualTo(9);
    assertThat(q1.tokensFromGenerator()).isTrue();
    AnswerScores q2 = s.answers().get(1);
    assertThat(q2.tokensLen()).isEqualTo(6);
    assertThat(q2.tokensFromGenerator()).isFalse();
    assertThat(q2.distinct1()).isEqualTo(0.5);
    assertThat(q2.repetitionR3()).isEqualTo(0.25);
    assertThat(s.answers().get(2).rougeL()).isEqualTo(RougeScore.ZERO);
    assertThat(s.answers().get(3).distinct1()).isEqualTo(1 / 3.0);
    assertThat(s.tokensCountedFromWhitespace()).isEqualTo(2);
  }

  @Test
  void aggregatesEveryMetricInOrderWithCorpusValuesOverAllAnswers() {
    ScoredAnswers s = new TextMetrics(false).score(ROWS);
    Map<String, Estimate> agg = s.aggregate(new Bootstrap(42, 1000), TextMetrics.ALL);
    assertThat(agg.keySet()).containsExactlyElementsOf(TextMetrics.ALL);
    assertThat(agg.values()).allMatch(e -> e.n() == 4 && e.ciLow() <= e.ciHigh());
    assertThat(agg.get(Metric.TOKENS_LEN.key()).mean()).isEqualTo((9 + 6 + 0 + 3) / 4.0);
    // Corpus: 7 + 6 + 0 + 3 = 16 words; distinct: anemia is a low red cell count. b c the = 10.
    assertThat(agg.get(Metric.DISTINCT_1_CORPUS.key()).mean()).isEqualTo(10 / 16.0);
    assertThat(agg).isEqualTo(s.aggregate(new Bootstrap(42, 1000), TextMetrics.ALL));
  }

  @Test
  void pairedDifferenceAlignsByIdAndNeedsTheSameQuestions() {
    TextMetrics m = new TextMetrics(false);
    ScoredAnswers a = m.score(ROWS);
    List<PredictionRow> backwards = new java.util.ArrayList<>(ROWS);
    java.util.Collections.reverse(backwards);
    ScoredAnswers reversed = m.score(backwards);
    Map<String, Estimate> d = a.minus(reversed, new Bootstrap(3, 1000), TextMetrics.ALL);
    assertThat(d.values()).allMatch(e -> e.mean() == 0 && e.ciLow() == 0 && e.ciHigh() == 0);
    ScoredAnswers fewer = m.score(ROWS.subList(0, 3));
    assertThatThrownBy(() -> a.minus(fewer, new Bootstrap(3, 1000), TextMetrics.ALL))
        .hasMessageContaining("expected the same 3 question ids on both sides, found 4");
    ScoredAnswers other =
        m.score(
            List.of(ROWS.get(0), ROWS.get(1), ROWS.get(2), new PredictionRow("q9", "x", "y", 1)));
    assertThatThrownBy(() -> a.minus(other, new Bootstrap(3, 1000), TextMetrics.ALL))
        .hasMessageContaining("question id 'q4' has no answer on the other side");
  }

  @Test
  void duplicateIdsAndUnknownMetricsAreRejected() {
    assertThatThrownBy(() -> new TextMetrics(false).score(List.of(ROWS.get(0), ROWS.get(0))))
        .hasMessageContaining("id 'q1' appears twice");
    assertThatThrownBy(() -> TextMetrics.checkNames(List.of("rougeL", "bleu")))
        .hasMessageContaining("unknown metric 'bleu'; expected some of rougeL, tokens_len");
  }
}
