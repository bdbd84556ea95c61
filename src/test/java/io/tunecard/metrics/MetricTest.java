package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricTest {
  private static final AnswerScores ANSWER =
      new AnswerScores("q-1", new RougeScore(0.5, 0.25, 1 / 3.0), 7, true, 0.9, 0.8, 0.125);

  @Test
  void namesAreUniqueAndTheTextMetricsAreTheOnesTextMetricsComputes() {
    List<String> keys = Arrays.stream(Metric.values()).map(Metric::key).toList();
    assertThat(keys).doesNotHaveDuplicates();
    assertThat(TextMetrics.ALL)
        .containsExactly(
            "rougeL",
            "tokens_len",
            "distinct_1",
            "distinct_2",
            "distinct_1_corpus",
            "distinct_2_corpus",
            "repetition_r3");
    assertThat(TextMetrics.PER_ANSWER)
        .containsExactly("rougeL", "tokens_len", "distinct_1", "distinct_2", "repetition_r3");
  }

  @Test
  void eachPerAnswerMetricReadsItsOwnField() {
    assertThat(ANSWER.value("rougeL")).isEqualTo(1 / 3.0);
    assertThat(ANSWER.value("tokens_len")).isEqualTo(7);
    assertThat(ANSWER.value("distinct_1")).isEqualTo(0.9);
    assertThat(ANSWER.value("distinct_2")).isEqualTo(0.8);
    assertThat(ANSWER.value("repetition_r3")).isEqualTo(0.125);
    assertThatThrownBy(() -> ANSWER.value("distinct_1_corpus"))
        .hasMessageContaining("'distinct_1_corpus' has no per-answer value");
    assertThatThrownBy(() -> Metric.BERTSCORE_F1.value(ANSWER))
        .hasMessageContaining("'bertscore_f1' has no per-answer value");
  }

  @Test
  void directionAndDecimalsAreTheMetricsOwn() {
    assertThat(Arrays.stream(Metric.values()).filter(Metric::lowerIsBetter).map(Metric::key))
        .containsExactlyInAnyOrder("repetition_r3", "eval_loss", "perplexity");
    assertThat(Metric.lowerIsBetter("bleu")).isFalse();
    assertThat(Metric.decimals("tokens_len")).isEqualTo(2);
    assertThat(Metric.decimals("rougeL")).isEqualTo(4);
    assertThat(Metric.decimals("bleu")).isEqualTo(4);
  }
}
