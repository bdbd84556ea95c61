package io.tunecard.card;

/**
 * Tidies the whitespace that Thymeleaf's TEXT mode leaves around block tags: trailing spaces go,
 * runs of blank lines become one (outside fenced code, where lines are kept as written), and the
 * file ends with one newline.
 */
final class MarkdownLayout {
  private MarkdownLayout() {}

  static String tidy(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean inFence = false;
    boolean previousBlank = true;
    for (String line : text.split("\n", -1)) {
      String l = inFence ? line : line.stripTrailing();
      if (l.startsWith("```")) {
        inFence = !inFence;
      }
      boolean blank = l.isEmpty();
      if (blank && previousBlank && !inFence) {
        continue;
      }
      out.append(l).append('\n');
      previousBlank = blank;
    }
    String s = out.toString().stripTrailing();
    return s + "\n";
  }
}
