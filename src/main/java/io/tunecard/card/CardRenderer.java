package io.tunecard.card;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.SafePaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;

/**
 * Renders a {@link CardModel} to {@code README.md}, {@code index.html} and {@code assets/}, one
 * pair per language: the first language gets {@code README.md}/{@code index.html}, the others
 * {@code README.<lang>.md}/{@code index.<lang>.html}. Everything is rendered in memory first, so a
 * failing template or check writes nothing; each file is then written temp-then-rename.
 */
public final class CardRenderer {
  static final int LOSS_WIDTH = 880;
  static final int LOSS_HEIGHT = 440;
  static final int METRIC_WIDTH = 440;
  static final int METRIC_HEIGHT = 320;

  /** The HTML page's sections, in order, by id; labels come from {@code toc.<id>}. */
  static final List<String> TOC =
      List.of(
          "details",
          "uses",
          "risks",
          "usage",
          "training-data",
          "training-procedure",
          "evaluation",
          "metric-definitions",
          "consistency",
          "environment",
          "reproducibility",
          "citation",
          "samples");

  private final Templates templates;

  /** Renders with the templates packed with tunecard (a copy of the repository's templates/). */
  public CardRenderer() {
    this(null);
  }

  /** Renders with the templates and message bundles in {@code templatesDir} (null: packed). */
  public CardRenderer(Path templatesDir) {
    this.templates = new Templates(templatesDir);
  }

  /** Renders {@code card} into {@code outDir} with the packed templates. */
  public static void render(CardModel card, Path outDir, List<Locale> languages)
      throws IOException {
    new CardRenderer().write(card, outDir, languages);
  }

  /**
   * {@code reports/<workflowName>/} under {@code reportsRoot}; a name that would leave it
   * (absolute, {@code ..}, a symbolic link) is refused.
   */
  public static Path reportsDir(Path reportsRoot, String workflowName) {
    return SafePaths.inside(reportsRoot, workflowName, "reports/<workflow-name>");
  }

  /** Renders every file, then writes each one temp-then-rename under {@code outDir}. */
  public Map<String, byte[]> write(CardModel card, Path outDir, List<Locale> languages)
      throws IOException {
    Map<String, byte[]> files = renderAll(card, languages);
    for (var e : files.entrySet()) {
      AtomicFiles.writeBytes(SafePaths.inside(outDir, e.getKey(), "card file"), e.getValue());
    }
    return files;
  }

  static String markdownName(String lang, int index) {
    return index == 0 ? "README.md" : "README." + lang + ".md";
  }

  static String htmlName(String lang, int index) {
    return index == 0 ? "index.html" : "index." + lang + ".html";
  }

  /** A chart: its label, its PNG path (for Markdown) and its inline SVG (for HTML). */
  public record ChartRef(String label, String png, String svg) {
    public String markdownImage() {
      return "![" + label + "](" + png + ")";
    }
  }

  /** An entry of the HTML page's table of contents. */
  public record TocEntry(String id, String label) {}

  /** Renders all files in memory: relative path to bytes, in a stable order. */
  public Map<String, byte[]> renderAll(CardModel card, List<Locale> languages) {
    if (languages.isEmpty()) {
      throw new IllegalArgumentException("languages: expected at least one");
    }
    List<String> codes = languages.stream().map(Locale::getLanguage).toList();
    if (codes.stream().distinct().count() != codes.size()) {
      throw new IllegalArgumentException("languages: duplicate entries in " + codes);
    }
    Charts.requireFonts();
    Map<Locale, Messages> bundles = new LinkedHashMap<>();
    for (Locale l : languages) {
      bundles.put(Locale.forLanguageTag(l.getLanguage()), templates.messages(l));
    }
    TemplateEngine engine = templates.engine(bundles);
    HtmlFragments fragments = new HtmlFragments();
    String frontMatter = FrontMatter.yaml(card);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 0; i < codes.size(); i++) {
      String lang = codes.get(i);
      Locale locale = Locale.forLanguageTag(lang);
      Messages msg = bundles.get(locale);
      CardView view = new CardView(card, msg, codes);
      Numbers nums = new Numbers(locale);

      JFreeChart loss = Charts.loss(card, msg, nums);
      String lossPng = "assets/loss." + lang + ".png";
      String lossSvg = Charts.svg(loss, LOSS_WIDTH, LOSS_HEIGHT, "loss-" + lang);
      files.put(lossPng, Charts.png(loss, LOSS_WIDTH, LOSS_HEIGHT));
      files.put("assets/loss." + lang + ".svg", utf8(lossSvg));
      ChartRef lossRef = new ChartRef(msg.get("chart.loss.title"), lossPng, lossSvg);
      List<ChartRef> metricCharts = new ArrayList<>();
      for (String metric : card.evaluation().metricNames()) {
        String label = view.metricLabel(metric);
        String plain = msg.has("metric." + metric) ? label : metric;
        JFreeChart chart = Charts.metric(metric, plain, card.evaluation().strategies(), msg, nums);
        String base = "assets/" + fileSafe(metric) + "." + lang;
        String svg = Charts.svg(chart, METRIC_WIDTH, METRIC_HEIGHT, fileSafe(metric) + "-" + lang);
        files.put(base + ".png", Charts.png(chart, METRIC_WIDTH, METRIC_HEIGHT));
        files.put(base + ".svg", utf8(svg));
        metricCharts.add(new ChartRef(label, base + ".png", svg));
      }

      Context md = context(locale, view, frontMatter, lossRef, metricCharts, false);
      String markdown = MarkdownLayout.tidy(engine.process("markdown/README.md", md));
      files.put(markdownName(lang, i), utf8(markdown));

      Context mdForHtml = context(locale, view, frontMatter, lossRef, metricCharts, true);
      Context html = context(locale, view, frontMatter, lossRef, metricCharts, true);
      html.setVariable("html", new SectionHtml(engine, mdForHtml, fragments));
      List<TocEntry> toc = TOC.stream().map(id -> new TocEntry(id, msg.get("toc." + id))).toList();
      html.setVariable("toc", toc);
      String page = engine.process("html/index.html", html);
      HtmlAudit.check(page, htmlName(lang, i));
      files.put(htmlName(lang, i), utf8(page));
    }
    return files;
  }

  private static Context context(
      Locale locale,
      CardView view,
      String frontMatter,
      ChartRef loss,
      List<ChartRef> metricCharts,
      boolean forHtml) {
    Context ctx = new Context(locale);
    ctx.setVariable("card", view);
    ctx.setVariable("forHtml", forHtml);
    ctx.setVariable("frontMatter", frontMatter);
    ctx.setVariable("lossChart", loss);
    ctx.setVariable("metricCharts", metricCharts);
    return ctx;
  }

  static String fileSafe(String name) {
    return name.replaceAll("[^A-Za-z0-9_\\-]", "_");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Renders one Markdown section template to clean HTML, for the page template to insert. */
  public static final class SectionHtml {
    private final TemplateEngine engine;
    private final Context context;
    private final HtmlFragments fragments;

    SectionHtml(TemplateEngine engine, Context context, HtmlFragments fragments) {
      this.engine = engine;
      this.context = context;
      this.fragments = fragments;
    }

    public String section(String name) {
      if (!name.matches("[a-z\\-]+")) {
        throw new IllegalArgumentException("section: expected a template name, found " + name);
      }
      String markdown = MarkdownLayout.tidy(engine.process("markdown/" + name + ".md", context));
      return fragments.render(markdown);
    }
  }
}
