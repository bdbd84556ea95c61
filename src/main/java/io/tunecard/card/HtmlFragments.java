package io.tunecard.card;

import com.vladsch.flexmark.ext.tables.TablesExtension;
import com.vladsch.flexmark.html.HtmlRenderer;
import com.vladsch.flexmark.html.IndependentLinkResolverFactory;
import com.vladsch.flexmark.html.LinkResolver;
import com.vladsch.flexmark.html.renderer.LinkResolverBasicContext;
import com.vladsch.flexmark.html.renderer.LinkStatus;
import com.vladsch.flexmark.html.renderer.ResolvedLink;
import com.vladsch.flexmark.parser.Parser;
import com.vladsch.flexmark.util.ast.Node;
import com.vladsch.flexmark.util.data.MutableDataSet;
import java.util.List;
import java.util.Locale;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Safelist;

/**
 * Turns the card's Markdown sections into HTML for {@code index.html}. Three layers, because the
 * Markdown carries untrusted text (escaped, but defence in depth): Flexmark escapes raw HTML; a
 * link resolver turns every link or image whose scheme is not http, https or mailto (or that is not
 * relative) into {@code #}; jsoup then cleans each fragment with a {@link Safelist} before it is
 * inserted into the page. Only these fragments are cleaned: the page around them is our template,
 * and its inline SVG is drawn by JFreeSVG from numbers, so a safelist wide enough for SVG and CSS
 * is not needed; {@link HtmlAudit} checks the whole page afterwards.
 */
final class HtmlFragments {
  /** Relative links are resolved against this base only to check their scheme. */
  private static final String CHECK_BASE = "https://card.invalid/";

  private final Parser parser;
  private final HtmlRenderer renderer;
  private final Safelist safelist;

  HtmlFragments() {
    MutableDataSet options = new MutableDataSet();
    options.set(Parser.EXTENSIONS, List.of(TablesExtension.create()));
    options.set(HtmlRenderer.ESCAPE_HTML, true);
    options.set(HtmlRenderer.GENERATE_HEADER_ID, true);
    options.set(HtmlRenderer.RENDER_HEADER_ID, true);
    parser = Parser.builder(options).build();
    renderer =
        HtmlRenderer.builder(options)
            .linkResolverFactory(
                new IndependentLinkResolverFactory() {
                  @Override
                  public LinkResolver apply(LinkResolverBasicContext context) {
                    return HtmlFragments::resolve;
                  }
                })
            .build();
    safelist =
        Safelist.relaxed()
            .removeTags("img")
            .addAttributes("th", "align")
            .addAttributes("td", "align")
            .addAttributes("code", "class")
            .addAttributes("h2", "id")
            .addAttributes("h3", "id")
            .addAttributes("h4", "id")
            .addProtocols("a", "href", "http", "https", "mailto")
            .preserveRelativeLinks(true);
  }

  private static ResolvedLink resolve(Node node, LinkResolverBasicContext ctx, ResolvedLink link) {
    return allowedUrl(link.getUrl()) ? link : link.withUrl("#").withStatus(LinkStatus.INVALID);
  }

  /**
   * True for http(s) and mailto URLs and for relative ones. Browsers ignore tabs, newlines and
   * leading control characters in a scheme, so the check does too ({@code java\tscript:}).
   */
  static boolean allowedUrl(String url) {
    if (url == null) {
      return false;
    }
    String s = url.replaceAll("[\\x00-\\x20\\x7f]", "").toLowerCase(Locale.ROOT);
    int colon = s.indexOf(':');
    int end = s.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0) {
        end = Math.min(end, i);
      }
    }
    if (colon < 0 || colon > end) {
      return !s.startsWith("//");
    }
    String scheme = s.substring(0, colon);
    return scheme.equals("http") || scheme.equals("https") || scheme.equals("mailto");
  }

  /** Markdown to clean HTML. */
  String render(String markdown) {
    String html = renderer.render(parser.parse(markdown));
    Document.OutputSettings out = new Document.OutputSettings().prettyPrint(false);
    return Jsoup.clean(html, CHECK_BASE, safelist, out);
  }
}
