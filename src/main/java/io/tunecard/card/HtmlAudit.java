package io.tunecard.card;

import java.util.Locale;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * The last check on a rendered HTML card: no script-capable element, no event-handler attribute, no
 * URL with a scheme other than http, https or mailto. A card that fails is not written.
 */
final class HtmlAudit {
  private static final Set<String> FORBIDDEN_TAGS =
      Set.of(
          "script",
          "iframe",
          "object",
          "embed",
          "frame",
          "frameset",
          "base",
          "form",
          "meta:refresh");
  private static final Set<String> URL_ATTRIBUTES =
      Set.of("href", "src", "xlink:href", "action", "formaction", "srcset", "poster", "data");

  private HtmlAudit() {}

  static void check(String html, String name) {
    Document doc = Jsoup.parse(html);
    for (Element e : doc.getAllElements()) {
      String tag = e.normalName();
      if (FORBIDDEN_TAGS.contains(tag)) {
        throw new IllegalStateException(name + ": refusing to write a <" + tag + "> element");
      }
      if (tag.equals("meta") && e.attr("http-equiv").equalsIgnoreCase("refresh")) {
        throw new IllegalStateException(name + ": refusing to write a meta refresh");
      }
      for (Attribute a : e.attributes()) {
        String key = a.getKey().toLowerCase(Locale.ROOT);
        if (key.startsWith("on")) {
          throw new IllegalStateException(
              name + ": refusing to write an event handler attribute '" + key + "'");
        }
        if (URL_ATTRIBUTES.contains(key) && !HtmlFragments.allowedUrl(a.getValue())) {
          throw new IllegalStateException(
              name + ": refusing to write " + key + "='" + a.getValue() + "'");
        }
      }
    }
  }
}
