package io.tunecard.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Every metric tunecard reports, described once: its name in files and cards, whether it has a
 * value per answer (then averaged, with a bootstrap interval over answers) or is a corpus-level or
 * checkpoint-level figure, whether a smaller value is better (the publish gate and the card's
 * comparisons read it), and how many decimals a card shows. Definitions: {@code docs/metrics.md}.
 *
 * <p>Adding a per-answer text metric is one constant here (with the {@link AnswerScores} field that
 * holds its value) and its computation in {@link TextMetrics#score}.
 */
public enum Metric {
  ROUGE_L("rougeL", Scope.PER_ANSWER, false, 4, a -> a.rougeL().f()),
  TOKENS_LEN("tokens_len", Scope.PER_ANSWER, false, 2, AnswerScores::tokensLen),
  DISTINCT_1("distinct_1", Scope.PER_ANSWER, false, 4, AnswerScores::distinct1),
  DISTINCT_2("distinct_2", Scope.PER_ANSWER, false, 4, AnswerScores::distinct2),
  DISTINCT_1_CORPUS("distinct_1_corpus", Scope.CORPUS, false, 4, null),
  DISTINCT_2_CORPUS("distinct_2_corpus", Scope.CORPUS, false, 4, null),
  REPETITION_R3("repetition_r3", Scope.PER_ANSWER, true, 4, AnswerScores::repetitionR3),
  /** Scored by an encoder (the evaluate stage's BERTScore), not by {@link TextMetrics}. */
  BERTSCORE_F1("bertscore_f1", Scope.ENCODER, false, 4, null),
  EVAL_LOSS("eval_loss", Scope.CHECKPOINT, true, 4, null),
  PERPLEXITY("perplexity", Scope.CHECKPOINT, true, 3, null);

  /** Where a metric's value comes from. */
  public enum Scope {
    /** One value per answer, averaged over answers. */
    PER_ANSWER,
    /** One value over all answers together. */
    CORPUS,
    /** One value per answer from an encoder model, averaged over answers. */
    ENCODER,
    /** One value per checkpoint, from its loss on a split. */
    CHECKPOINT
  }

  /** The metrics {@link TextMetrics} computes, in the order reports list them. */
  public static final List<Metric> TEXT =
      Arrays.stream(values())
          .filter(m -> m.scope == Scope.PER_ANSWER || m.scope == Scope.CORPUS)
          .toList();

  private final String key;
  private final Scope scope;
  private final boolean lowerIsBetter;
  private final int decimals;
  private final ToDoubleFunction<AnswerScores> perAnswer;

  Metric(
      String key,
      Scope scope,
      boolean lowerIsBetter,
      int decimals,
      ToDoubleFunction<AnswerScores> perAnswer) {
    this.key = key;
    this.scope = scope;
    this.lowerIsBetter = lowerIsBetter;
    this.decimals = decimals;
    this.perAnswer = perAnswer;
  }

  /** The name in metrics files, workflow gates, {@code --metrics} and cards. */
  public String key() {
    return key;
  }

  public Scope scope() {
    return scope;
  }

  public boolean lowerIsBetter() {
    return lowerIsBetter;
  }

  /** Decimals a card shows for this metric's values and intervals. */
  public int decimals() {
    return decimals;
  }

  /** True when {@link AnswerScores} holds a value of this metric for each answer. */
  public boolean hasAnswerValue() {
    return perAnswer != null;
  }

  /** This metric's value for one answer; only for metrics with {@link #hasAnswerValue}. */
  public double value(AnswerScores answer) {
    if (perAnswer == null) {
      throw new IllegalArgumentException(
          "metric '" + key + "' has no per-answer value; expected one of " + keys(answerMetrics()));
    }
    return perAnswer.applyAsDouble(answer);
  }

  /** The metric named {@code key}, if tunecard knows it. */
  public static Optional<Metric> find(String key) {
    return Arrays.stream(values()).filter(m -> m.key.equals(key)).findFirst();
  }

  /** True when a smaller value of {@code key} is better; false for every other name. */
  public static boolean lowerIsBetter(String key) {
    return find(key).map(Metric::lowerIsBetter).orElse(false);
  }

  /**
   * Decimals a card shows for {@code key}: the metric's own, 4 for a name tunecard does not know.
   */
  public static int decimals(String key) {
    return find(key).map(Metric::decimals).orElse(4);
  }

  public static List<Metric> answerMetrics() {
    return Arrays.stream(values()).filter(Metric::hasAnswerValue).toList();
  }

  public static List<String> keys(List<Metric> metrics) {
    return metrics.stream().map(Metric::key).toList();
  }
}
