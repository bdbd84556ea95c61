package io.tunecard.card;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;

/**
 * Formats numbers for one language, with one thousands separator per language: the locale's decimal
 * mark; Spanish groups thousands with a no-break space from five digits on (47 457, but 4308, as
 * Spanish typography asks), other languages with the locale's separator from four digits on
 * (2,452); trailing zeros dropped. Machine-read places (YAML front matter, code) never use this
 * class.
 */
public final class Numbers {
  private final Locale locale;
  private final DecimalFormatSymbols symbols;
  private final double groupFrom;

  public Numbers(Locale locale) {
    this.locale = locale;
    this.symbols = DecimalFormatSymbols.getInstance(locale);
    if (locale.getLanguage().equals("es")) {
      symbols.setGroupingSeparator('\u00a0');
      groupFrom = 10_000;
    } else {
      groupFrom = 1_000;
    }
  }

  public Locale locale() {
    return locale;
  }

  /** {@code value} with at most {@code decimals} decimals, trailing zeros dropped. */
  public String decimal(double value, int decimals) {
    return decimal(value, 0, decimals);
  }

  /**
   * {@code value} with at most {@code max} decimals, trailing zeros dropped down to {@code min}
   * decimals: a loss of 0.78 logged as 0.7800 keeps showing four decimals.
   */
  public String decimal(double value, int min, int max) {
    BigDecimal d = BigDecimal.valueOf(value).setScale(max, RoundingMode.HALF_EVEN);
    d = d.stripTrailingZeros();
    if (d.scale() < min) {
      d = d.setScale(min);
    }
    if (d.signum() == 0) {
      d = BigDecimal.ZERO;
    }
    DecimalFormat f = new DecimalFormat("0", symbols);
    f.setMinimumFractionDigits(d.scale());
    f.setMaximumFractionDigits(d.scale());
    f.setGroupingUsed(d.abs().compareTo(BigDecimal.valueOf(groupFrom)) >= 0);
    f.setGroupingSize(3);
    return f.format(d);
  }

  /** {@code value} with exactly {@code decimals} decimals. */
  public String fixed(double value, int decimals) {
    DecimalFormat f = new DecimalFormat("0", symbols);
    f.setMinimumFractionDigits(decimals);
    f.setMaximumFractionDigits(decimals);
    f.setRoundingMode(RoundingMode.HALF_EVEN);
    f.setGroupingUsed(Math.abs(value) >= groupFrom);
    f.setGroupingSize(3);
    return f.format(value);
  }

  public String integer(long value) {
    return decimal(value, 0);
  }

  /** A learning rate and other small numbers: plain when readable, else like {@code 2·10⁻⁴}. */
  public String scientific(double value) {
    if (value == 0 || Math.abs(value) >= 0.001) {
      return decimal(value, 6);
    }
    int exp = (int) Math.floor(Math.log10(Math.abs(value)));
    double mantissa = value / Math.pow(10, exp);
    return decimal(mantissa, 3) + "·10" + superscript(exp);
  }

  private static String superscript(int exp) {
    String digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
    StringBuilder sb = new StringBuilder();
    for (char c : Integer.toString(exp).toCharArray()) {
      sb.append(c == '-' ? '⁻' : digits.charAt(c - '0'));
    }
    return sb.toString();
  }

  /** Separator between numbers in a list: "; " where the decimal mark is a comma. */
  public String listSeparator() {
    return symbols.getDecimalSeparator() == ',' ? "; " : ", ";
  }

  /** A formatted list of numbers. */
  public String list(List<String> formatted) {
    return String.join(listSeparator(), formatted);
  }

  /** A 95 % interval, e.g. {@code [0,19; 0,23]} or {@code [0.19, 0.23]}. */
  public String interval(double low, double high, int decimals) {
    return "[" + fixed(low, decimals) + listSeparator() + fixed(high, decimals) + "]";
  }

  /** A duration in seconds as {@code 1 h 02 min}, {@code 3 min 05 s} or {@code 12,3 s}. */
  public String duration(double seconds) {
    long s = Math.round(seconds);
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
    if (s >= 60) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return decimal(seconds, 1) + " s";
  }
}
