package io.tunecard.ingest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Entities;

/** Text cleaning shared by every source: entity decoding, whitespace, near-duplicate keys. */
public final class Text {
  private Text() {}

  /**
   * A complete character reference: decimal, hexadecimal or named, always with its semicolon. A
   * bare {@code &copy} (no semicolon) is left alone, so query strings in URLs survive.
   */
  private static final Pattern REFERENCE =
      Pattern.compile("&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));");

  /**
   * Decodes HTML character references left in text, in a single pass: the output is not scanned
   * again, so {@code &amp;lt;} becomes {@code &lt;} and never {@code <}. Unknown names and invalid
   * code points stay as written. (XML's own references were already decoded by the XML parser; this
   * pass handles HTML references that the source escaped as text, e.g. {@code &amp;nbsp;}.)
   */
  public static String decodeEntities(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    Matcher m = REFERENCE.matcher(s);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String decoded = decode(m);
      if (decoded == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length());
      }
      out.append(s, last, m.start()).append(decoded);
      last = m.end();
    }
    if (out == null) {
      return s;
    }
    return out.append(s, last, s.length()).toString();
  }

  private static String decode(Matcher m) {
    if (m.group(3) != null) {
      String name = m.group(3);
      return Entities.isNamedEntity(name) ? Entities.getByName(name) : null;
    }
    int cp = m.group(1) != null ? Integer.parseInt(m.group(1)) : Integer.parseInt(m.group(2), 16);
    boolean valid = cp > 0 && cp <= Character.MAX_CODE_POINT && !(cp >= 0xD800 && cp <= 0xDFFF);
    return valid ? new String(Character.toChars(cp)) : null;
  }

  /** Any whitespace, including no-break and other Unicode spaces. */
  static boolean isSpace(char c) {
    if (c <= ' ') {
      return c == ' ' || Character.isWhitespace(c);
    }
    return c >= 0x80 && (Character.isWhitespace(c) || Character.isSpaceChar(c));
  }

  /**
   * Collapses every run of whitespace (line breaks included) to one space, and trims. Copies the
   * words between the runs in bulk, and returns {@code s} itself when nothing changes.
   */
  public static String collapseWhitespace(String s) {
    int n = s.length();
    StringBuilder out = null;
    int end = 0; // end of the previous word; s[0, end) is settled
    int i = 0;
    while (true) {
      int gap = i;
      while (i < n && isSpace(s.charAt(i))) {
        i++;
      }
      if (i == n) {
        // Trailing whitespace (or none): drop it.
        if (out != null) {
          return out.toString();
        }
        return gap == n ? s : s.substring(0, end);
      }
      int word = i;
      while (i < n && !isSpace(s.charAt(i))) {
        i++;
      }
      boolean plainGap = end == 0 ? word == 0 : word - gap == 1 && s.charAt(gap) == ' ';
      if (out == null && !plainGap) {
        out = new StringBuilder(n).append(s, 0, end);
      }
      if (out != null) {
        if (out.length() > 0) {
          out.append(' ');
        }
        out.append(s, word, i);
      }
      end = i;
    }
  }

  /** Decodes references once, then collapses whitespace; null stays null. */
  public static String clean(String s) {
    return s == null ? null : collapseWhitespace(decodeEntities(s));
  }

  /**
   * The key under which two questions count as near-duplicates: lower-cased, with everything but
   * letters and digits removed ("What is (are) Gout ?" and "what is gout" share one key).
   */
  public static String nearKey(String s) {
    return io.tunecard.rundir.QuestionKey.near(s);
  }
}
