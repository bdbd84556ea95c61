package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The word tokens that {@code distinct_n}, {@code repetition_r3} and the fallback {@code
 * tokens_len} count: the text lower-cased ({@link Locale#ROOT}) and split on runs of whitespace,
 * the same characters Python's {@code str.split()} splits on (Unicode white space, including
 * no-break spaces and U+0085). Punctuation stays attached ("cells." and "cells" differ), as in the
 * usual distinct-n of Li et al. (2016).
 */
public final class WordTokens {
  private WordTokens() {}

  /** The lower-cased whitespace tokens of {@code text}. */
  public static List<String> split(String text) {
    TokenInterner interner = new TokenInterner();
    int[] ids = ids(text, interner);
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(interner.token(id));
    }
    return out;
  }

  /** The number of whitespace tokens of {@code text} (lower-casing does not change it). */
  public static int count(String text) {
    int count = 0;
    boolean inToken = false;
    for (int i = 0; i < text.length(); i++) {
      boolean space = isWhitespace(text.charAt(i));
      if (!space && !inToken) {
        count++;
      }
      inToken = !space;
    }
    return count;
  }

  static boolean isWhitespace(char c) {
    return c == '\u0085' || Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  /** The lower-cased whitespace tokens of {@code text} as ids of {@code interner}. */
  static int[] ids(String text, TokenInterner interner) {
    // ASCII text is lower-cased while scanning; other text by String.toLowerCase, which may change
    // its length (İ becomes two chars).
    String source = isAscii(text) ? text : text.toLowerCase(Locale.ROOT);
    Scratch s = SCRATCH.get();
    int count = 0;
    int len = 0;
    int n = source.length();
    for (int i = 0; i <= n; i++) {
      char c = i < n ? source.charAt(i) : ' ';
      if (i == n || isWhitespace(c)) {
        if (len > 0) {
          if (count == s.ids.length) {
            s.ids = Arrays.copyOf(s.ids, count * 2);
          }
          s.ids[count++] = interner.intern(s.token, 0, len);
          len = 0;
        }
      } else {
        if (len == s.token.length) {
          s.token = Arrays.copyOf(s.token, len * 2);
        }
        s.token[len++] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
      }
    }
    return Arrays.copyOf(s.ids, count);
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    char[] token = new char[64];
    int[] ids = new int[256];
  }

  static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
