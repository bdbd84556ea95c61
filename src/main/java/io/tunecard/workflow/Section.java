package io.tunecard.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one YAML mapping of a workflow. Every typed getter records a problem (key path, value
 * found, what is allowed) instead of throwing, so that one validation reports every mistake; keys
 * that no getter asked for are reported by {@link #finish()} as unknown.
 *
 * <p>(Longer than most files here: every typed reading of the workflow format is in this one
 * place.)
 */
public final class Section {
  private final String path;
  private final JsonNode node;
  private final List<String> problems;
  private final Set<String> known = new LinkedHashSet<>();

  Section(String path, JsonNode node, List<String> problems) {
    this.path = path;
    this.node = node == null ? NullNode.getInstance() : node;
    this.problems = problems;
  }

  /** The key path of {@code key} in this section, e.g. {@code dataset.split.seed}. */
  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public String path() {
    return path;
  }

  public boolean has(String key) {
    JsonNode v = node.get(key);
    return v != null && !v.isNull();
  }

  private JsonNode value(String key) {
    known.add(key);
    JsonNode v = node.isObject() ? node.get(key) : null;
    return v == null || v.isNull() ? null : v;
  }

  public void problem(String key, String message) {
    problems.add(pathOf(key) + ": " + message);
  }

  private <T> T wrongType(String key, JsonNode v, String expected, T fallback) {
    problem(key, "expected " + expected + ", found " + describe(v));
    return fallback;
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "'" + v.asText() + "'";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.toString();
  }

  public String string(String key, String fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isValueNode()) {
      return wrongType(key, v, "a string", fallback);
    }
    return v.asText();
  }

  public String requiredString(String key) {
    if (value(key) == null) {
      problem(key, "is required");
      return null;
    }
    return string(key, null);
  }

  /** A required string that must match {@code regex}; {@code expected} describes it. */
  public String matching(String key, String regex, String expected) {
    String s = requiredString(key);
    if (s != null && !s.matches(regex)) {
      problem(key, "expected " + expected + ", found '" + s + "'");
    }
    return s;
  }

  public String oneOf(String key, String fallback, Collection<String> allowed) {
    String s = string(key, fallback);
    if (s != null && !allowed.contains(s)) {
      problem(key, "expected one of " + String.join(", ", allowed) + ", found '" + s + "'");
      return fallback;
    }
    return s;
  }

  /**
   * An integer; a float with an integral value ({@code 1e6}) counts as one, as YAML writers often
   * use exponents for counts.
   */
  public Integer integer(String key, Integer fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    Long n = integral(v);
    if (n == null) {
      return wrongType(key, v, "an integer", fallback);
    }
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
      return wrongType(key, v, "an integer of at most " + Integer.MAX_VALUE, fallback);
    }
    return n.intValue();
  }

  public Long longValue(String key, Long fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    Long n = integral(v);
    if (n == null) {
      return wrongType(key, v, "an integer of at most " + Long.MAX_VALUE, fallback);
    }
    return n;
  }

  /** The value as a long when it is an integer (or an integral float) that fits, else null. */
  private static Long integral(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? v.longValue() : null;
    }
    if (v.isFloatingPointNumber()) {
      double d = v.doubleValue();
      boolean fits = d == Math.rint(d) && Math.abs(d) < 0x1p63;
      return fits ? (long) d : null;
    }
    return null;
  }

  public Double number(String key, Double fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isNumber()) {
      return wrongType(key, v, "a number", fallback);
    }
    return v.doubleValue();
  }

  public boolean bool(String key, boolean fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isBoolean()) {
      return wrongType(key, v, "true or false", fallback);
    }
    return v.booleanValue();
  }

  /** A scalar that is either an integer or one of the given words (e.g. {@code eval_every}). */
  public String integerOrWord(String key, String fallback, Collection<String> words) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (v.isIntegralNumber() && v.canConvertToInt() && v.intValue() > 0) {
      return Integer.toString(v.intValue());
    }
    if (v.isTextual() && words.contains(v.asText())) {
      return v.asText();
    }
    return wrongType(key, v, "a positive integer or one of " + String.join(", ", words), fallback);
  }

  public List<String> strings(String key, List<String> fallback, Collection<String> allowed) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isArray()) {
      return wrongType(key, v, "a list", fallback);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isValueNode() || e.isNull()) {
        problem(key + "[" + i + "]", "expected a string, found " + describe(e));
      } else if (allowed != null && !allowed.contains(e.asText())) {
        problem(
            key + "[" + i + "]",
            "expected one of " + String.join(", ", allowed) + ", found '" + e.asText() + "'");
      } else {
        out.add(e.asText());
      }
    }
    return out;
  }

  /** A nested mapping; missing or null reads as an empty mapping so that defaults apply. */
  public Section section(String key) {
    JsonNode v = value(key);
    if (v != null && !v.isObject()) {
      problem(key, "expected a mapping, found " + describe(v));
      v = null;
    }
    return new Section(pathOf(key), v, problems);
  }

  /** Reads a nested mapping, or returns null when the key is absent or null. */
  public <T> T optional(String key, Function<Section, T> reader) {
    JsonNode v = value(key);
    if (v == null) {
      return null;
    }
    return read(key, reader);
  }

  /** Reads a nested mapping (defaults apply when absent). */
  public <T> T read(String key, Function<Section, T> reader) {
    Section s = section(key);
    return s.build(reader);
  }

  /** Reads a list of mappings. */
  public <T> List<T> list(String key, List<T> fallback, Function<Section, T> reader) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isArray()) {
      return wrongType(key, v, "a list", fallback);
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String p = pathOf(key) + "[" + i + "]";
      if (!e.isObject()) {
        problems.add(p + ": expected a mapping, found " + describe(e));
        continue;
      }
      T t = new Section(p, e, problems).build(reader);
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Applies {@code reader}, turning the record's own validation ({@link IllegalArgumentException}
   * with a message that starts with the field key) into a problem at this path, then reports keys
   * the reader did not ask for.
   */
  <T> T build(Function<Section, T> reader) {
    int before = problems.size();
    T out = null;
    try {
      out = reader.apply(this);
    } catch (Check.Invalid e) {
      e.problems().forEach(p -> addUnlessReported(p, before));
    } catch (IllegalArgumentException e) {
      addUnlessReported(e.getMessage(), before);
    } catch (NullPointerException e) {
      if (problems.size() == before) {
        problems.add(path + ": incomplete (" + e.getMessage() + ")");
      }
    }
    finish();
    return problems.size() == before ? out : null;
  }

  /**
   * Adds a record's problem ("key: message") at this path, unless a getter already reported that
   * key (then the record only saw the getter's fallback, and its message would repeat the mistake).
   */
  private void addUnlessReported(String problem, int before) {
    int colon = problem.indexOf(':');
    String key = pathOf(colon < 0 ? problem : problem.substring(0, colon));
    for (String p : problems.subList(before, problems.size())) {
      if (p.startsWith(key + ":") || p.startsWith(key + ".") || p.startsWith(key + "[")) {
        return;
      }
    }
    problems.add(pathOf(problem));
  }

  /** Reports every key of this mapping that no getter asked for. */
  public void finish() {
    if (!node.isObject()) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        String hint = closest(k, known);
        problems.add(
            pathOf(k)
                + ": unknown key"
                + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                + "; allowed here: "
                + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  static String closest(String key, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = editDistance(key, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
