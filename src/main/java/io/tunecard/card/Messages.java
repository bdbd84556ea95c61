package io.tunecard.card;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One language's card messages ({@code card_<lang>.properties}, UTF-8). Arguments replace {@code
 * {0}}, {@code {1}}, … as given (already formatted); unlike {@link java.text.MessageFormat},
 * apostrophes need no doubling. A missing key is an error, so a bundle cannot silently fall behind.
 */
public final class Messages {
  private static final Pattern ARG = Pattern.compile("\\{(\\d+)}");
  private final Locale locale;
  private final Map<String, String> texts;
  private final String origin;

  Messages(Locale locale, Map<String, String> texts, String origin) {
    this.locale = Objects.requireNonNull(locale);
    this.texts = Map.copyOf(texts);
    this.origin = origin;
  }

  public Locale locale() {
    return locale;
  }

  public boolean has(String key) {
    return texts.containsKey(key);
  }

  /** The message for {@code key} with its arguments substituted. */
  public String get(String key, Object... args) {
    String text = texts.get(key);
    if (text == null) {
      throw new IllegalStateException(origin + ": no message '" + key + "'");
    }
    Matcher m = ARG.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      int i = Integer.parseInt(m.group(1));
      if (i >= args.length) {
        throw new IllegalStateException(
            origin + ": message '" + key + "' uses {" + i + "} but got " + args.length + " args");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(args[i])));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  public String get(String key, List<?> args) {
    return get(key, args.toArray());
  }

  /** The keys of this bundle (tests compare languages). */
  public java.util.Set<String> keys() {
    return texts.keySet();
  }
}
