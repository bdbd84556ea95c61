package io.tunecard.card;

import io.tunecard.metrics.Metric;

/**
 * The words every part of a card's view shares: numbers formatted for the card's language, labels
 * from its messages, and "not recorded" where a value is missing. {@link CardView} and the tables
 * it delegates to ({@link TrainingTables}, {@link EvaluationTables}, {@link CheckTexts}, {@link
 * ReferenceTexts}, {@link ProvenanceTables}) extend it.
 */
public abstract class CardWords {
  final CardModel card;
  final Messages msg;
  final Numbers nums;

  CardWords(CardModel card, Messages msg) {
    this.card = card;
    this.msg = msg;
    this.nums = new Numbers(msg.locale());
  }

  public boolean fromFigures() {
    return card.kind() == CardModel.SourceKind.FIGURES;
  }

  public String num(double v, int decimals) {
    return nums.decimal(v, decimals);
  }

  public String integer(long v) {
    return nums.integer(v);
  }

  /** A count, or "not recorded". */
  public String count(Number v) {
    return v == null ? msg.get("value.not_recorded") : nums.integer(v.longValue());
  }

  public String percent(double fraction) {
    return nums.decimal(100 * fraction, 1) + " %";
  }

  /** Losses show four to six decimals: 0.7800 and 0.721013 as logged. */
  String loss(Double v) {
    return v == null ? "" : nums.decimal(v, 4, 6);
  }

  /** Metrics show a fixed number of decimals (tokens 2, the others 4), CIs alike. */
  String metricValue(String metric, MetricValue v) {
    int d = Metric.decimals(metric);
    String s = nums.fixed(v.mean(), d);
    return v.hasCi() ? s + " " + nums.interval(v.ciLow(), v.ciHigh(), d) : s;
  }

  public String metricLabel(String metric) {
    String key = "metric." + metric;
    return msg.has(key) ? msg.get(key) : MarkdownText.inline(metric);
  }

  public String split(String split) {
    String key = "split." + split;
    return msg.has(key) ? msg.get(key) : MarkdownText.inline(split);
  }

  /** A value a published card stated, with the precision it was published with. */
  String published(double v) {
    int scale = Math.max(0, java.math.BigDecimal.valueOf(v).stripTrailingZeros().scale());
    return nums.decimal(v, scale, scale);
  }

  String signed(MetricValue d, int decimals) {
    String s = (d.mean() > 0 ? "+" : "") + nums.fixed(d.mean(), decimals);
    return d.hasCi() ? s + " " + nums.interval(d.ciLow(), d.ciHigh(), decimals) : s;
  }

  public String cap() {
    Integer cap = card.evaluation().maxNewTokens();
    return cap == null ? msg.get("value.unknown") : integer(cap);
  }

  public String questions() {
    Integer q = card.evaluation().questions();
    return q == null ? msg.get("value.not_recorded") : integer(q);
  }

  public boolean hasCis() {
    return card.evaluation().strategies().stream()
        .flatMap(s -> s.metrics().values().stream())
        .anyMatch(MetricValue::hasCi);
  }

  public String code(String s) {
    return s == null ? msg.get("value.not_recorded") : MarkdownText.code(s);
  }
}
