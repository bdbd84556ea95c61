package io.tunecard.card;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A card as the templates of one language see it: every number formatted for the language, every
 * piece of untrusted text escaped for Markdown (the {@code *Text()} methods return raw text, for
 * HTML templates that escape with {@code th:text}). The words it shares with its tables come from
 * {@link CardWords}; the tables themselves are built by {@link TrainingTables}, {@link
 * EvaluationTables}, {@link CheckTexts}, {@link ReferenceTexts} and {@link ProvenanceTables}, and
 * this class hands them to the templates under one name each.
 */
public final class CardView extends CardWords {
  private final List<String> languages;
  private final TrainingTables training;
  private final EvaluationTables evaluation;
  private final CheckTexts checks;
  private final ReferenceTexts reference;
  private final ProvenanceTables provenance;

  CardView(CardModel card, Messages msg, List<String> languages) {
    super(card, msg);
    this.languages = List.copyOf(languages);
    this.training = new TrainingTables(card, msg);
    this.evaluation = new EvaluationTables(card, msg);
    this.checks = new CheckTexts(card, msg);
    this.reference = new ReferenceTexts(card, msg);
    this.provenance = new ProvenanceTables(card, msg);
  }

  public CardModel model() {
    return card;
  }

  public String lang() {
    return msg.locale().getLanguage();
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

  public String referenceCredit() {
    return reference.referenceCredit();
  }

  public String referenceCitation() {
    return reference.referenceCitation();
  }

  public String referenceBibtex() {
    return reference.referenceBibtex();
  }

  public String notRecordedList() {
    return reference.notRecordedList();
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

  /** The generation cap for code (plain digits), 256 when unknown. */
  public int generationCap() {
    Integer cap = card.evaluation().maxNewTokens();
    return cap == null ? 256 : cap;
  }

  public boolean nf4() {
    String q = card.training().quantization();
    return q != null && q.startsWith("nf4");
  }

  // ---- training data and procedure

  public DatasetFacts dataset() {
    return card.dataset();
  }

  public Table splitTable() {
    return training.splitTable();
  }

  public Table rejectedTable() {
    return training.rejectedTable();
  }

  public Table parameterTable() {
    return training.parameterTable();
  }

  public Table lossTable() {
    return training.lossTable();
  }

  public String trainingLogIntro() {
    return training.trainingLogIntro();
  }

  public boolean hasTrainingLog() {
    return !card.trainingLog().isEmpty();
  }

  // ---- evaluation

  public EvalFacts evaluation() {
    return card.evaluation();
  }

  public Table summaryTable() {
    return evaluation.summaryTable();
  }

  public Table decodingTable() {
    return evaluation.decodingTable();
  }

  public Table baseTable() {
    return evaluation.baseTable();
  }

  public Table evalLossTable() {
    return evaluation.evalLossTable();
  }

  public String evalLossIntro() {
    return evaluation.evalLossIntro();
  }

  // ---- definitions and checks

  public List<String> definitions() {
    return checks.definitions();
  }

  /** One check as shown: name, passed or flagged, the sentence. */
  public record CheckRow(String name, boolean passed, String status, String text) {}

  public List<CheckRow> checks() {
    return checks.checks();
  }

  public Table checkTable() {
    return checks.checkTable();
  }

  public long flaggedChecks() {
    return checks.flaggedChecks();
  }

  // ---- environment, lineage and samples

  public Lineage lineage() {
    return card.lineage();
  }

  public String hardware() {
    return provenance.hardware();
  }

  public Table timingTable() {
    return provenance.timingTable();
  }

  public String shellCommand() {
    return provenance.shellCommand();
  }

  public Table versionTable() {
    return provenance.versionTable();
  }

  public String seeds() {
    return provenance.seeds();
  }

  public String gitState() {
    return provenance.gitState();
  }

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
    return provenance.samples();
  }
}
