package io.tunecard.hub;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A pull's progress: bytes, rate and time left for each file and for the whole pull. On a terminal
 * the lines are redrawn in place; otherwise (a log, CI) a line is printed when a file finishes and
 * a status block every few seconds. Rates count only the bytes moved in this pull, not those a
 * resumed download already had.
 */
public final class Progress {
  private final PrintWriter out;
  private final boolean interactive;
  private final LongSupplier nanos;
  private final long everyNanos;
  private final Map<String, Bar> active = new LinkedHashMap<>();
  private long total;
  private long done;
  private long moved;
  private long started;
  private long lastDraw;
  private int drawnLines;

  public Progress(PrintWriter out, boolean interactive, LongSupplier nanos, long everyMillis) {
    this.out = out;
    this.interactive = interactive;
    this.nanos = nanos;
    this.everyNanos = everyMillis * 1_000_000L;
  }

  /** To the console's error stream: redrawn on a terminal, a status every 5 s otherwise. */
  public static Progress console(PrintWriter err) {
    boolean tty = System.console() != null && System.getenv("TERM") != null;
    return new Progress(err, tty, System::nanoTime, tty ? 200 : 5_000);
  }

  /** Starts the whole pull: {@code bytes} still to fetch, {@code have} already on disk. */
  synchronized void begin(String what, int files, long bytes, long have) {
    total = bytes + have;
    done = have;
    started = nanos.getAsLong();
    lastDraw = started;
    out.printf(
        Locale.ROOT,
        "%s: %d file%s to fetch, %s%s%n",
        what,
        files,
        files == 1 ? "" : "s",
        bytes(bytes + have),
        have > 0 ? " (" + bytes(have) + " already downloaded)" : "");
    out.flush();
  }

  /** One file's download; {@code resumed} bytes were on disk before. */
  synchronized Bar file(String path, long size, long resumed) {
    Bar b = new Bar(path, size, resumed, nanos.getAsLong());
    active.put(path, b);
    return b;
  }

  /** Ends the pull with a summary line. */
  synchronized void finish(String what) {
    clear();
    double s = seconds(nanos.getAsLong() - started);
    out.printf(
        Locale.ROOT,
        "%s: done, %s fetched in %s (%s/s)%n",
        what,
        bytes(moved),
        duration(s),
        bytes(s > 0 ? (long) (moved / s) : 0));
    out.flush();
  }

  /** A message that must not be overdrawn (a retry, a wait for a lock). */
  synchronized void note(String text) {
    clear();
    out.println(text);
    out.flush();
  }

  /** One file's share of the progress. */
  public final class Bar {
    private final String path;
    private final long size;
    private final long start;
    private long have;
    private long movedHere;

    private Bar(String path, long size, long have, long start) {
      this.path = path;
      this.size = size;
      this.have = have;
      this.start = start;
    }

    /** {@code n} more bytes arrived. */
    public void add(long n) {
      synchronized (Progress.this) {
        have += n;
        movedHere += n;
        done += n;
        moved += n;
        long now = nanos.getAsLong();
        if (now - lastDraw >= everyNanos) {
          lastDraw = now;
          draw(now);
        }
      }
    }

    /** A restart from zero (a corrupt or refused partial): its bytes no longer count. */
    public void reset() {
      synchronized (Progress.this) {
        done -= have;
        have = 0;
      }
    }

    /** The file is verified and in place. */
    public void done() {
      synchronized (Progress.this) {
        active.remove(path);
        clear();
        double s = seconds(nanos.getAsLong() - start);
        out.printf(
            Locale.ROOT,
            "  %s  %s  verified%s%n",
            path,
            bytes(size),
            movedHere > 0
                ? String.format(
                    Locale.ROOT,
                    ", %s in %s (%s/s)",
                    bytes(movedHere),
                    duration(s),
                    bytes(s > 0 ? (long) (movedHere / s) : 0))
                : "");
        out.flush();
      }
    }

    private String line(long now) {
      double s = seconds(now - start);
      double rate = s > 0 ? movedHere / s : 0;
      return String.format(Locale.ROOT, "  %-40s %s", shorten(path, 40), amounts(have, size, rate));
    }
  }

  private void draw(long now) {
    List<String> lines = new ArrayList<>();
    active.values().forEach(b -> lines.add(b.line(now)));
    double s = seconds(now - started);
    lines.add(
        String.format(
            Locale.ROOT, "  %-40s %s", "total", amounts(done, total, s > 0 ? moved / s : 0)));
    clear();
    for (String l : lines) {
      out.print(l);
      out.print(interactive ? "\u001b[K\n" : "\n");
    }
    drawnLines = interactive ? lines.size() : 0;
    out.flush();
  }

  /** Moves the cursor back over the last drawn block, so the next output replaces it. */
  private void clear() {
    if (interactive && drawnLines > 0) {
      out.print("\u001b[" + drawnLines + "F\u001b[J");
      drawnLines = 0;
    }
  }

  static String amounts(long have, long size, double rate) {
    String eta = rate > 0 ? duration((size - have) / rate) : "?";
    return String.format(
        Locale.ROOT,
        "%s / %s %3d%%  %s/s  ETA %s",
        bytes(have),
        bytes(size),
        size == 0 ? 100 : (int) (100 * have / size),
        bytes((long) rate),
        eta);
  }

  private static String shorten(String s, int n) {
    return s.length() <= n ? s : "..." + s.substring(s.length() - n + 3);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** Decimal units as the Hub shows sizes: 14.5 GB. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (seconds < 10) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }
}
