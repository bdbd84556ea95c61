package io.tunecard.card;

import io.tunecard.card.CheckResult.Num;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A card as the templates of one language see it: every number formatted for the language, every
 * piece of untrusted text escaped for Markdown (the {@code *Text()} methods return raw text, for
 * HTML templates that escape with {@code th:text}). This file is long because it is the one place
 * where the card's numbers become words.
 */
public final class CardView {
  private final CardModel card;
  private final Messages msg;
  private final Numbers nums;
  private final List<String> languages;
  private final List<CheckResult> checks;

  CardView(CardModel card, Messages msg, List<String> languages) {
    this.card = card;
    this.msg = msg;
    this.nums = new Numbers(msg.locale());
    this.languages = List.copyOf(languages);
    this.checks = card.checks();
  }

  public CardModel model() {
    return card;
  }

  public String lang() {
    return msg.locale().getLanguage();
  }

  public boolean fromFigures() {
    return card.kind() == CardModel.SourceKind.FIGURES;
  }

  // ---- identity

  public String title() {
    return MarkdownText.inline(card.model().title());
  }

  public String titleText() {
    return card.model().title();
  }

  public String baseModel() {
    return MarkdownText.code(card.model().baseModel());
  }

  public boolean scratchBase() {
    return "scratch".equals(card.model().baseModel());
  }

  /** The base model for Python code: a Hub id or path; validated to hold no quote. */
  public String baseModelForCode() {
    return scratchBase() ? "path/to/run/base" : pyString(card.model().baseModel()).replace("`", "");
  }

  public String repoId() {
    return card.model().repoIdOrPlaceholder();
  }

  public boolean repoIdChosen() {
    return card.model().repoId() != null;
  }

  public String license() {
    return MarkdownText.inline(card.model().license());
  }

  public String datasetName() {
    return MarkdownText.inline(card.model().datasetName());
  }

  public String datasetId() {
    return MarkdownText.inline(card.model().datasetId());
  }

  public String source() {
    return MarkdownText.code(card.source());
  }

  private static String pyString(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\r\\n]", " ");
  }

  /** The other languages of this card: (name, Markdown file, HTML file). */
  public record LanguageLink(String name, String markdown, String html) {
    public String markdownLink() {
      return "[" + name + "](" + markdown + ")";
    }
  }

  public List<LanguageLink> otherLanguages() {
    List<LanguageLink> out = new ArrayList<>();
    for (int i = 0; i < languages.size(); i++) {
      String l = languages.get(i);
      if (!l.equals(lang())) {
        Locale loc = Locale.forLanguageTag(l);
        String name = loc.getDisplayLanguage(loc);
        name = name.substring(0, 1).toUpperCase(loc) + name.substring(1);
        out.add(
            new LanguageLink(name, CardRenderer.markdownName(l, i), CardRenderer.htmlName(l, i)));
      }
    }
    return out;
  }

  // ---- numbers

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

  /** The generation cap for code (plain digits), 256 when unknown. */
  public int generationCap() {
    Integer cap = card.evaluation().maxNewTokens();
    return cap == null ? 256 : cap;
  }

  public boolean nf4() {
    String q = card.training().quantization();
    return q != null && q.startsWith("nf4");
  }

  public String percent(double fraction) {
    return nums.decimal(100 * fraction, 1) + " %";
  }

  /** Losses show four to six decimals: 0.7800 and 0.721013 as logged. */
  private String loss(Double v) {
    return v == null ? "" : nums.decimal(v, 4, 6);
  }

  /** Metrics show a fixed number of decimals (tokens 2, the others 4), CIs alike. */
  private String metricValue(String metric, MetricValue v) {
    int d = decimals(metric);
    String s = nums.fixed(v.mean(), d);
    return v.hasCi() ? s + " " + nums.interval(v.ciLow(), v.ciHigh(), d) : s;
  }

  static int decimals(String metric) {
    return metric.startsWith("tokens") ? 2 : 4;
  }

  public String metricLabel(String metric) {
    String key = "metric." + metric;
    return msg.has(key) ? msg.get(key) : MarkdownText.inline(metric);
  }

  // ---- training data

  public DatasetFacts dataset() {
    return card.dataset();
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

  // ---- procedure

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

  // ---- evaluation

  public Table lossTable() {
    List<List<String>> rows = new ArrayList<>();
    for (LogRow r : card.trainingLog()) {
      rows.add(
          List.of(
              Long.toString(r.step()),
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

  public boolean hasTrainingLog() {
    return !card.trainingLog().isEmpty();
  }

  /** One row of the summary: what, value, where it comes from. */
  public Table summaryTable() {
    List<List<String>> rows = new ArrayList<>();
    LogRow best =
        card.validationRows().stream()
            .min(Comparator.comparingDouble(LogRow::validationLoss))
            .orElse(null);
    if (best != null) {
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
    if (!train.isEmpty()) {
      LogRow last = train.get(train.size() - 1);
      rows.add(
          List.of(
              msg.get("summary.final_training"),
              loss(last.trainingLoss()),
              msg.get("summary.at_step", integer(last.step()))));
    }
    EvalLoss el = card.evaluation().evalLoss();
    if (el != null && el.base() != null) {
      rows.add(
          List.of(
              msg.get("summary.base_loss"),
              loss(el.base().loss()),
              msg.get("summary.split", msg.get("split." + el.split()))));
    }
    String metric = card.evaluation().metricNames().contains("rougeL") ? "rougeL" : null;
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
              loss(r.evalLoss()),
              msg.get(
                  passed("headline", r.evalLoss())
                      ? "summary.reported_ok"
                      : "summary.reported_flagged")));
    }
    if (r.perplexity() != null) {
      rows.add(
          List.of(
              msg.get("summary.reported_perplexity"),
              loss(r.perplexity()),
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
    return checks.stream()
        .filter(c -> c.check().equals(check) && c.args().size() > 1)
        .filter(c -> c.args().get(1) instanceof Num n && n.value() == value)
        .allMatch(CheckResult::passed);
  }

  private boolean passedPerplexity(String label) {
    return checks.stream()
        .filter(c -> c.check().equals("perplexity") && !c.args().isEmpty())
        .filter(c -> label.equals(c.args().get(0)))
        .allMatch(CheckResult::passed);
  }

  public EvalFacts evaluation() {
    return card.evaluation();
  }

  public String cap() {
    Integer cap = card.evaluation().maxNewTokens();
    return cap == null ? msg.get("value.unknown") : integer(cap);
  }

  public String questions() {
    Integer q = card.evaluation().questions();
    return q == null ? msg.get("value.not_recorded") : integer(q);
  }

  public String split(String split) {
    String key = "split." + split;
    return msg.has(key) ? msg.get(key) : MarkdownText.inline(split);
  }

  public boolean hasCis() {
    return card.evaluation().strategies().stream()
        .flatMap(s -> s.metrics().values().stream())
        .anyMatch(MetricValue::hasCi);
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
                d == null ? "" : signed(d, decimals(m))));
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

  private String signed(MetricValue d, int decimals) {
    String s = (d.mean() > 0 ? "+" : "") + nums.fixed(d.mean(), decimals);
    return d.hasCi() ? s + " " + nums.interval(d.ciLow(), d.ciHigh(), decimals) : s;
  }

  public Table evalLossTable() {
    EvalLoss el = card.evaluation().evalLoss();
    List<List<String>> rows = new ArrayList<>();
    if (el != null) {
      List<EvalLoss.Point> points = new ArrayList<>();
      if (el.base() != null) {
        points.add(el.base());
      }
      points.addAll(el.checkpoints());
      for (EvalLoss.Point p : points) {
        boolean best = p.checkpoint().equals(el.best());
        rows.add(
            List.of(
                p == el.base()
                    ? msg.get("evalloss.base")
                    : MarkdownText.code(p.checkpoint()) + (best ? " ★" : ""),
                p.step() == null ? "" : Long.toString(p.step()),
                loss(p.loss()),
                p.perplexity() == null ? "" : nums.decimal(p.perplexity(), 3),
                nums.decimal(Math.exp(p.loss()), 3)));
      }
    }
    return new Table(
        List.of(
            msg.get("evalloss.checkpoint"),
            msg.get("loss.step"),
            msg.get("evalloss.loss"),
            msg.get("evalloss.perplexity"),
            msg.get("evalloss.exp")),
        List.of('l', 'r', 'r', 'r', 'r'),
        rows);
  }

  // ---- checks

  /** One check as shown: name, passed or flagged, the sentence. */
  public record CheckRow(String name, boolean passed, String status, String text) {}

  public List<CheckRow> checks() {
    return checks.stream()
        .map(
            c ->
                new CheckRow(
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
    return checks.stream().filter(c -> !c.passed()).count();
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

  // ---- environment and lineage

  public String hardware() {
    String h = card.environment().hardware();
    return h == null ? msg.get("value.not_recorded") : MarkdownText.inline(h);
  }

  public Table timingTable() {
    List<List<String>> rows = new ArrayList<>();
    card.environment()
        .stageSeconds()
        .forEach((stage, s) -> rows.add(List.of(MarkdownText.code(stage), nums.duration(s))));
    if (!rows.isEmpty()) {
      rows.add(List.of(msg.get("env.total"), nums.duration(card.environment().totalSeconds())));
    }
    return new Table(List.of(msg.get("env.stage"), msg.get("env.time")), List.of('l', 'r'), rows);
  }

  public Lineage lineage() {
    return card.lineage();
  }

  public String code(String s) {
    return s == null ? msg.get("value.not_recorded") : MarkdownText.code(s);
  }

  public String shellCommand() {
    return card.lineage() == null ? "" : card.lineage().command().replaceAll("[\\r\\n]", " ");
  }

  public Table versionTable() {
    List<List<String>> rows = new ArrayList<>();
    Lineage l = card.lineage();
    if (l != null) {
      l.versions()
          .forEach((k, v) -> rows.add(List.of(MarkdownText.inline(k), MarkdownText.code(v))));
    }
    return new Table(
        List.of(msg.get("repro.component"), msg.get("repro.version")), List.of('l', 'l'), rows);
  }

  public String seeds() {
    Lineage l = card.lineage();
    if (l == null || l.seeds().isEmpty()) {
      return msg.get("value.not_recorded");
    }
    List<String> parts = new ArrayList<>();
    l.seeds().forEach((k, v) -> parts.add(MarkdownText.inline(k) + " " + v));
    return String.join(", ", parts);
  }

  public String gitState() {
    Lineage l = card.lineage();
    if (l == null || l.gitDirty() == null) {
      return "";
    }
    return msg.get(l.gitDirty() ? "repro.dirty" : "repro.clean");
  }

  // ---- samples

  /** One sample: Markdown-escaped for README, raw for HTML's th:text. */
  public record SampleView(
      String strategy,
      String id,
      String question,
      String reference,
      String prediction,
      String questionText,
      String referenceText,
      String predictionText,
      String tokens,
      boolean hitCap) {}

  public List<SampleView> samples() {
    return card.samples().stream()
        .map(
            s ->
                new SampleView(
                    s.strategy(),
                    MarkdownText.code(s.id()),
                    MarkdownText.quote(s.question()),
                    MarkdownText.quote(s.reference()),
                    MarkdownText.quote(s.prediction()),
                    s.question(),
                    s.reference(),
                    s.prediction(),
                    s.tokens() == null ? msg.get("value.not_recorded") : integer(s.tokens()),
                    s.hitCap()))
        .toList();
  }
}
