package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.vladsch.flexmark.html.HtmlRenderer;
import com.vladsch.flexmark.parser.Parser;
import com.vladsch.flexmark.util.data.MutableDataSet;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Timeout;

/**
 * Untrusted text (a generation, a question from the data) in the card: escaped by {@link
 * MarkdownText} it renders as text only, even where Markdown is rendered with raw HTML allowed (as
 * a Hub page may), and {@code index.html}'s fragments ({@link HtmlFragments}) carry no active HTML
 * for any Markdown at all. Never an exception or a hang. Seeds: {@code
 * CardEscapingFuzzTestInputs/}.
 */
class CardEscapingFuzzTest {
  /** What escaped text may turn into: paragraphs, a quote, a table cell, a code span. */
  private static final Set<String> TEXT_ONLY =
      Set.of(
          "#root",
          "html",
          "head",
          "body",
          "p",
          "blockquote",
          "table",
          "thead",
          "tbody",
          "tr",
          "th",
          "td",
          "code",
          "br");

  private static final Parser PARSER;
  private static final HtmlRenderer RAW_HTML;

  static {
    MutableDataSet options = new MutableDataSet();
    options.set(
        Parser.EXTENSIONS,
        java.util.List.of(com.vladsch.flexmark.ext.tables.TablesExtension.create()));
    PARSER = Parser.builder(options).build();
    RAW_HTML = HtmlRenderer.builder(options).build();
  }

  private final HtmlFragments fragments = new HtmlFragments();

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void untrustedTextNeverBecomesActiveHtml(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    String markdown =
        "| cell |\n| --- |\n| "
            + MarkdownText.inline(text)
            + " |\n\n"
            + MarkdownText.quote(text)
            + "\n\nSee "
            + MarkdownText.code(text)
            + ".\n";

    String rawHtml = RAW_HTML.render(PARSER.parse(markdown));
    for (Element e : Jsoup.parse(rawHtml).getAllElements()) {
      assertThat(TEXT_ONLY).as("element from escaped text in %s", rawHtml).contains(e.normalName());
    }
    HtmlAudit.check(fragments.render(markdown), "escaped text");
    HtmlAudit.check(fragments.render(text), "raw Markdown");
  }
}
