package io.tunecard.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The evaluation: generation metrics per decoding strategy (fine-tune and base), their difference,
 * and eval losses per checkpoint.
 *
 * @param split the split generations were scored on
 * @param maxNewTokens the generation cap; null when unknown
 * @param maxNewTokensImplied true when the cap was inferred (e.g. from lengths), not recorded
 * @param questions questions scored; null when not recorded
 * @param bootstrapResamples resamples behind each 95 % CI; null when there are no CIs
 * @param strategies the fine-tune's results, one per strategy, in the source's order
 * @param base the base model's results (empty when not scored)
 * @param baseVsAdapter per strategy, per metric: adapter minus base with its CI
 * @param evalLoss eval losses of the base and each checkpoint; null when not recorded
 * @param bertscoreNote why BERTScore is missing, when it is
 * @param definitions how the metrics were computed; null when the source did not record it
 */
public record EvalFacts(
    String split,
    Integer maxNewTokens,
    boolean maxNewTokensImplied,
    Integer questions,
    Integer bootstrapResamples,
    List<StrategyResult> strategies,
    List<StrategyResult> base,
    Map<String, Map<String, MetricValue>> baseVsAdapter,
    EvalLoss evalLoss,
    String bertscoreNote,
    Definitions definitions) {

  /**
   * The settings behind the metric definitions of a tunecard run.
   *
   * @param rougeStemming ROUGE-L with the Porter stemmer
   * @param bertscoreModel the encoder, e.g. roberta-large
   * @param bertscoreLayer the encoder layer whose embeddings are matched
   * @param bertscoreRescaled baseline rescaling on
   */
  public record Definitions(
      boolean rougeStemming,
      String bertscoreModel,
      Integer bertscoreLayer,
      Boolean bertscoreRescaled) {}

  public EvalFacts {
    Objects.requireNonNull(split, "split");
    strategies = List.copyOf(strategies);
    base = List.copyOf(base);
    Map<String, Map<String, MetricValue>> copy = new LinkedHashMap<>();
    baseVsAdapter.forEach(
        (k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    baseVsAdapter = Collections.unmodifiableMap(copy);
    if (maxNewTokens != null && maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens: expected >= 1, found " + maxNewTokens);
    }
  }

  /** The metric names that appear in any strategy, in first-seen order. */
  public List<String> metricNames() {
    var names = new java.util.LinkedHashSet<String>();
    strategies.forEach(s -> names.addAll(s.metrics().keySet()));
    return List.copyOf(names);
  }

  /** The base model's result for a strategy, or null. */
  public StrategyResult baseFor(String strategy) {
    return base.stream().filter(b -> b.name().equals(strategy)).findFirst().orElse(null);
  }
}
