package io.tunecard.workflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One workflow key, declared once with its default, its bounds or allowed values and its help text,
 * as PEFT's {@code LoraConfig} declares a field: {@link #read} takes it from a {@link Section} (the
 * default when absent), {@link #check} validates a value with {@link Check}, {@link #schema} gives
 * the JSON Schema keywords of the worker spec's copy of it, and {@link Reference} writes its row of
 * docs/workflow.md. The records of the workflow hold one constant per key and read and check
 * through it, so a bound is written in one place.
 *
 * @param <T> the value's Java type
 */
public final class Setting<T> {

  /** How a value is read, checked and described; each kind uses some of the bound fields. */
  enum Kind {
    INT,
    LONG,
    NUMBER,
    FINITE,
    CHOICE,
    FLAG,
    TEXT,
    STEPS,
    LIST
  }

  private final Kind kind;
  private final String key;
  private final T fallback;
  private final double min;
  private final double max;
  private final boolean openLow;
  private final String why;
  private final List<String> allowed;
  private final String help;
  private final String shown;

  private Setting(
      Kind kind,
      String key,
      T fallback,
      double min,
      double max,
      boolean openLow,
      String why,
      List<String> allowed,
      String help,
      String shown) {
    this.kind = kind;
    this.key = key;
    this.fallback = fallback;
    this.min = min;
    this.max = max;
    this.openLow = openLow;
    this.why = why;
    this.allowed = allowed == null ? null : List.copyOf(allowed);
    this.help = help;
    this.shown = shown;
  }

  private static <T> Setting<T> of(Kind kind, String key, T fallback) {
    return new Setting<>(kind, key, fallback, 0, 0, false, null, null, "", null);
  }

  /** An integer of at least {@code min}, with no upper bound. */
  public static Setting<Integer> count(String key, Integer fallback, int min) {
    return Setting.<Integer>of(Kind.INT, key, fallback).bounds(min, Integer.MAX_VALUE, false, null);
  }

  /** An integer in {@code [min, max]}; {@code why} says why the upper bound is where it is. */
  public static Setting<Integer> count(
      String key, Integer fallback, long min, long max, String why) {
    return Setting.<Integer>of(Kind.INT, key, fallback).bounds(min, max, false, why);
  }

  /** A long in {@code [min, max]}; {@code why} says why the upper bound is where it is. */
  public static Setting<Long> size(String key, Long fallback, long min, long max, String why) {
    return Setting.<Long>of(Kind.LONG, key, fallback).bounds(min, max, false, why);
  }

  /** A seed: any long. */
  public static Setting<Long> seed(String key, Long fallback) {
    return Setting.<Long>of(Kind.LONG, key, fallback)
        .bounds(Long.MIN_VALUE, Long.MAX_VALUE, false, null);
  }

  /** A number in {@code [min, max]}, or {@code (min, max]} when {@code openLow}. */
  public static Setting<Double> number(
      String key, Double fallback, double min, double max, boolean openLow) {
    return Setting.<Double>of(Kind.NUMBER, key, fallback).bounds(min, max, openLow, null);
  }

  /** Any finite number. */
  public static Setting<Double> finite(String key, Double fallback) {
    return of(Kind.FINITE, key, fallback);
  }

  /** One of {@code allowed}. */
  public static Setting<String> choice(String key, String fallback, List<String> allowed) {
    return Setting.<String>of(Kind.CHOICE, key, fallback).allowing(allowed);
  }

  public static Setting<Boolean> flag(String key, boolean fallback) {
    return of(Kind.FLAG, key, fallback);
  }

  /** A string; a required one is read with {@link #required}. */
  public static Setting<String> text(String key, String fallback) {
    return of(Kind.TEXT, key, fallback);
  }

  /** A positive number of steps or one of {@code words} (e.g. {@code epoch}). */
  public static Setting<String> steps(String key, String fallback, List<String> words) {
    return Setting.<String>of(Kind.STEPS, key, fallback).allowing(words);
  }

  /** A non-empty list of distinct entries of {@code allowed}. */
  public static Setting<List<String>> anyOf(
      String key, List<String> fallback, List<String> allowed) {
    return Setting.<List<String>>of(Kind.LIST, key, List.copyOf(fallback)).allowing(allowed);
  }

  private Setting<T> bounds(double lo, double hi, boolean open, String reason) {
    return new Setting<>(kind, key, fallback, lo, hi, open, reason, allowed, help, shown);
  }

  private Setting<T> allowing(List<String> values) {
    return new Setting<>(kind, key, fallback, min, max, openLow, why, values, help, shown);
  }

  /** The key's meaning, as docs/workflow.md shows it (Markdown). */
  public Setting<T> help(String text) {
    return new Setting<>(kind, key, fallback, min, max, openLow, why, allowed, text, shown);
  }

  /** The default as docs/workflow.md shows it, where the value alone would mislead. */
  public Setting<T> shown(String text) {
    return new Setting<>(kind, key, fallback, min, max, openLow, why, allowed, help, text);
  }

  public String key() {
    return key;
  }

  /** The default; null when the key has none (absent means "not set") or is required. */
  public T fallback() {
    return fallback;
  }

  public String help() {
    return help;
  }

  Kind kind() {
    return kind;
  }

  double min() {
    return min;
  }

  double max() {
    return max;
  }

  boolean openLow() {
    return openLow;
  }

  /** Whether an integer setting has an upper bound (with its reason). */
  boolean bounded() {
    return why != null;
  }

  List<String> allowed() {
    return allowed;
  }

  String shown() {
    return shown;
  }

  /** The value under this key in {@code s}, else the default. */
  public T read(Section s) {
    return read(s, fallback);
  }

  /** The value under this key in {@code s}, else {@code orElse} (a default computed elsewhere). */
  @SuppressWarnings("unchecked")
  public T read(Section s, T orElse) {
    Object v =
        switch (kind) {
          case INT -> s.integer(key, (Integer) orElse);
          case LONG -> s.longValue(key, (Long) orElse);
          case NUMBER, FINITE -> s.number(key, (Double) orElse);
          case CHOICE -> s.oneOf(key, (String) orElse, allowed);
          case FLAG -> s.bool(key, (Boolean) orElse);
          case TEXT -> s.string(key, (String) orElse);
          case STEPS -> s.integerOrWord(key, (String) orElse, allowed);
          case LIST -> s.strings(key, (List<String>) orElse, allowed);
        };
    return (T) v;
  }

  /** The value under this key, reporting it as required when absent. */
  public T required(Section s) {
    if (!s.has(key)) {
      read(s, null);
      s.problem(key, "is required");
      return null;
    }
    return read(s);
  }

  /**
   * Adds this key's problems with {@code value} to {@code c}; null passes (whether a value is
   * required is the record's business).
   */
  public Check check(Check c, T value) {
    if (value == null) {
      return c;
    }
    switch (kind) {
      case INT, LONG -> {
        long v = ((Number) value).longValue();
        if (why == null) {
          c.atLeast(key, v, (long) min);
        } else {
          c.between(key, v, (long) min, (long) max, why);
        }
      }
      case NUMBER -> c.range(key, (Double) value, min, max, openLow);
      case FINITE -> {
        if (!Double.isFinite((Double) value)) {
          c.fail(key, "expected a finite number, found " + value);
        }
      }
      case CHOICE -> c.oneOf(key, (String) value, allowed);
      case LIST -> {
        List<?> list = (List<?>) value;
        if (list.isEmpty()) {
          c.fail(key, "expected at least one of " + allowed);
        }
        if (new HashSet<>(list).size() != list.size()) {
          c.fail(key, "duplicate entries in " + list);
        }
        list.forEach(e -> c.oneOf(key, (String) e, allowed));
      }
      case FLAG, TEXT, STEPS -> {
        // read() already refused what is not a boolean, a string or a step count
      }
    }
    return c;
  }

  /**
   * The JSON Schema keywords (draft 2020-12) that hold a value of this setting: its type and
   * bounds, or its allowed values. A seed or a free string holds only its type.
   */
  public ObjectNode schema() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    switch (kind) {
      case INT, LONG -> {
        o.put("type", "integer");
        if (min > Long.MIN_VALUE) {
          o.put("minimum", (long) min);
        }
        if (why != null && max < Long.MAX_VALUE) {
          o.put("maximum", (long) max);
        }
      }
      case NUMBER -> {
        o.put("type", "number");
        o.set(openLow ? "exclusiveMinimum" : "minimum", number(min));
        if (max < Double.MAX_VALUE) {
          o.set("maximum", number(max));
        }
      }
      case FINITE -> o.put("type", "number");
      case CHOICE -> enumeration(o);
      case FLAG -> o.put("type", "boolean");
      case TEXT, STEPS -> o.put("type", "string");
      case LIST -> {
        o.put("type", "array");
        o.put("minItems", 1);
        o.put("uniqueItems", true);
        enumeration(o.putObject("items"));
      }
    }
    return o;
  }

  private void enumeration(ObjectNode o) {
    ArrayNode values = o.putArray("enum");
    allowed.forEach(values::add);
  }

  /** A whole bound as an integer literal (1000000, not 1000000.0). */
  private static com.fasterxml.jackson.databind.JsonNode number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? JsonNodeFactory.instance.numberNode((long) d)
        : JsonNodeFactory.instance.numberNode(d);
  }

  @Override
  public String toString() {
    return key + " (default " + Objects.toString(fallback) + ")";
  }
}
