package io.tunecard.workflow;

import java.util.Collection;
import java.util.Locale;

/**
 * Argument checks for the compact constructors of workflow records. Each message starts with the
 * field's key so that {@link Section} can prefix the path of its mapping.
 */
public final class Check {
  private Check() {}

  public static int atLeast(String key, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          key + ": expected an integer >= " + min + ", found " + value);
    }
    return value;
  }

  public static long atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(
          key + ": expected an integer >= " + min + ", found " + value);
    }
    return value;
  }

  /** Checks {@code min <= value <= max} (or {@code min < value} when {@code openLow}). */
  public static double range(String key, double value, double min, double max, boolean openLow) {
    boolean ok = (openLow ? value > min : value >= min) && value <= max && !Double.isNaN(value);
    if (!ok) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: expected a number in %s%s, %s], found %s",
              key,
              openLow ? "(" : "[",
              fmt(min),
              fmt(max),
              fmt(value)));
    }
    return value;
  }

  public static String oneOf(String key, String value, Collection<String> allowed) {
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(
          key + ": expected one of " + String.join(", ", allowed) + ", found '" + value + "'");
    }
    return value;
  }

  public static <T> T present(String key, T value) {
    if (value == null) {
      throw new IllegalArgumentException(key + ": is required");
    }
    return value;
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
