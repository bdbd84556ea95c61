package io.tunecard.publish;

import io.tunecard.metrics.Metric;
import io.tunecard.workflow.GateRule;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a run may be published ({@code publish.gate} of the workflow). Bounds ({@code
 * min}, {@code max}, inclusive) are checked first, from {@code eval/metrics.json} alone; only when
 * they all hold is the published card fetched for {@code beat_published}, which requires a strict
 * improvement over the same metric in its {@code model-index} — lower for eval_loss, perplexity and
 * repetition_r3, higher for every other metric. No published card, or one without that metric,
 * passes and says so; so does a published card identical to this run's (a rerun).
 */
public final class Gate {
  /** The last published card, fetched at most once and only when a rule needs it. */
  public interface Published {
    /** The README.md on the Hub, or empty with {@link #absentNote()} saying why. */
    Optional<String> readme();

    String absentNote();
  }

  private final EvalMetrics metrics;
  private final String defaultStrategy;
  private final String localReadme;

  /**
   * @param defaultStrategy the workflow's first strategy, for generation metrics without one
   * @param localReadme this run's README.md, to recognise a card that is already published
   */
  public Gate(EvalMetrics metrics, String defaultStrategy, String localReadme) {
    this.metrics = metrics;
    this.defaultStrategy = defaultStrategy;
    this.localReadme = localReadme;
  }

  public GateResult evaluate(List<GateRule> rules, Published published) {
    List<String> reasons = new ArrayList<>();
    List<String> checks = new ArrayList<>();
    if (rules.isEmpty()) {
      checks.add("no gate rules: publishing is not gated");
      return new GateResult(true, reasons, checks);
    }
    for (GateRule r : rules) {
      if (r.min() == null && r.max() == null) {
        continue;
      }
      var v = metrics.value(r.metric(), strategy(r));
      if (v.value() == null) {
        reasons.add(label(r) + ": " + v.missing());
        continue;
      }
      bound(r, v.value(), r.min(), true, reasons, checks);
      bound(r, v.value(), r.max(), false, reasons, checks);
    }
    List<GateRule> beat = rules.stream().filter(GateRule::beatPublished).toList();
    if (beat.isEmpty()) {
      return new GateResult(reasons.isEmpty(), reasons, checks);
    }
    if (!reasons.isEmpty()) {
      checks.add("beat_published not checked: a bound already failed (nothing was fetched)");
      return new GateResult(false, reasons, checks);
    }
    Optional<String> readme = published.readme();
    if (readme.isEmpty()) {
      checks.add("beat_published passes: " + published.absentNote());
      return new GateResult(true, reasons, checks);
    }
    if (readme.get().equals(localReadme)) {
      checks.add("beat_published passes: the published card is this run's card (same README.md)");
      return new GateResult(true, reasons, checks);
    }
    PublishedCard card;
    try {
      card = PublishedCard.parse(readme.get());
    } catch (IllegalArgumentException e) {
      reasons.add("beat_published: the published README.md: " + e.getMessage());
      return new GateResult(false, reasons, checks);
    }
    for (GateRule r : beat) {
      compare(r, card, reasons, checks);
    }
    return new GateResult(reasons.isEmpty(), reasons, checks);
  }

  private void compare(GateRule r, PublishedCard card, List<String> reasons, List<String> checks) {
    String strategy = EvalMetrics.isLossMetric(r.metric()) ? null : strategy(r);
    var v = metrics.value(r.metric(), strategy(r));
    if (v.value() == null) {
      reasons.add(label(r) + ": " + v.missing());
      return;
    }
    var old = card.find(r.metric(), strategy);
    if (old.isEmpty()) {
      checks.add(
          label(r)
              + " = "
              + fmt(v.value())
              + "; beat_published passes: the published model-index has no such metric");
      return;
    }
    boolean lower = Metric.lowerIsBetter(r.metric());
    double now = v.value();
    double was = old.get().value();
    boolean better = lower ? now < was : now > was;
    String line =
        String.format(
            "%s = %s %s published %s (%s is better)",
            label(r),
            fmt(now),
            better ? (lower ? "<" : ">") : "does not beat",
            fmt(was),
            lower ? "lower" : "higher");
    if (better) {
      checks.add(line + ": ok");
    } else {
      reasons.add(line);
      checks.add(line + ": FAILED");
    }
  }

  private void bound(
      GateRule r,
      double value,
      Double limit,
      boolean isMin,
      List<String> reasons,
      List<String> checks) {
    if (limit == null) {
      return;
    }
    boolean ok = Double.isFinite(value) && (isMin ? value >= limit : value <= limit);
    String line =
        String.format(
            "%s = %s %s %s %s",
            label(r),
            fmt(value),
            ok ? (isMin ? ">=" : "<=") : (isMin ? "<" : ">"),
            isMin ? "min" : "max",
            fmt(limit));
    if (ok) {
      checks.add(line + ": ok");
    } else {
      reasons.add(line);
      checks.add(line + ": FAILED");
    }
  }

  private String strategy(GateRule r) {
    return r.strategy() != null ? r.strategy() : defaultStrategy;
  }

  private String label(GateRule r) {
    return EvalMetrics.isLossMetric(r.metric())
        ? r.metric() + " (" + metrics.bestCheckpoint() + ")"
        : r.metric() + " [" + strategy(r) + "]";
  }

  static String fmt(double x) {
    if (!Double.isFinite(x)) {
      return Double.toString(x);
    }
    return new BigDecimal(x).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }
}
