package io.tunecard.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default tokenizer of {@code rouge_score} ({@code rouge/tokenize.py}): lower-case the text,
 * replace every run of characters outside {@code [a-z0-9]} by a space, split on whitespace, stem
 * tokens longer than 3 characters with the Porter stemmer when stemming is on, and drop empty
 * tokens. So tokens are exactly the maximal runs of {@code [a-z0-9]} in the lower-cased text;
 * letters outside ASCII (é, ß, CJK) separate tokens and never appear in them.
 *
 * <p>Lower-casing is Unicode-aware as Python's {@code str.lower()}: {@code İ} becomes {@code i}
 * plus a combining dot, the Kelvin sign becomes {@code k}. Thread-safe.
 */
public final class RougeTokenizer {
  private static final int STEM_CACHE_LIMIT = 200_000;

  private final PorterStemmer stemmer;
  private final ConcurrentHashMap<String, String> stems = new ConcurrentHashMap<>();
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    char[] token = new char[64];
    int[] ids = new int[256];
  }

  /** A tokenizer with ({@code useStemmer}) or without Porter stemming. */
  public RougeTokenizer(boolean useStemmer) {
    this.stemmer = useStemmer ? new PorterStemmer() : null;
  }

  public boolean stems() {
    return stemmer != null;
  }

  /** The tokens of {@code text}, as {@code rouge_score}'s tokenizer returns them. */
  public List<String> tokenize(String text) {
    TokenInterner interner = new TokenInterner();
    int[] ids = ids(text, interner);
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(interner.token(id));
    }
    return out;
  }

  /** The tokens of {@code text} as ids of {@code interner} (equal tokens, equal ids). */
  int[] ids(String text, TokenInterner interner) {
    Scratch s = scratch.get();
    String lower = WordTokens.isAscii(text) ? text : text.toLowerCase(Locale.ROOT);
    int count = 0;
    int len = 0;
    int n = lower.length();
    for (int i = 0; i <= n; i++) {
      char c = i < n ? lower.charAt(i) : ' ';
      if (c >= 'A' && c <= 'Z') {
        c = (char) (c + ('a' - 'A'));
      }
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        if (len == s.token.length) {
          s.token = Arrays.copyOf(s.token, len * 2);
        }
        s.token[len++] = c;
      } else if (len > 0) {
        if (count == s.ids.length) {
          s.ids = Arrays.copyOf(s.ids, count * 2);
        }
        s.ids[count++] = emit(s.token, len, interner);
        len = 0;
      }
    }
    return Arrays.copyOf(s.ids, count);
  }

  private int emit(char[] token, int len, TokenInterner interner) {
    if (stemmer == null || len <= 3) {
      return interner.intern(token, 0, len);
    }
    String word = new String(token, 0, len);
    String stem = stems.get(word);
    if (stem == null) {
      stem = stemmer.stem(word);
      if (stems.size() > STEM_CACHE_LIMIT) {
        stems.clear();
      }
      stems.put(word, stem);
    }
    return interner.intern(stem.toCharArray(), 0, stem.length());
  }
}
