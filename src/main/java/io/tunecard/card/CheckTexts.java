package io.tunecard.card;

import io.tunecard.card.CheckResult.Num;
import io.tunecard.metrics.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The card's metric definitions and its consistency checks, as sentences in the card's language.
 */
final class CheckTexts extends CardWords {
  CheckTexts(CardModel card, Messages msg) {
    super(card, msg);
  }

  /** The metrics whose definitions {@link #definitions} writes with their own arguments. */
  private static final Set<String> DEFINED_ABOVE =
      Set.of(
          Metric.TOKENS_LEN.key(),
          Metric.DISTINCT_1.key(),
          Metric.DISTINCT_2.key(),
          Metric.REPETITION_R3.key(),
          Metric.ROUGE_L.key(),
          Metric.BERTSCORE_F1.key());

  /** The metric definitions, one Markdown item each. */
  public List<String> definitions() {
    List<String> out = new ArrayList<>();
    EvalLoss el = card.evaluation().evalLoss();
    if (fromFigures()) {
      out.add(msg.get("defs.eval_loss.figures"));
    } else {
      out.add(
          msg.get(
              "defs.eval_loss",
              el == null || el.batchSize() == null
                  ? msg.get("value.not_recorded")
                  : integer(el.batchSize())));
    }
    List<String> metrics = card.evaluation().metricNames();
    if (metrics.contains(Metric.TOKENS_LEN.key())) {
      out.add(msg.get("defs.tokens_len", cap()));
    }
    if (metrics.contains(Metric.DISTINCT_1.key()) || metrics.contains(Metric.DISTINCT_2.key())) {
      out.add(msg.get("defs.distinct"));
    }
    if (metrics.contains(Metric.REPETITION_R3.key())) {
      out.add(msg.get("defs.repetition"));
    }
    EvalFacts.Definitions d = card.evaluation().definitions();
    if (metrics.contains(Metric.ROUGE_L.key())) {
      out.add(
          msg.get(
              "defs.rouge",
              msg.get(
                  d != null && d.rougeStemming() ? "defs.rouge.stemmed" : "defs.rouge.unstemmed")));
    }
    if (fromFigures()) {
      if (metrics.contains(Metric.BERTSCORE_F1.key())) {
        out.add(msg.get("defs.bertscore.figures"));
      }
    } else if (metrics.contains(Metric.BERTSCORE_F1.key())
        && d != null
        && d.bertscoreModel() != null) {
      out.add(
          msg.get(
              "defs.bertscore",
              MarkdownText.code(d.bertscoreModel()),
              d.bertscoreLayer() == null ? "?" : integer(d.bertscoreLayer()),
              msg.get(
                  Boolean.TRUE.equals(d.bertscoreRescaled())
                      ? "defs.bertscore.rescaled"
                      : "defs.bertscore.raw")));
    } else if (!fromFigures()) {
      out.add(msg.get("defs.bertscore.none"));
    }
    // Any other metric of the run whose definition the messages hold (defs.<name>, no arguments).
    for (String m : metrics) {
      if (!DEFINED_ABOVE.contains(m) && msg.has("defs." + m)) {
        out.add(msg.get("defs." + m));
      }
    }
    if (hasCis()) {
      out.add(msg.get("defs.ci", count(card.evaluation().bootstrapResamples())));
    }
    return out;
  }

  public List<CardView.CheckRow> checks() {
    return card.checks().stream()
        .map(
            c ->
                new CardView.CheckRow(
                    msg.get("check.name." + c.check()),
                    c.passed(),
                    msg.get(c.passed() ? "check.passed" : "check.flagged"),
                    msg.get(c.message(), c.args().stream().map(this::arg).toList())))
        .toList();
  }

  public Table checkTable() {
    return new Table(
        List.of(
            msg.get("check.column.check"),
            msg.get("check.column.result"),
            msg.get("check.column.detail")),
        List.of('l', 'l', 'l'),
        checks().stream().map(c -> List.of(c.name(), c.status(), c.text())).toList());
  }

  public long flaggedChecks() {
    return card.checks().stream().filter(c -> !c.passed()).count();
  }

  private String arg(Object a) {
    if (a instanceof Num n) {
      return nums.decimal(n.value(), n.decimals());
    }
    if (a instanceof Integer || a instanceof Long) {
      return integer(((Number) a).longValue());
    }
    if (a instanceof List<?> list) {
      return nums.list(list.stream().map(this::arg).toList());
    }
    String s = String.valueOf(a);
    String key = "check.label." + s;
    return msg.has(key) ? msg.get(key) : MarkdownText.inline(s);
  }
}
