package io.tunecard.worker;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A progress bar with ETA on a terminal, redrawn in place at most ten times a second; elsewhere (a
 * pipe, a CI log) one plain line per update, at most one every {@code plainEvery}, plus the final
 * one. The ETA is the remaining work at the rate measured since the phase (or label) began in this
 * child, so a resumed run does not count the restored steps as speed.
 */
public final class ConsoleProgress implements ProgressDisplay {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR = 24;

  private final PrintStream out;
  private final boolean terminal;
  private final long plainEveryNanos;
  private final LongSupplier nanoTime;

  private String key;
  private long baseNanos;
  private long baseDone;
  private long lastDrawNanos = Long.MIN_VALUE;
  private String lastText;
  private boolean barShown;
  private boolean finalPrinted;

  public ConsoleProgress(
      PrintStream out, boolean terminal, Duration plainEvery, LongSupplier nanoTime) {
    this.out = out;
    this.terminal = terminal;
    this.plainEveryNanos = plainEvery.toNanos();
    this.nanoTime = nanoTime;
  }

  /** On stderr: a bar when the console is a terminal, plain lines every 2 s otherwise. */
  public static ConsoleProgress stderr() {
    boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return new ConsoleProgress(System.err, terminal, Duration.ofSeconds(2), System::nanoTime);
  }

  @Override
  public synchronized void progress(Progress p) {
    long now = nanoTime.getAsLong();
    String k = p.phase() + "/" + p.label();
    if (!Objects.equals(k, key) || p.done() < baseDone) {
      key = k;
      baseNanos = now;
      baseDone = p.done();
      finalPrinted = false;
      lastDrawNanos = Long.MIN_VALUE;
    }
    boolean last = p.total() > 0 && p.done() >= p.total();
    String text = render(p, eta(p, now));
    if (terminal) {
      if (last || now - lastDrawNanos >= REDRAW_NANOS || lastDrawNanos == Long.MIN_VALUE) {
        out.print("\r" + text + "\033[K");
        out.flush();
        barShown = true;
        lastDrawNanos = now;
      }
    } else if (last
        ? !finalPrinted
        : lastDrawNanos == Long.MIN_VALUE || now - lastDrawNanos >= plainEveryNanos) {
      out.println(text);
      lastDrawNanos = now;
      finalPrinted = last;
    }
    lastText = text;
  }

  @Override
  public synchronized void message(String line) {
    if (terminal && barShown) {
      out.print("\r\033[K" + line + "\n" + lastText + "\033[K");
      out.flush();
    } else {
      out.println(line);
    }
  }

  @Override
  public synchronized void finish() {
    if (terminal && barShown) {
      out.println();
    }
    barShown = false;
    key = null;
  }

  /** Seconds left at the rate since the baseline, or NaN before any work was measured. */
  private double eta(Progress p, long now) {
    double seconds = (now - baseNanos) / 1e9;
    long doneHere = p.done() - baseDone;
    if (doneHere <= 0 || seconds <= 0) {
      return Double.NaN;
    }
    return (p.total() - p.done()) / (doneHere / seconds);
  }

  private String render(Progress p, double etaSeconds) {
    StringBuilder b = new StringBuilder(p.phase());
    if (p.label() != null) {
      b.append(' ').append(p.label());
    }
    double fraction = p.total() > 0 ? Math.min(1.0, (double) p.done() / p.total()) : 0;
    if (terminal) {
      int filled = (int) Math.round(fraction * BAR);
      b.append("  [").append("#".repeat(filled)).append(".".repeat(BAR - filled)).append(']');
    }
    b.append(String.format(Locale.ROOT, "  %d/%d  %.1f%%", p.done(), p.total(), 100 * fraction));
    if (p.loss() != null) {
      b.append(String.format(Locale.ROOT, "  loss %.4f", p.loss()));
    }
    if (p.tokensPerS() != null) {
      b.append(String.format(Locale.ROOT, "  %.0f tok/s", p.tokensPerS()));
    }
    b.append("  ETA ").append(duration(etaSeconds));
    return b.toString();
  }

  /** {@code 1:02:03}, {@code 4:05}, or {@code --} when unknown. */
  static String duration(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
      return "--";
    }
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
