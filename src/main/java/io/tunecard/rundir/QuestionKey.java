package io.tunecard.rundir;

import java.util.Locale;

/** How tunecard tells near-duplicate questions apart (stats.json, the card's leakage count). */
public final class QuestionKey {
  private QuestionKey() {}

  /**
   * Lower-cased with only letters and digits kept: {@code What is (are) Gout ?} and {@code what is
   * gout} share a key.
   */
  public static String near(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.toLowerCase(Locale.ROOT)
        .codePoints()
        .filter(Character::isLetterOrDigit)
        .forEach(b::appendCodePoint);
    return b.toString();
  }
}
