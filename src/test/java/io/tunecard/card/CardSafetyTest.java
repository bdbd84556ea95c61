package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generated and data-set text is untrusted: it renders as inert text in HTML and Markdown. */
class CardSafetyTest {
  static final String PREDICTION =
      "<script>alert('x')</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) "
          + "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
          + "<a href=\"javascript:alert(2)\">y</a> ![i](java\tscript:alert(3)) "
          + "$x^2$ | pipe `code` **bold**";
  static final String QUESTION = "---\ntitle: injected\n---\n# Heading\n1. list\n<iframe src=x>";
  static Map<String, byte[]> files;

  @BeforeAll
  static void render() {
    CardModel base = CardFixtures.runCard();
    Sample evil =
        new Sample(
            "greedy",
            "id`<b>|x",
            QUESTION,
            "ref <style>body{}</style> & more",
            PREDICTION,
            48,
            true);
    CardModel card =
        new CardModel(
            base.source(),
            base.kind(),
            base.model(),
            base.dataset(),
            base.training(),
            base.trainingLog(),
            base.evaluation(),
            base.reported(),
            base.environment(),
            base.lineage(),
            List.of(evil));
    files =
        new CardRenderer().renderAll(card, List.of(Locale.ENGLISH, Locale.forLanguageTag("es")));
  }

  static String file(String name) {
    return new String(files.get(name), StandardCharsets.UTF_8);
  }

  @Test
  void predictionIsInertTextInTheHtml() {
    for (String name : List.of("index.html", "index.es.html")) {
      Document doc = Jsoup.parse(file(name));
      assertThat(doc.select("script")).isEmpty();
      assertThat(doc.select("iframe, style:not(head style), img")).isEmpty();
      assertThat(doc.select("style")).hasSize(1);
      for (Element e : doc.getAllElements()) {
        for (Attribute a : e.attributes()) {
          assertThat(a.getKey()).as("attribute on <%s>", e.tagName()).doesNotStartWith("on");
          String v = a.getValue().replaceAll("\\s", "").toLowerCase(Locale.ROOT);
          if (List.of("href", "src", "xlink:href", "action").contains(a.getKey())) {
            assertThat(v).doesNotStartWith("javascript:").doesNotStartWith("data:");
          }
        }
      }
      // Shown as text, character for character.
      assertThat(doc.select(".prediction").text()).isEqualTo(PREDICTION.replaceAll("\\s+", " "));
      assertThat(doc.select(".sample .text").get(0).wholeText()).isEqualTo(QUESTION);
      assertThat(doc.select("a[href]").eachAttr("href"))
          .allSatisfy(h -> assertThat(HtmlFragments.allowedUrl(h)).as(h).isTrue());
    }
  }

  @Test
  void predictionCannotInjectMarkupOrFrontMatterIntoMarkdown() throws Exception {
    String md = file("README.md");
    assertThat(md).doesNotContain("<script", "<img", "<iframe", "<style");
    // A link needs an unescaped "](": every bracket of the untrusted text is escaped.
    assertThat(md).doesNotContainPattern("(?<!\\\\)\\]\\((javascript|data):");
    assertThat(md)
        .contains("&lt;script&gt;", "\\[x\\](javascript:alert(1))", "\\$x^2\\$", "\\| pipe");
    // Only one front matter block, and it still parses to the same keys.
    var yaml = new YAMLMapper().readTree(CardFixtures.frontMatter(md));
    assertThat(yaml.has("title")).isFalse();
    assertThat(md.lines().filter("---"::equals).count()).isEqualTo(2);
    assertThat(md).doesNotContain("\n# Heading").contains("> \\# Heading", "> 1\\. list");
    // Rendered back by a Markdown engine, the text still shows no live markup.
    String html = new HtmlFragments().render(md.substring(md.indexOf("## Sample generations")));
    Document doc = Jsoup.parse(html);
    assertThat(doc.select("script, img, iframe, a[href^=javascript], a[href^=data]")).isEmpty();
    assertThat(doc.text()).contains("<script>alert('x')</script>", "[x](javascript:alert(1))");
  }

  @Test
  void markdownFragmentsDropUnsafeLinksAndRawHtml() {
    HtmlFragments f = new HtmlFragments();
    String html =
        f.render(
            "[a](javascript:alert(1)) [b](data:text/html,x) [c](https://ok.example/) [d](#anchor)"
                + " [e](README.en.md) [f](JaVa\tScRiPt:alert(1)) [g](vbscript:x)\n\n<script>x</script>");
    Document doc = Jsoup.parse(html);
    // Unsafe destinations become "#" (or no link at all); safe ones stay.
    assertThat(doc.select("a").eachAttr("href"))
        .contains("https://ok.example/", "#anchor", "README.en.md")
        .allSatisfy(h -> assertThat(HtmlFragments.allowedUrl(h)).as(h).isTrue());
    assertThat(html.toLowerCase(java.util.Locale.ROOT))
        .doesNotContain("href=\"javascript", "href=\"data", "href=\"vbscript");
    assertThat(doc.select("a[href=#]")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(doc.select("script")).isEmpty();
    assertThat(doc.text()).contains("<script>x</script>");
  }

  @Test
  void theAuditRefusesScriptsAndHandlers() {
    assertThatThrownBy(() -> HtmlAudit.check("<p><script>x</script></p>", "t"))
        .hasMessageContaining("<script>");
    assertThatThrownBy(() -> HtmlAudit.check("<p onclick=x>y</p>", "t"))
        .hasMessageContaining("onclick");
    assertThatThrownBy(() -> HtmlAudit.check("<a href=' javascript:x'>y</a>", "t"))
        .hasMessageContaining("href");
    HtmlAudit.check("<a href='https://x/'>y</a><a href='#a'>z</a>", "t");
  }
}
