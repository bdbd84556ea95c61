package io.tunecard.tokenize;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's string behaviour where tunecard must match it: {@code str.strip()}, {@code json.dumps}.
 */
public final class PythonText {
  private PythonText() {}

  /** Python's {@code str.strip()}: removes the characters {@code str.isspace()} accepts. */
  public static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  /** Python's {@code str.isspace()} for one character (all such characters are in the BMP). */
  public static boolean isSpace(char c) {
    return (c >= '\t' && c <= '\r')
        || (c >= '\u001c' && c <= '\u001f')
        || c == ' '
        || c == '\u0085'
        || c == '\u00a0'
        || c == '\u1680'
        || (c >= '\u2000' && c <= '\u200a')
        || c == '\u2028'
        || c == '\u2029'
        || c == '\u202f'
        || c == '\u205f'
        || c == '\u3000';
  }

  /** {@code json.dumps(value, ensure_ascii=False)} with Python's default separators. */
  public static String json(Object value) {
    StringBuilder b = new StringBuilder();
    json(value, b);
    return b.toString();
  }

  private static void json(Object v, StringBuilder b) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean t) {
      b.append(t ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      b.append(
          d == Math.rint(d) && Math.abs(d) < 1e16
              ? String.format(java.util.Locale.ROOT, "%.1f", d)
              : v.toString());
    } else if (v instanceof Number n) {
      b.append(n);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        string(String.valueOf(e.getKey()), b);
        b.append(": ");
        json(e.getValue(), b);
        b.append(it.hasNext() ? ", " : "");
      }
      b.append('}');
    } else if (v instanceof List<?> list) {
      b.append('[');
      for (int i = 0; i < list.size(); i++) {
        json(list.get(i), b);
        b.append(i + 1 < list.size() ? ", " : "");
      }
      b.append(']');
    } else {
      string(v.toString(), b);
    }
  }

  private static void string(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20) {
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
