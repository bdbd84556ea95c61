package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-answer scores of one set of answers, and the statistics the bootstrap needs for the
 * aggregates: per-answer means, corpus-level distinct-n, and paired differences with another set of
 * answers to the same questions.
 */
public final class ScoredAnswers {
  private final List<AnswerScores> answers;
  private final int[][] words;
  private final Map<String, Statistic> corpus = new ConcurrentHashMap<>();

  ScoredAnswers(List<AnswerScores> answers, int[][] words) {
    this.answers = List.copyOf(answers);
    this.words = words;
    var ids = new HashSet<String>();
    for (AnswerScores a : answers) {
      if (!ids.add(a.id())) {
        throw new IllegalArgumentException("id '" + a.id() + "' appears twice");
      }
    }
  }

  public List<AnswerScores> answers() {
    return answers;
  }

  public int size() {
    return answers.size();
  }

  public List<String> ids() {
    return answers.stream().map(AnswerScores::id).toList();
  }

  /** How many answers have {@code tokens_len} counted from whitespace tokens. */
  public int tokensCountedFromWhitespace() {
    return (int) answers.stream().filter(a -> !a.tokensFromGenerator()).count();
  }

  /** The bootstrap statistic of a metric over these answers. */
  public Statistic statistic(String metric) {
    if (metric.equals(Metric.DISTINCT_1_CORPUS.key())) {
      return corpus.computeIfAbsent(metric, m -> CorpusDistinct.of(words, 1));
    }
    if (metric.equals(Metric.DISTINCT_2_CORPUS.key())) {
      return corpus.computeIfAbsent(metric, m -> CorpusDistinct.of(words, 2));
    }
    double[] values = new double[answers.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = answers.get(i).value(metric);
    }
    return Statistic.mean(values);
  }

  /** Value, 95 % bootstrap interval and n of each metric, in the order given. */
  public Map<String, Estimate> aggregate(Bootstrap bootstrap, List<String> metrics) {
    return byName(metrics, bootstrap.estimate(size(), statistics(this, metrics)));
  }

  /** The statistics of several metrics, built in parallel (corpus indexes take a while). */
  private static List<Statistic> statistics(ScoredAnswers s, List<String> metrics) {
    TextMetrics.checkNames(metrics);
    return metrics.parallelStream().map(s::statistic).toList();
  }

  /**
   * The paired bootstrap of {@code this − base} for each metric: both sets must answer the same
   * questions; each resample draws questions and scores both sets on them.
   */
  public Map<String, Estimate> minus(
      ScoredAnswers base, Bootstrap bootstrap, List<String> metrics) {
    ScoredAnswers aligned = base.inOrder(ids());
    List<Statistic> mine = statistics(this, metrics);
    List<Statistic> theirs = statistics(aligned, metrics);
    List<Statistic> statistics = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      statistics.add(Statistic.difference(mine.get(i), theirs.get(i)));
    }
    return byName(metrics, bootstrap.estimate(size(), statistics));
  }

  /** The same answers in the order of {@code ids}, which must be exactly this set's ids. */
  public ScoredAnswers inOrder(List<String> ids) {
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < answers.size(); i++) {
      position.put(answers.get(i).id(), i);
    }
    if (ids.size() != answers.size()) {
      throw new IllegalArgumentException(
          "paired answers: expected the same "
              + answers.size()
              + " question ids on both sides, found "
              + ids.size());
    }
    List<AnswerScores> reordered = new ArrayList<>(ids.size());
    int[][] reorderedWords = new int[ids.size()][];
    for (int i = 0; i < ids.size(); i++) {
      Integer p = position.get(ids.get(i));
      if (p == null) {
        throw new IllegalArgumentException(
            "paired answers: question id '" + ids.get(i) + "' has no answer on the other side");
      }
      reordered.add(answers.get(p));
      reorderedWords[i] = words[p];
    }
    return new ScoredAnswers(reordered, reorderedWords);
  }

  private static Map<String, Estimate> byName(List<String> metrics, List<Estimate> estimates) {
    Map<String, Estimate> out = new LinkedHashMap<>();
    for (int i = 0; i < metrics.size(); i++) {
      out.put(metrics.get(i), estimates.get(i));
    }
    return out;
  }
}
