package io.tunecard.workflow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The argument checks of a workflow record's compact constructor. A record runs all of its checks
 * and {@link #done()} then throws one {@link Invalid} naming every bad field, so that a file with
 * eleven mistakes gets eleven messages, not the first one of each section. Each message starts with
 * the field's key so that {@link Section} can prefix the path of its mapping; a key that already
 * failed is not checked again (a check that depends on it would only repeat the mistake).
 */
public final class Check {
  private final List<String> problems = new ArrayList<>();
  private final List<String> failedKeys = new ArrayList<>();

  /** Every problem of one record; each message starts with its field key. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    Invalid(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** Whether {@code key} has passed every check so far. */
  public boolean ok(String key) {
    return !failedKeys.contains(key);
  }

  /** Records that {@code key} is wrong; {@code message} follows "key: ". */
  public Check fail(String key, String message) {
    if (ok(key)) {
      failedKeys.add(key);
      problems.add(key + ": " + message);
    }
    return this;
  }

  public Check atLeast(String key, long value, long min) {
    if (value < min) {
      fail(key, "expected an integer >= " + min + ", found " + value);
    }
    return this;
  }

  /**
   * {@code min <= value <= max}; {@code why} says why the upper bound is where it is (it ends the
   * message, after the value found).
   */
  public Check between(String key, long value, long min, long max, String why) {
    if (value < min) {
      fail(key, "expected an integer >= " + min + ", found " + value);
    } else if (value > max) {
      fail(key, "expected at most " + max + ", found " + value + ": " + why);
    }
    return this;
  }

  /** Checks {@code min <= value <= max} (or {@code min < value} when {@code openLow}). */
  public Check range(String key, double value, double min, double max, boolean openLow) {
    boolean ok = (openLow ? value > min : value >= min) && value <= max && !Double.isNaN(value);
    if (!ok) {
      fail(
          key,
          String.format(
              Locale.ROOT,
              "expected a number in %s%s, %s], found %s",
              openLow ? "(" : "[",
              fmt(min),
              fmt(max),
              fmt(value)));
    }
    return this;
  }

  public Check oneOf(String key, String value, Collection<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      fail(key, "expected one of " + String.join(", ", allowed) + ", found '" + value + "'");
    }
    return this;
  }

  public Check present(String key, Object value) {
    if (value == null) {
      fail(key, "is required");
    }
    return this;
  }

  /** {@code value} matches {@code regex}; {@code expected} describes the form. */
  public Check matches(String key, String value, String regex, String expected) {
    if (value != null && !value.matches(regex)) {
      fail(key, "expected " + expected + ", found '" + value + "'");
    }
    return this;
  }

  /** Throws every problem found, if any. */
  public void done() {
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
  }

  static String fmt(double d) {
    if (d == Double.MAX_VALUE || d == Double.POSITIVE_INFINITY) {
      return "inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }
}
