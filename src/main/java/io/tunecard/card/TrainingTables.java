package io.tunecard.card;

import java.util.ArrayList;
import java.util.List;

/**
 * The card's training data and procedure as tables: splits, rejected rows, the parameters and the
 * training log.
 */
final class TrainingTables extends CardWords {
  TrainingTables(CardModel card, Messages msg) {
    super(card, msg);
  }

  public Table splitTable() {
    List<List<String>> rows = new ArrayList<>();
    DatasetFacts d = card.dataset();
    for (String split : List.of("train", "validation", "test")) {
      Double f = d.splitFractions().get(split);
      Long n = d.splitRows().get(split);
      if (f == null && n == null) {
        continue;
      }
      rows.add(
          List.of(
              msg.get("split." + split),
              f == null ? msg.get("value.unknown") : percent(f),
              n == null
                  ? msg.get("value.not_recorded")
                  : integer(n) + (d.splitRowsDerived() ? " " + msg.get("value.derived") : "")));
    }
    return new Table(
        List.of(msg.get("data.split"), msg.get("data.fraction"), msg.get("data.rows")),
        List.of('l', 'r', 'r'),
        rows);
  }

  public Table rejectedTable() {
    List<List<String>> rows = new ArrayList<>();
    card.dataset()
        .rejectedByReason()
        .forEach(
            (reason, n) ->
                rows.add(
                    List.of(
                        msg.has("reason." + reason)
                            ? msg.get("reason." + reason)
                            : MarkdownText.code(reason),
                        integer(n))));
    return new Table(
        List.of(msg.get("data.reason"), msg.get("data.rows")), List.of('l', 'r'), rows);
  }

  public Table parameterTable() {
    List<List<String>> rows = new ArrayList<>();
    for (TrainingFacts.Param p : card.training().parameters()) {
      rows.add(
          List.of(
              msg.get("param." + p.key()),
              paramValue(p) + (p.derived() ? " " + msg.get("value.derived") : "")));
    }
    return new Table(
        List.of(msg.get("param.name"), msg.get("param.value")), List.of('l', 'l'), rows);
  }

  private String paramValue(TrainingFacts.Param p) {
    Object v = p.value();
    if (v instanceof List<?> list) {
      return String.join(", ", list.stream().map(o -> MarkdownText.code(o.toString())).toList());
    }
    if (p.key().equals("eval_every") && v instanceof String steps && steps.matches("\\d+")) {
      return msg.get("param.eval_every.steps", integer(Long.parseLong(steps)));
    }
    if (p.key().equals("learning_rate") && v instanceof Double d) {
      return nums.scientific(d);
    }
    if (v instanceof Integer || v instanceof Long) {
      return integer(((Number) v).longValue());
    }
    if (v instanceof Double d) {
      return nums.decimal(d, 6);
    }
    String s = v.toString();
    String key = "param." + p.key() + "." + s;
    return msg.has(key) ? msg.get(key) : MarkdownText.code(s);
  }

  public Table lossTable() {
    List<List<String>> rows = new ArrayList<>();
    for (LogRow r : card.trainingLog()) {
      rows.add(
          List.of(
              integer(r.step()),
              r.epoch() == null ? "" : nums.fixed(r.epoch(), 2),
              loss(r.trainingLoss()),
              loss(r.validationLoss())));
    }
    return new Table(
        List.of(
            msg.get("loss.step"),
            msg.get("loss.epoch"),
            msg.get("loss.training"),
            msg.get("loss.validation")),
        List.of('r', 'r', 'r', 'r'),
        rows);
  }

  /** A run's training log: what its validation losses were measured on. */
  public String trainingLogIntro() {
    Integer limit = card.training().evalLimit();
    Long rows = card.dataset().splitRows().get("validation");
    String over =
        limit != null && (rows == null || limit < rows)
            ? msg.get("eval.loss.sample", integer(limit))
            : msg.get("eval.loss.whole");
    return msg.get("eval.loss.intro.run", over);
  }
}
