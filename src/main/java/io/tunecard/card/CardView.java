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
    return card.model().datasetId() == null ? "" : MarkdownText.inline(card.model().datasetId());
  }

  /** MedQuAD's published size: the number of question-answer pairs of the release. */
  static final long MEDQUAD_PAIRS = 47_457;

  public String medquadPairs() {
    return integer(MEDQUAD_PAIRS);
  }

  /** The data set as the details list names it: its Hub id, else the source the run read. */
  public String datasetDescription() {
    String name = datasetName();
    if (card.model().datasetId() != null) {
      return name + " (" + datasetId() + ")";
    }
    return name + " (" + msg.get("details.dataset.xml") + ")";
  }

  /** Which source the run read, in words; the reference's stated data set for figures. */
  public String datasetSourceSentence() {
    if (fromFigures()) {
      return msg.get("data.source.figures", datasetId());
    }
    DatasetFacts d = card.dataset();
    if ("hf-export".equals(d.source()) || "hub".equals(d.source())) {
      return msg.get("data.source.hub", datasetId());
    }
    return d.source() == null ? "" : msg.get("data.source.xml", MarkdownText.code(d.source()));
  }

  /** How many evaluated questions also occur in train; for figures, what is not known. */
  public String leakageSentence() {
    if (fromFigures()) {
      return msg.get("data.leakage.reference");
    }
    QuestionOverlap o = card.dataset().overlap();
    if (o == null) {
      Long near = card.dataset().nearDuplicatesAcrossSplits();
      return near == null ? "" : msg.get("data.near_duplicates", count(near));
    }
    return msg.get(
        "data.leakage.run",
        integer(o.exact()),
        integer(o.questions()),
        split(o.split()),
        integer(o.near()));
  }

  // ---- the reference fine-tune (figures cards)

  public ReferenceFacts reference() {
    return card.reference();
  }

  /** {@code [title](url) by author (year)}, escaped; empty without a reference. */
  public String referenceCredit() {
    ReferenceFacts r = card.reference();
    if (r == null) {
      return msg.get("reference.unnamed");
    }
    String title = MarkdownText.inline(r.title());
    String linked = r.url() == null ? title : "[" + title + "](" + r.url() + ")";
    String author = MarkdownText.inline(r.author());
    return r.year() == null
        ? msg.get("reference.credit", linked, author)
        : msg.get("reference.credit.year", linked, author, Integer.toString(r.year()));
  }

  /** The reference's citation as its figures give it, with its link. */
  public String referenceCitation() {
    ReferenceFacts r = card.reference();
    String text = r.citation() != null ? MarkdownText.inline(r.citation()) : referenceCredit();
    return r.url() == null ? text : text + " <" + r.url() + ">";
  }

  /** A BibTeX entry for the reference (plain text in a code block). */
  public String referenceBibtex() {
    ReferenceFacts r = card.reference();
    String author = r.author().replaceAll("[{}\\\\]", "");
    String[] names = author.split(" ");
    String key =
        (names[names.length > 2 ? names.length - 2 : names.length - 1]
                + (r.year() == null ? "" : r.year()))
            .replaceAll("[^A-Za-z0-9]", "");
    StringBuilder b = new StringBuilder("@misc{").append(key).append(",\n");
    b.append("  author       = {").append(author).append("},\n");
    b.append("  title        = {").append(r.title().replaceAll("[{}\\\\]", "")).append("},\n");
    if (r.year() != null) {
      b.append("  year         = {").append(r.year()).append("},\n");
    }
    b.append("  howpublished = {Hugging Face Hub}");
    if (r.url() != null) {
      b.append(",\n  url          = {").append(r.url()).append("}");
    }
    return b.append("\n}").toString();
  }

  /** What the reference's card does not state, in this language where a key exists. */
  public String notRecordedList() {
    ReferenceFacts r = card.reference();
    if (r == null || r.notRecorded().isEmpty()) {
      return msg.get("value.not_recorded");
    }
    List<String> items = new ArrayList<>();
    for (String s : r.notRecorded()) {
      String key = "notrec." + s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
      items.add(msg.has(key) ? msg.get(key) : MarkdownText.inline(s));
    }
    return String.join("; ", items);
  }

  /** How the run formatted its pairs: the base's own template, or the one tunecard wrote. */
  public String chatFormat() {
    return msg.get(scratchBase() ? "procedure.chat.scratch" : "procedure.chat.own");
  }

  /** The plural-aware headline of flagged checks. */
  public String flaggedSummary() {
    long n = flaggedChecks();
    return msg.get(n == 1 ? "summary.flagged.one" : "summary.flagged.other", integer(n));
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

  public boolean hasTrainingLog() {
    return !card.trainingLog().isEmpty();
  }

  /** A value a published card stated, with the precision it was published with. */
  private String published(double v) {
    int scale = Math.max(0, java.math.BigDecimal.valueOf(v).stripTrailingZeros().scale());
    return nums.decimal(v, scale, scale);
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
    if (metrics.contains("tokens_len")) {
      out.add(msg.get("defs.tokens_len", cap()));
    }
    if (metrics.contains("distinct_1") || metrics.contains("distinct_2")) {
      out.add(msg.get("defs.distinct"));
    }
    if (metrics.contains("repetition_r3")) {
      out.add(msg.get("defs.repetition"));
    }
    EvalFacts.Definitions d = card.evaluation().definitions();
    if (metrics.contains("rougeL")) {
      out.add(
          msg.get(
              "defs.rouge",
              msg.get(
                  d != null && d.rougeStemming() ? "defs.rouge.stemmed" : "defs.rouge.unstemmed")));
    }
    if (fromFigures()) {
      if (metrics.contains("bertscore_f1")) {
        out.add(msg.get("defs.bertscore.figures"));
      }
    } else if (metrics.contains("bertscore_f1") && d != null && d.bertscoreModel() != null) {
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
    if (hasCis()) {
      out.add(msg.get("defs.ci", count(card.evaluation().bootstrapResamples())));
    }
    return out;
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
