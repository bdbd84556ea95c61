package io.tunecard.metrics;

import java.util.Map;
import java.util.function.Predicate;

/**
 * The Porter stemmer as NLTK runs it by default ({@code PorterStemmer()}, mode {@code
 * NLTK_EXTENSIONS}), which is the stemmer {@code rouge_score} applies when {@code use_stemmer} is
 * on. The rules follow Porter (1980) with NLTK's departures: an irregular-forms table, words of one
 * or two letters left alone, {@code ies/ied} on four-letter words kept as {@code ie}, {@code (*c
 * and not c) Y -> I}, {@code alli} handled before {@code bli}, and the extra {@code fulli} and
 * {@code logi} rules.
 *
 * <p>Only lower-case ASCII input is expected (the ROUGE tokenizer guarantees it). Instances are
 * stateless and thread-safe.
 */
public final class PorterStemmer {
  private static final Map<String, String> IRREGULAR =
      Map.ofEntries(
          Map.entry("sky", "sky"),
          Map.entry("skies", "sky"),
          Map.entry("dying", "die"),
          Map.entry("lying", "lie"),
          Map.entry("tying", "tie"),
          Map.entry("news", "news"),
          Map.entry("innings", "inning"),
          Map.entry("inning", "inning"),
          Map.entry("outings", "outing"),
          Map.entry("outing", "outing"),
          Map.entry("cannings", "canning"),
          Map.entry("canning", "canning"),
          Map.entry("howe", "howe"),
          Map.entry("proceed", "proceed"),
          Map.entry("exceed", "exceed"),
          Map.entry("succeed", "succeed"));

  /** One suffix rule: replace {@code suffix} by {@code replacement} when the stem passes. */
  private record Rule(String suffix, String replacement, Predicate<String> condition) {}

  private final Rule[] step2Rules;
  private final Rule[] step3Rules;
  private final Rule[] step4Rules;

  public PorterStemmer() {
    Predicate<String> m0 = s -> measure(s) > 0;
    step2Rules =
        new Rule[] {
          new Rule("ational", "ate", m0),
          new Rule("tional", "tion", m0),
          new Rule("enci", "ence", m0),
          new Rule("anci", "ance", m0),
          new Rule("izer", "ize", m0),
          new Rule("bli", "ble", m0),
          new Rule("alli", "al", m0),
          new Rule("entli", "ent", m0),
          new Rule("eli", "e", m0),
          new Rule("ousli", "ous", m0),
          new Rule("ization", "ize", m0),
          new Rule("ation", "ate", m0),
          new Rule("ator", "ate", m0),
          new Rule("alism", "al", m0),
          new Rule("iveness", "ive", m0),
          new Rule("fulness", "ful", m0),
          new Rule("ousness", "ous", m0),
          new Rule("aliti", "al", m0),
          new Rule("iviti", "ive", m0),
          new Rule("biliti", "ble", m0),
          new Rule("fulli", "ful", m0),
        };
    step3Rules =
        new Rule[] {
          new Rule("icate", "ic", m0),
          new Rule("ative", "", m0),
          new Rule("alize", "al", m0),
          new Rule("iciti", "ic", m0),
          new Rule("ical", "ic", m0),
          new Rule("ful", "", m0),
          new Rule("ness", "", m0),
        };
    Predicate<String> m1 = s -> measure(s) > 1;
    step4Rules =
        new Rule[] {
          new Rule("al", "", m1),
          new Rule("ance", "", m1),
          new Rule("ence", "", m1),
          new Rule("er", "", m1),
          new Rule("ic", "", m1),
          new Rule("able", "", m1),
          new Rule("ible", "", m1),
          new Rule("ant", "", m1),
          new Rule("ement", "", m1),
          new Rule("ment", "", m1),
          new Rule("ent", "", m1),
          new Rule("ion", "", s -> measure(s) > 1 && endsWithAny(s, 's', 't')),
          new Rule("ou", "", m1),
          new Rule("ism", "", m1),
          new Rule("ate", "", m1),
          new Rule("iti", "", m1),
          new Rule("ous", "", m1),
          new Rule("ive", "", m1),
          new Rule("ize", "", m1),
        };
  }

  /** Stems one lower-case word. */
  public String stem(String word) {
    String irregular = IRREGULAR.get(word);
    if (irregular != null) {
      return irregular;
    }
    if (word.length() <= 2) {
      return word;
    }
    String s = step1a(word);
    s = step1b(s);
    s = step1c(s);
    s = step2(s);
    s = applyRules(s, step3Rules);
    s = applyRules(s, step4Rules);
    s = step5a(s);
    return step5b(s);
  }

  private static boolean isConsonant(String w, int i) {
    char c = w.charAt(i);
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
      return false;
    }
    if (c == 'y') {
      return i == 0 || !isConsonant(w, i - 1);
    }
    return true;
  }

  /** Porter's m: the number of vowel-consonant transitions in the stem. */
  static int measure(String stem) {
    int m = 0;
    boolean previousVowel = false;
    for (int i = 0; i < stem.length(); i++) {
      boolean consonant = isConsonant(stem, i);
      if (consonant && previousVowel) {
        m++;
      }
      previousVowel = !consonant;
    }
    return m;
  }

  private static boolean containsVowel(String stem) {
    for (int i = 0; i < stem.length(); i++) {
      if (!isConsonant(stem, i)) {
        return true;
      }
    }
    return false;
  }

  private static boolean endsDoubleConsonant(String w) {
    int n = w.length();
    return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
  }

  /** Porter's *o, with NLTK's extra case of a two-letter vowel-consonant word. */
  private static boolean endsCvc(String w) {
    int n = w.length();
    if (n >= 3
        && isConsonant(w, n - 3)
        && !isConsonant(w, n - 2)
        && isConsonant(w, n - 1)
        && !endsWithAny(w, 'w', 'x', 'y')) {
      return true;
    }
    return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
  }

  private static boolean endsWithAny(String w, char... chars) {
    if (w.isEmpty()) {
      return false;
    }
    char last = w.charAt(w.length() - 1);
    for (char c : chars) {
      if (c == last) {
        return true;
      }
    }
    return false;
  }

  /** The first rule whose suffix matches decides: applied if its condition holds, else none. */
  private static String applyRules(String word, Rule[] rules) {
    for (Rule rule : rules) {
      if (word.endsWith(rule.suffix)) {
        String stem = word.substring(0, word.length() - rule.suffix.length());
        return rule.condition.test(stem) ? stem + rule.replacement : word;
      }
    }
    return word;
  }

  private static String step1a(String w) {
    if (w.endsWith("ies") && w.length() == 4) {
      return w.substring(0, 1) + "ie";
    }
    if (w.endsWith("sses")) {
      return w.substring(0, w.length() - 2);
    }
    if (w.endsWith("ies")) {
      return w.substring(0, w.length() - 2);
    }
    if (w.endsWith("ss")) {
      return w;
    }
    if (w.endsWith("s")) {
      return w.substring(0, w.length() - 1);
    }
    return w;
  }

  private static String step1b(String w) {
    if (w.endsWith("ied")) {
      return w.length() == 4 ? w.substring(0, 1) + "ie" : w.substring(0, w.length() - 2);
    }
    if (w.endsWith("eed")) {
      String stem = w.substring(0, w.length() - 3);
      return measure(stem) > 0 ? stem + "ee" : w;
    }
    String stem = null;
    if (w.endsWith("ed") && containsVowel(w.substring(0, w.length() - 2))) {
      stem = w.substring(0, w.length() - 2);
    } else if (w.endsWith("ing") && containsVowel(w.substring(0, w.length() - 3))) {
      stem = w.substring(0, w.length() - 3);
    }
    if (stem == null) {
      return w;
    }
    if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) {
      return stem + "e";
    }
    if (endsDoubleConsonant(stem)) {
      char last = stem.charAt(stem.length() - 1);
      return last == 'l' || last == 's' || last == 'z'
          ? stem
          : stem.substring(0, stem.length() - 1);
    }
    return measure(stem) == 1 && endsCvc(stem) ? stem + "e" : stem;
  }

  private static String step1c(String w) {
    if (w.endsWith("y")) {
      String stem = w.substring(0, w.length() - 1);
      return stem.length() > 1 && isConsonant(stem, stem.length() - 1) ? stem + "i" : w;
    }
    return w;
  }

  private String step2(String w) {
    // NLTK applies ALLI -> AL first and, when it fires, runs step 2 again on the result.
    if (w.endsWith("alli") && measure(w.substring(0, w.length() - 4)) > 0) {
      return step2(w.substring(0, w.length() - 4) + "al");
    }
    // LOGI -> LOG keeps the 'l' with the stem, so the measure is taken on word[:-3]. No earlier
    // rule of the list matches a word ending in "logi", so checking it first changes nothing else.
    if (w.endsWith("logi")) {
      return measure(w.substring(0, w.length() - 3)) > 0 ? w.substring(0, w.length() - 1) : w;
    }
    return applyRules(w, step2Rules);
  }

  private static String step5a(String w) {
    if (w.endsWith("e")) {
      String stem = w.substring(0, w.length() - 1);
      int m = measure(stem);
      if (m > 1 || (m == 1 && !endsCvc(stem))) {
        return stem;
      }
    }
    return w;
  }

  private static String step5b(String w) {
    if (w.endsWith("ll") && measure(w.substring(0, w.length() - 1)) > 1) {
      return w.substring(0, w.length() - 1);
    }
    return w;
  }
}
