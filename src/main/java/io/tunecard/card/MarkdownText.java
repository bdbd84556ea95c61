package io.tunecard.card;

/**
 * Escapes untrusted text (generations, data-set text, names from files) for Markdown, so that it
 * shows as text and never as HTML, links, images, emphasis, math, tables or front matter. HTML's
 * three special characters become entities; every other character that can open a Markdown
 * construct is backslash-escaped (CommonMark allows that for any ASCII punctuation).
 */
public final class MarkdownText {
  private static final String ESCAPED = "\\`*_[]!|~$";

  private MarkdownText() {}

  /** One line of inline text (a table cell, a phrase): line breaks become spaces. */
  public static String inline(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(text.length() + 16);
    text.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '\r', '\n', '\t', '\u2028', '\u2029' -> sb.append(' ');
                default -> {
                  if (Character.isISOControl(c)) {
                    sb.append(' ');
                  } else {
                    if (c < 128 && ESCAPED.indexOf(c) >= 0) {
                      sb.append('\\');
                    }
                    sb.appendCodePoint(c);
                  }
                }
              }
            });
    return sb.toString();
  }

  /**
   * Multi-line text as a block quote: each line escaped and prefixed with {@code > }, blank lines
   * kept as paragraph breaks, leading indentation dropped (it would open a code block).
   */
  public static String quote(String text) {
    if (text == null || text.isBlank()) {
      return ">";
    }
    StringBuilder sb = new StringBuilder();
    String[] lines = text.strip().split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      // Stripped after escaping: control characters become spaces there, and leading spaces
      // would open an indented code block.
      String line = inline(lines[i]).strip();
      sb.append(line.isEmpty() ? ">" : "> " + lineStart(line));
      if (i < lines.length - 1) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  /** At a line start, "#", "-", "+", "=" and "1." or "1)" open headings and lists. */
  private static String lineStart(String escaped) {
    if (escaped.isEmpty()) {
      return escaped;
    }
    if ("#-+=".indexOf(escaped.charAt(0)) >= 0) {
      return "\\" + escaped;
    }
    int j = 0;
    while (j < escaped.length() && Character.isDigit(escaped.charAt(j))) {
      j++;
    }
    if (j > 0 && j < escaped.length() && (escaped.charAt(j) == '.' || escaped.charAt(j) == ')')) {
      return escaped.substring(0, j) + "\\" + escaped.substring(j);
    }
    return escaped;
  }

  /** Text for inside a code span: the fence is longer than any backtick run in the text. */
  public static String code(String text) {
    String t = text == null ? "" : text.replaceAll("[\\r\\n]+", " ");
    int longest = 0;
    int run = 0;
    for (char c : t.toCharArray()) {
      run = c == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    String fence = "`".repeat(longest + 1);
    String pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
    return fence + pad + t + pad + fence;
  }
}
