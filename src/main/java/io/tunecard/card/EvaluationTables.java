package io.tunecard.card;

import io.tunecard.card.CheckResult.Num;
import io.tunecard.metrics.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The card's evaluation as tables: the summary with its headline loss and the reference's reported
 * values, one row per decoding strategy, base against adapter, and the eval-loss table.
 */
final class EvaluationTables extends CardWords {
  EvaluationTables(CardModel card, Messages msg) {
    super(card, msg);
  }

  /**
   * The run's one headline loss: the best checkpoint's eval_loss from the evaluate stage, with the
   * split, rows and definition it was measured with; null when the run has none.
   */
  private List<List<String>> headlineRows() {
    EvalLoss el = card.evaluation().evalLoss();
    if (el == null || el.bestPoint() == null) {
      return null;
    }
    EvalLoss.Point best = el.bestPoint();
    String where =
        msg.get(
            el.batchSize() == null ? "summary.headline_source.legacy" : "summary.headline_source",
            split(el.split()),
            count(el.rows()),
            el.batchSize() == null ? "" : integer(el.batchSize()));
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            msg.get("summary.headline", MarkdownText.code(best.checkpoint())),
            loss(best.loss()),
            where));
    rows.add(
        List.of(
            msg.get("summary.perplexity_eval"),
            nums.decimal(Math.exp(best.loss()), 3),
            msg.get("summary.computed_exp")));
    if (el.base() != null) {
      rows.add(List.of(msg.get("summary.base_eval"), loss(el.base().loss()), where));
    }
    return rows;
  }

  /** One row of the summary: what, value, where it comes from. */
  public Table summaryTable() {
    List<List<String>> headline = fromFigures() ? null : headlineRows();
    List<List<String>> rows = headline != null ? new ArrayList<>(headline) : new ArrayList<>();
    LogRow best =
        card.validationRows().stream()
            .min(Comparator.comparingDouble(LogRow::validationLoss))
            .orElse(null);
    if (best != null && headline == null) {
      rows.add(
          List.of(
              msg.get("summary.best_validation"),
              loss(best.validationLoss()),
              msg.get("summary.at_step", integer(best.step()))));
      rows.add(
          List.of(
              msg.get("summary.perplexity"),
              nums.decimal(Math.exp(best.validationLoss()), 3),
              msg.get("summary.computed_exp")));
      LogRow last = card.validationRows().get(card.validationRows().size() - 1);
      if (last != best) {
        rows.add(
            List.of(
                msg.get("summary.final_validation"),
                loss(last.validationLoss()),
                msg.get("summary.at_step", integer(last.step()))));
      }
    }
    List<LogRow> train = card.trainingRows();
    if (!train.isEmpty() && headline == null) {
      LogRow last = train.get(train.size() - 1);
      rows.add(
          List.of(
              msg.get("summary.final_training"),
              loss(last.trainingLoss()),
              msg.get("summary.at_step", integer(last.step()))));
    }
    String metric =
        card.evaluation().metricNames().contains(Metric.ROUGE_L.key())
            ? Metric.ROUGE_L.key()
            : null;
    if (metric != null) {
      StrategyResult top =
          card.evaluation().strategies().stream()
              .filter(s -> s.metric(metric) != null)
              .max(Comparator.comparingDouble(s -> s.metric(metric).mean()))
              .orElseThrow();
      rows.add(
          List.of(
              msg.get("summary.best_strategy", metricLabel(metric)),
              metricValue(metric, top.metric(metric)),
              MarkdownText.code(top.name())));
    }
    Reported r = card.reported();
    if (r.evalLoss() != null) {
      rows.add(
          List.of(
              msg.get("summary.reported_loss"),
              published(r.evalLoss()),
              msg.get(
                  passed("headline", r.evalLoss())
                      ? "summary.reported_ok"
                      : "summary.reported_flagged")));
    }
    if (r.perplexity() != null) {
      rows.add(
          List.of(
              msg.get("summary.reported_perplexity"),
              published(r.perplexity()),
              msg.get(
                  passedPerplexity("headline")
                      ? "summary.reported_ok"
                      : "summary.reported_flagged")));
    }
    return new Table(
        List.of(msg.get("summary.what"), msg.get("summary.value"), msg.get("summary.source")),
        List.of('l', 'r', 'l'),
        rows);
  }

  private boolean passed(String check, double value) {
    return card.checks().stream()
        .filter(c -> c.check().equals(check) && c.args().size() > 1)
        .filter(c -> c.args().get(1) instanceof Num n && n.value() == value)
        .allMatch(CheckResult::passed);
  }

  private boolean passedPerplexity(String label) {
    return card.checks().stream()
        .filter(c -> c.check().equals("perplexity") && !c.args().isEmpty())
        .filter(c -> label.equals(c.args().get(0)))
        .allMatch(CheckResult::passed);
  }

  public Table decodingTable() {
    List<String> metrics = card.evaluation().metricNames();
    List<String> header = new ArrayList<>(List.of(msg.get("decoding.strategy"), "n"));
    List<Character> align = new ArrayList<>(List.of('l', 'r'));
    boolean hitCap = card.evaluation().strategies().stream().anyMatch(s -> s.hitCap() != null);
    if (hitCap) {
      header.add(msg.get("decoding.hit_cap"));
      align.add('r');
    }
    metrics.forEach(
        m -> {
          header.add(metricLabel(m));
          align.add('r');
        });
    List<List<String>> rows = new ArrayList<>();
    for (StrategyResult s : card.evaluation().strategies()) {
      List<String> row = new ArrayList<>();
      row.add(MarkdownText.code(s.name()));
      row.add(s.n() == null ? msg.get("value.na") : integer(s.n()));
      if (hitCap) {
        row.add(s.hitCap() == null ? msg.get("value.na") : integer(s.hitCap()));
      }
      for (String m : metrics) {
        MetricValue v = s.metric(m);
        row.add(v == null ? "" : metricValue(m, v));
      }
      rows.add(row);
    }
    return new Table(header, align, rows);
  }

  public Table baseTable() {
    List<List<String>> rows = new ArrayList<>();
    EvalFacts e = card.evaluation();
    for (StrategyResult s : e.strategies()) {
      StrategyResult base = e.baseFor(s.name());
      Map<String, MetricValue> delta = e.baseVsAdapter().getOrDefault(s.name(), Map.of());
      if (base == null) {
        continue;
      }
      // Only the metrics with a measured difference, unless the run recorded none.
      List<String> shown =
          delta.isEmpty()
              ? List.copyOf(s.metrics().keySet())
              : s.metrics().keySet().stream().filter(delta::containsKey).toList();
      for (String m : shown) {
        MetricValue b = base.metric(m);
        MetricValue d = delta.get(m);
        rows.add(
            List.of(
                MarkdownText.code(s.name()),
                metricLabel(m),
                b == null ? "" : metricValue(m, b),
                metricValue(m, s.metric(m)),
                d == null ? "" : signed(d, Metric.decimals(m))));
      }
    }
    return new Table(
        List.of(
            msg.get("decoding.strategy"),
            msg.get("base.metric"),
            msg.get("base.base"),
            msg.get("base.adapter"),
            msg.get("base.delta")),
        List.of('l', 'l', 'r', 'r', 'r'),
        rows);
  }

  public Table evalLossTable() {
    EvalLoss el = card.evaluation().evalLoss();
    List<List<String>> rows = new ArrayList<>();
    boolean weighted = false;
    if (el != null) {
      List<EvalLoss.Point> points = new ArrayList<>();
      if (el.base() != null) {
        points.add(el.base());
      }
      points.addAll(el.checkpoints());
      weighted = points.stream().anyMatch(p -> p.lossTokenWeighted() != null);
      for (EvalLoss.Point p : points) {
        boolean best = p.checkpoint().equals(el.best());
        List<String> row = new ArrayList<>();
        row.add(
            p == el.base()
                ? msg.get("evalloss.base")
                : MarkdownText.code(p.checkpoint()) + (best ? " ★" : ""));
        row.add(p.step() == null ? "" : integer(p.step()));
        row.add(loss(p.loss()));
        if (weighted) {
          row.add(loss(p.lossTokenWeighted()));
        }
        row.add(p.perplexity() == null ? "" : nums.decimal(p.perplexity(), 3));
        row.add(nums.decimal(Math.exp(p.loss()), 3));
        rows.add(row);
      }
    }
    List<String> header = new ArrayList<>();
    header.add(msg.get("evalloss.checkpoint"));
    header.add(msg.get("loss.step"));
    header.add(msg.get("evalloss.loss"));
    if (weighted) {
      header.add(msg.get("evalloss.weighted"));
    }
    header.add(msg.get("evalloss.perplexity"));
    header.add(msg.get("evalloss.exp"));
    List<Character> align = new ArrayList<>(List.of('l'));
    for (int k = 1; k < header.size(); k++) {
      align.add('r');
    }
    return new Table(header, align, rows);
  }

  /** What the evaluate stage's loss table holds and how its losses are defined. */
  public String evalLossIntro() {
    EvalLoss el = card.evaluation().evalLoss();
    return msg.get(
        el.batchSize() == null ? "eval.evalloss.intro.legacy" : "eval.evalloss.intro",
        split(el.split()),
        count(el.rows()),
        el.batchSize() == null ? "" : integer(el.batchSize()));
  }
}
