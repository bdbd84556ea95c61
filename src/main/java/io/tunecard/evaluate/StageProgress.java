package io.tunecard.evaluate;

import io.tunecard.worker.ConsoleProgress;
import io.tunecard.worker.ProgressDisplay;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Progress with ETA per strategy (and per checkpoint for the eval loss), shared by the workers of
 * this JVM. Workers run batches of different strategies at the same time, so each label has its own
 * {@link ConsoleProgress} printing plain lines on stderr (at most one every 2 s, plus the last),
 * each with its own rate and ETA.
 */
final class StageProgress {
  private static final Map<String, Tracker> TRACKERS = new ConcurrentHashMap<>();

  private StageProgress() {}

  private static final class Tracker {
    final ConsoleProgress display =
        new ConsoleProgress(System.err, false, Duration.ofSeconds(2), System::nanoTime);
    final long started = System.nanoTime();
    long done;
    long tokens;
  }

  /** Forgets every bar (a new run starts). */
  static void reset() {
    TRACKERS.clear();
  }

  /** Work on {@code label} begins (the first call starts its clock). */
  static void begin(String phase, String label) {
    TRACKERS.computeIfAbsent(phase + "/" + label, k -> new Tracker());
  }

  /** {@code add} more of {@code total} done for {@code label}; {@code tokens} generated with it. */
  static void advance(String phase, String label, long add, long total, long tokens) {
    Tracker t = TRACKERS.computeIfAbsent(phase + "/" + label, k -> new Tracker());
    synchronized (t) {
      t.done += add;
      t.tokens += tokens;
      double seconds = (System.nanoTime() - t.started) / 1e9;
      Double rate = t.tokens > 0 && seconds > 0 ? t.tokens / seconds : null;
      t.display.progress(
          new ProgressDisplay.Progress(phase, Math.min(t.done, total), total, label, null, rate));
      if (t.done >= total) {
        t.display.finish();
        TRACKERS.remove(phase + "/" + label, t);
      }
    }
  }
}
