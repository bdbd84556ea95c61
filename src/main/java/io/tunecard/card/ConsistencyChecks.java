package io.tunecard.card;

import io.tunecard.card.CheckResult.Num;
import io.tunecard.metrics.Metric;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes the card's consistency checks from its numbers, so that a card cannot state a perplexity
 * that is not exp(loss), a headline loss that was never logged, or answers cut at the generation
 * cap, without saying so.
 *
 * <ul>
 *   <li>perplexity: flagged when |reported - exp(loss)| &gt; {@value #PERPLEXITY_TOLERANCE};
 *   <li>headline: a stated loss must equal a logged validation loss at the stated precision (a run
 *       directory states none: its losses are measured);
 *   <li>cap: flagged when any answer hit the cap, or a mean length is within {@value #CAP_FRACTION}
 *       of the cap (as a fraction of it); a mean length above the cap is flagged apart: generated
 *       token ids before EOS cannot outnumber the cap, so such lengths were counted differently;
 *   <li>sample size: flagged when n is unknown or below {@value #MIN_N}.
 * </ul>
 */
public final class ConsistencyChecks {
  public static final double PERPLEXITY_TOLERANCE = 0.005;
  public static final double CAP_FRACTION = 0.01;
  public static final int MIN_N = 30;
  private static final String TOKENS = Metric.TOKENS_LEN.key();

  private ConsistencyChecks() {}

  static List<CheckResult> run(CardModel card) {
    List<CheckResult> out = new ArrayList<>();
    perplexity(card, out);
    headlines(card, out);
    cap(card, out);
    sampleSize(card, out);
    return out;
  }

  private static void perplexity(CardModel card, List<CheckResult> out) {
    int before = out.size();
    Reported r = card.reported();
    pair(out, "headline", r.perplexity(), r.evalLoss());
    pair(out, "final", r.finalPerplexity(), r.bestEvalLoss());
    EvalLoss el = card.evaluation().evalLoss();
    if (el != null) {
      if (el.base() != null) {
        pair(out, "base", el.base().perplexity(), el.base().loss());
      }
      el.checkpoints().forEach(p -> pair(out, p.checkpoint(), p.perplexity(), p.loss()));
    }
    if (out.size() == before) {
      out.add(new CheckResult("perplexity", true, "check.perplexity.none", List.of()));
    }
  }

  private static void pair(List<CheckResult> out, String label, Double ppl, Double loss) {
    if (ppl == null || loss == null) {
      return;
    }
    double expected = Math.exp(loss);
    boolean ok = Math.abs(ppl - expected) <= PERPLEXITY_TOLERANCE;
    out.add(
        new CheckResult(
            "perplexity",
            ok,
            ok ? "check.perplexity.pass" : "check.perplexity.fail",
            List.of(
                label,
                new Num(ppl, 6),
                new Num(loss, 6),
                new Num(expected, 3),
                new Num(PERPLEXITY_TOLERANCE, 3))));
  }

  private static void headlines(CardModel card, List<CheckResult> out) {
    List<Double> logged = card.validationRows().stream().map(LogRow::validationLoss).toList();
    List<Object> loggedArgs = new ArrayList<>();
    logged.forEach(v -> loggedArgs.add(new Num(v, 6)));
    Reported r = card.reported();
    List<Double> headlines = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    if (r.evalLoss() != null) {
      headlines.add(r.evalLoss());
      labels.add("headline");
    }
    if (r.bestEvalLoss() != null) {
      headlines.add(r.bestEvalLoss());
      labels.add("best");
    }
    if (headlines.isEmpty()) {
      // A run directory's losses are measured (eval_loss.json, the training log), not stated.
      boolean measured = card.evaluation().evalLoss() != null;
      out.add(
          new CheckResult(
              "headline",
              true,
              measured ? "check.headline.measured" : "check.headline.none",
              List.of()));
      return;
    }
    for (int i = 0; i < headlines.size(); i++) {
      double h = headlines.get(i);
      boolean found = logged.stream().anyMatch(l -> sameAtPrecision(h, l));
      out.add(
          new CheckResult(
              "headline",
              found,
              found ? "check.headline.pass" : "check.headline.fail",
              List.of(labels.get(i), new Num(h, 6), List.copyOf(loggedArgs))));
    }
  }

  /** True when {@code logged} rounds to {@code stated} at the precision {@code stated} shows. */
  static boolean sameAtPrecision(double stated, double logged) {
    int scale = Math.max(0, new BigDecimal(Double.toString(stated)).stripTrailingZeros().scale());
    BigDecimal rounded =
        new BigDecimal(Double.toString(logged)).setScale(scale, java.math.RoundingMode.HALF_EVEN);
    return rounded.compareTo(new BigDecimal(Double.toString(stated))) == 0
        || Math.abs(stated - logged) < 1e-9;
  }

  private static void cap(CardModel card, List<CheckResult> out) {
    EvalFacts e = card.evaluation();
    Integer cap = e.maxNewTokens();
    int before = out.size();
    for (StrategyResult s : e.strategies()) {
      MetricValue len = s.metric(TOKENS);
      if (len != null && cap != null && exceeds(len.mean(), cap)) {
        out.add(
            new CheckResult(
                "cap",
                false,
                "check.cap.exceeds",
                List.of(
                    s.name(),
                    new Num(len.mean(), 2),
                    cap,
                    e.maxNewTokensImplied() ? "implied" : "recorded")));
        continue;
      }
      if (s.hitCap() != null && s.n() != null && s.n() > 0) {
        boolean ok = s.hitCap() == 0;
        double share = 100.0 * s.hitCap() / s.n();
        out.add(
            new CheckResult(
                "cap",
                ok,
                ok ? "check.cap.count.pass" : "check.cap.count.fail",
                List.of(
                    s.name(),
                    s.hitCap(),
                    s.n(),
                    new Num(share, 1),
                    cap == null ? "?" : (Object) cap)));
      } else if (len != null && cap != null) {
        boolean ok = len.mean() < cap * (1 - CAP_FRACTION);
        out.add(
            new CheckResult(
                "cap",
                ok,
                ok ? "check.cap.mean.pass" : "check.cap.mean.fail",
                List.of(
                    s.name(),
                    new Num(len.mean(), 2),
                    cap,
                    new Num(100 * CAP_FRACTION, 0),
                    e.maxNewTokensImplied() ? "implied" : "recorded")));
      }
    }
    if (out.size() == before) {
      out.add(new CheckResult("cap", false, "check.cap.unknown", List.of()));
    }
  }

  private static void sampleSize(CardModel card, List<CheckResult> out) {
    List<StrategyResult> all = card.evaluation().strategies();
    List<String> unknown = new ArrayList<>();
    List<Object> hints = new ArrayList<>();
    for (StrategyResult s : all) {
      if (s.n() == null) {
        unknown.add(s.name());
        MetricValue len = s.metric(TOKENS);
        if (len != null) {
          hints.add(s.name() + " (" + smallestConsistentN(len.mean()) + ")");
        }
      } else if (s.n() < MIN_N) {
        out.add(
            new CheckResult(
                "sample_size", false, "check.n.small", List.of(s.name(), s.n(), MIN_N)));
      }
    }
    if (!unknown.isEmpty()) {
      out.add(
          new CheckResult(
              "sample_size",
              false,
              hints.isEmpty() ? "check.n.unknown" : "check.n.unknown.hint",
              List.of(
                  String.join(", ", unknown),
                  String.join(", ", hints.stream().map(Object::toString).toList()))));
    }
    if (out.stream().noneMatch(c -> c.check().equals("sample_size"))) {
      int min = all.stream().mapToInt(s -> s.n()).min().orElse(0);
      out.add(new CheckResult("sample_size", true, "check.n.pass", List.of(min, MIN_N)));
    }
  }

  /** True when {@code mean}, at the precision it shows, is above {@code cap}. */
  static boolean exceeds(double mean, int cap) {
    int scale = Math.max(0, new BigDecimal(Double.toString(mean)).stripTrailingZeros().scale());
    return mean - cap > 0.5 * Math.pow(10, -scale) - 1e-12 && mean > cap;
  }

  /**
   * The smallest number of answers whose mean, rounded as stated, gives {@code mean}: a mean of
   * 255.67 tokens is 767/3, so at least 3 answers (or a multiple) were scored.
   */
  static int smallestConsistentN(double mean) {
    int scale = Math.max(0, new BigDecimal(Double.toString(mean)).stripTrailingZeros().scale());
    double halfUnit = 0.5 * Math.pow(10, -scale);
    for (int k = 1; k <= 10_000; k++) {
      double total = mean * k;
      if (Math.abs(total - Math.rint(total)) <= halfUnit * k + 1e-9) {
        return k;
      }
    }
    return 10_000;
  }
}
